/**
 * Strategic merge patch, the subset kustomize applies for the `patches` we write:
 * - maps merge key by key; `key: null` deletes the key;
 * - lists of objects merge element by element on a merge key when they have one, otherwise the
 *   patch list replaces the base list (args, command, envFrom, tolerations...);
 * - directives `$patch: replace` (map or list element) and `$patch: delete` (map or list element).
 *
 * Merge keys: for built-in kinds kustomize reads them from the Kubernetes OpenAPI schema
 * (x-kubernetes-patch-merge-key); the table below holds the ones of the pod and service fields we
 * can plausibly patch (a built-in list missing from it is replaced, so add its key before patching
 * it). Custom resources (ScaledObject, RabbitmqCluster, ...) have no schema in kustomize: their
 * lists are always replaced whole, e.g. patching one ScaledObject trigger replaces all triggers.
 * tools/k8s/validate.spec.ts compares this renderer with `kubectl kustomize` when it is installed.
 */
import { clone, isObject, text, type Json, type JsonObject } from './json';

/** Merge key of a list, by the field name that holds the list (and its parent when ambiguous). */
function schemaMergeKey(path: readonly string[]): string | undefined {
  const field = path[path.length - 1];
  const parent = path[path.length - 3]; // path is [..., parentField, <index>, field] for list items
  switch (field) {
    case 'containers':
    case 'initContainers':
    case 'ephemeralContainers':
    case 'env':
    case 'volumes':
    case 'imagePullSecrets':
      return 'name';
    case 'volumeMounts':
      return 'mountPath';
    case 'volumeDevices':
      return 'devicePath';
    case 'hostAliases':
      return 'ip';
    case 'topologySpreadConstraints':
      return 'topologyKey';
    case 'ports':
      // Container ports merge on containerPort; Service ports (spec.ports) merge on port.
      return parent === 'containers' || parent === 'initContainers' ? 'containerPort' : 'port';
    default:
      return undefined;
  }
}

function stripDirectives(value: Json): Json {
  if (Array.isArray(value)) return value.filter((item) => !isDirectiveOnly(item)).map(stripDirectives);
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === '$patch') continue;
    out[k] = stripDirectives(v);
  }
  return out;
}

function isDirectiveOnly(item: Json): boolean {
  return isObject(item) && Object.keys(item).length === 1 && '$patch' in item;
}

const DELETE = Symbol('delete');

export class PatchError extends Error {}

/** Applies a strategic merge `patch` to `base` (neither is modified) and returns the result. */
export function strategicMerge(base: Json, patch: Json, isBuiltinKind: boolean): Json {
  const merged = mergeValue(base, patch, [], isBuiltinKind);
  return merged === DELETE ? null : merged;
}

function mergeValue(
  base: Json | undefined,
  patch: Json,
  path: string[],
  builtin: boolean,
): Json | typeof DELETE {
  if (isObject(patch)) {
    const directive = patch['$patch'];
    if (directive === 'delete') return DELETE;
    if (directive === 'replace') return stripDirectives(patch);
    if (directive !== undefined)
      throw new PatchError(`${path.join('.')}: unsupported $patch: ${text(directive)}`);
    if (!isObject(base)) return stripDirectives(patch);
    const out: JsonObject = clone(base);
    for (const [key, value] of Object.entries(patch)) {
      if (key.startsWith('$')) {
        throw new PatchError(`${[...path, key].join('.')}: directive not supported by tools/k8s`);
      }
      if (value === null) {
        delete out[key];
        continue;
      }
      const merged = mergeValue(out[key], value, [...path, key], builtin);
      if (merged === DELETE) delete out[key];
      else out[key] = merged;
    }
    return out;
  }
  if (Array.isArray(patch)) {
    if (patch.some((item) => isObject(item) && item['$patch'] === 'replace')) {
      return stripDirectives(patch);
    }
    if (!Array.isArray(base)) return stripDirectives(patch);
    // Lists without a merge key (args, envFrom, tolerations, every list of a custom resource) are atomic.
    const key = builtin ? schemaMergeKey(path) : undefined;
    if (!key) return stripDirectives(patch);
    // Same order as kustomize: the patch's items first (merged with their base counterparts, in
    // patch order), then the base items the patch does not mention, in base order. Order matters
    // for env, where $(VAR) references only see variables defined earlier.
    const used = new Set<number>();
    const head: Json[] = [];
    for (const item of patch) {
      if (!isObject(item) || !(key in item)) {
        throw new PatchError(`${path.join('.')}: list item without merge key "${key}"`);
      }
      const index = base.findIndex(
        (existing, i) => !used.has(i) && isObject(existing) && existing[key] === item[key],
      );
      if (index >= 0) used.add(index);
      if (item['$patch'] === 'delete') continue;
      if (index < 0) {
        head.push(stripDirectives(item));
        continue;
      }
      const merged = mergeValue(base[index], item, [...path, String(index)], builtin);
      if (merged !== DELETE) head.push(merged);
    }
    return [...head, ...clone(base).filter((_, i) => !used.has(i))];
  }
  return patch;
}
