import { z } from 'zod';
import { UsageError } from './exit-codes';
import type { ApiClient } from './http';

/**
 * The job types the server offers, read from its own /openapi.json at run time rather than compiled in from the
 * repository's catalog: a CLI installed with `npm i -g` meets servers newer (or older) than itself, and the server's
 * document is generated from the catalog it actually runs (docs/architecture.md §2, §7). One small GET per submit.
 */

export type JsonSchema = {
  type?: string | string[];
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  default?: unknown;
  minItems?: number;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
  description?: string;
};

export interface JobTypeInfo {
  type: string;
  /** Files one job takes; 0/0 for job types whose input is another job's result (a JSON body). */
  minFiles: number;
  maxFiles: number;
  params: JsonSchema;
}

const jsonSchema: z.ZodType<JsonSchema> = z.lazy(() => z.object({}).passthrough()) as z.ZodType<JsonSchema>;

/** Just what the CLI reads of the document; everything else (and anything added later) passes through. */
const documentSchema = z
  .object({
    paths: z.record(
      z
        .object({
          post: z
            .object({
              requestBody: z
                .object({
                  content: z.record(z.object({ schema: jsonSchema.optional() }).passthrough()),
                })
                .passthrough()
                .optional(),
            })
            .passthrough()
            .optional(),
        })
        .passthrough(),
    ),
  })
  .passthrough();

const SUBMIT_PATH = /^\/v1\/jobs\/([a-z0-9][a-z0-9-]*)$/;

export function catalogFromOpenApi(doc: unknown): Map<string, JobTypeInfo> {
  const parsed = documentSchema.safeParse(doc);
  if (!parsed.success) throw new Error('the server’s /openapi.json has no paths the CLI can read');
  const types = new Map<string, JobTypeInfo>();
  for (const [route, item] of Object.entries(parsed.data.paths)) {
    const type = SUBMIT_PATH.exec(route)?.[1];
    const content = item.post?.requestBody?.content;
    if (!type || !content) continue;
    const multipart = content['multipart/form-data']?.schema;
    const file = multipart?.properties?.file;
    const params = content['application/json']?.schema ?? multipart?.properties?.params ?? { type: 'object' };
    types.set(type, {
      type,
      minFiles: file ? (file.minItems ?? 1) : 0,
      maxFiles: file ? (file.maxItems ?? Number.MAX_SAFE_INTEGER) : 0,
      params,
    });
  }
  return types;
}

export async function loadCatalog(api: ApiClient): Promise<Map<string, JobTypeInfo>> {
  return catalogFromOpenApi(await api.json('GET', '/openapi.json'));
}

export function jobTypeInfo(catalog: Map<string, JobTypeInfo>, type: string): JobTypeInfo {
  const info = catalog.get(type);
  if (!info) {
    throw new UsageError(
      `unknown job type "${type}"; this server offers: ${[...catalog.keys()].sort().join(', ')}`,
    );
  }
  return info;
}

/**
 * Every property a params schema may hold, a union's branches merged: split's `mode` is `"ranges"|"every"|"pages"`
 * and `ranges` / `every` come from their own branch.
 */
export function paramProperties(schema: JsonSchema): Map<string, JsonSchema> {
  const props = new Map<string, JsonSchema>();
  const visit = (s: JsonSchema) => {
    for (const [k, v] of Object.entries(s.properties ?? {})) {
      const known = props.get(k);
      if (!known) props.set(k, v);
      else if (known.enum && v.enum)
        props.set(k, { ...known, enum: [...new Set([...known.enum, ...v.enum])] });
    }
    for (const branch of [...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? [])]) visit(branch);
  };
  visit(schema);
  return props;
}

/** Keys every valid params object has: required at the top, or in each branch of a union. */
function requiredKeys(schema: JsonSchema): Set<string> {
  const keys = new Set(schema.required ?? []);
  for (const r of (schema.allOf ?? []).flatMap((b) => [...requiredKeys(b)])) keys.add(r);
  const branches = [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])].map(requiredKeys);
  if (branches.length > 0) for (const k of branches[0]) if (branches.every((b) => b.has(k))) keys.add(k);
  return keys;
}

