/** JSON values as parsed from YAML manifests, and small typed accessors over them. */

export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

export function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Walks `path` through maps (string keys) and arrays (numeric keys); undefined when absent. */
export function get(value: Json | undefined, ...path: (string | number)[]): Json | undefined {
  let current: Json | undefined = value;
  for (const key of path) {
    if (typeof key === 'number') {
      if (!Array.isArray(current)) return undefined;
      current = current[key];
    } else {
      if (!isObject(current)) return undefined;
      current = current[key];
    }
  }
  return current;
}

export function obj(value: Json | undefined): JsonObject | undefined {
  return isObject(value) ? value : undefined;
}

export function arr(value: Json | undefined): Json[] {
  return Array.isArray(value) ? value : [];
}

export function objects(value: Json | undefined): JsonObject[] {
  return arr(value).filter(isObject);
}

export function str(value: Json | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function num(value: Json | undefined): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

/** A string-to-string map (labels, selectors, annotations); non-string values are dropped. */
export function stringMap(value: Json | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj(value) ?? {})) {
    if (typeof v === 'string') out[k] = v;
  }
  return out;
}

export function clone<T extends Json>(value: T): T {
  return structuredClone(value);
}

/**
 * Checks that a value produced by a YAML parser is plain JSON (no dates, no functions, no cycles)
 * and returns it typed. Throws with a path on anything else.
 */
export function toJson(value: unknown, where = '$'): Json {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`${where}: non-finite number`);
    return value;
  }
  if (Array.isArray(value)) return value.map((item: unknown, i) => toJson(item, `${where}[${i}]`));
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out[k] = toJson(v, `${where}.${k}`);
    }
    return out;
  }
  throw new Error(`${where}: unsupported YAML value of type ${typeof value}`);
}

/** Text of a scalar as it would appear in YAML (strings as is, others as JSON). */
export function text(value: Json | undefined): string {
  if (typeof value === 'string') return value;
  return value === undefined ? 'undefined' : JSON.stringify(value);
}