function typesOf(schema: JsonSchema | undefined): Set<string> {
  const out = new Set<string>();
  if (!schema) return out;
  for (const t of [schema.type ?? []].flat()) out.add(t);
  for (const v of schema.enum ?? []) out.add(typeof v === 'number' ? 'number' : typeof v);
  for (const b of [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])]) for (const t of typesOf(b)) out.add(t);
  return out;
}

function coerceScalar(key: string, raw: string, schema: JsonSchema | undefined): unknown {
  const types = typesOf(schema);
  if ((types.has('integer') || types.has('number')) && !types.has('string')) {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n))
      throw new UsageError(`--param ${key}: "${raw}" is not a number`);
    return n;
  }
  if (types.has('boolean') && !types.has('string')) {
    if (/^(true|yes|1)$/i.test(raw)) return true;
    if (/^(false|no|0)$/i.test(raw)) return false;
    throw new UsageError(`--param ${key}: "${raw}" is not true or false`);
  }
  return raw;
}

/**
 * `--param key=value` as the JSON value the params schema expects: numbers and booleans converted, arrays from
 * comma-separated values (`languages=eng,deu`), objects and arrays also as JSON (`rules='[…]'`). A key the type does
 * not have is a usage error naming the ones it has (the server would refuse it: params are strict).
 */
export function parseParamFlag(info: JobTypeInfo, flag: string): [string, unknown] {
  const eq = flag.indexOf('=');
  if (eq <= 0) throw new UsageError(`--param expects key=value, got "${flag}"`);
  const key = flag.slice(0, eq).trim();
  const raw = flag.slice(eq + 1);
  const props = paramProperties(info.params);
  const schema = props.get(key);
  if (!schema) {
    const known = [...props.keys()];
    throw new UsageError(
      `${info.type} has no param "${key}"` +
        (known.length ? ` (its params: ${known.join(', ')})` : ' (it takes none)'),
    );
  }
  const types = typesOf(schema);
  if ((types.has('array') || types.has('object')) && /^\s*[[{]/.test(raw)) {
    try {
      return [key, JSON.parse(raw) as unknown];
    } catch (err) {
      throw new UsageError(`--param ${key}: invalid JSON: ${(err as Error).message}`);
    }
  }
  if (types.has('array')) {
    const items =
      raw === '' ? [] : raw.split(',').map((part) => coerceScalar(key, part.trim(), schema.items));
    return [key, items];
  }
  return [key, coerceScalar(key, raw, schema)];
}

/** `--params-json` first, then each `--param` on top of it. */
export function buildParams(
  info: JobTypeInfo,
  paramsJson: string | undefined,
  flags: string[],
): Record<string, unknown> {
  let params: Record<string, unknown> = {};
  if (paramsJson !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(paramsJson);
    } catch (err) {
      throw new UsageError(`--params-json: invalid JSON: ${(err as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new UsageError('--params-json must be a JSON object');
    params = { ...(parsed as Record<string, unknown>) };
  }
  for (const flag of flags) {
    const [key, value] = parseParamFlag(info, flag);
    params[key] = value;
  }
  return params;
}

/** One line per param for `quire types <type>`: name, type, allowed values, default. */
export function describeParams(info: JobTypeInfo): string[] {
  const required = requiredKeys(info.params);
  return [...paramProperties(info.params)].map(([name, s]) => {
    const kind = s.enum ? s.enum.map((v) => JSON.stringify(v)).join('|') : [...typesOf(s)].join('|') || 'any';
    const itemKind = s.items?.enum
      ? ` of ${s.items.enum.map((v) => JSON.stringify(v)).join('|')}`
      : s.items?.type
        ? ` of ${String(s.items.type)}`
        : '';
    const range =
      s.minimum !== undefined || s.maximum !== undefined ? ` ${s.minimum ?? ''}..${s.maximum ?? ''}` : '';
    const def = s.default !== undefined ? ` (default ${JSON.stringify(s.default)})` : '';
    return `${name}${required.has(name) ? ' (required)' : ''}: ${kind}${itemKind}${range}${def}`;
  });
}
