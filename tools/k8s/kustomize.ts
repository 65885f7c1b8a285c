/**
 * An offline renderer for the kustomize subset Quire's k8s/ tree uses, so CI can validate the
 * manifests without kubectl, kustomize or a cluster.
 *
 * Supported kustomization fields: `resources` (files and directories, recursively), `namespace`,
 * `images` (name/newName/newTag/digest), `patches` (strategic merge or JSON 6902, from `path` or
 * inline `patch`, with an optional `target`). Anything else is an error rather than being
 * silently ignored: if you need a feature, extend this file and its comparison test.
 *
 * Semantics follow kustomize v5 (what `kubectl kustomize` embeds): each kustomization renders its
 * resources (sub-kustomizations fully rendered first), rejects duplicate ids, then applies its
 * own transformers in kustomize's order: namespace, patches, images.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from './yaml';
import {
  arr,
  clone,
  get,
  isObject,
  obj,
  str,
  stringMap,
  text,
  toJson,
  type Json,
  type JsonObject,
} from './json';
import { PatchError, strategicMerge } from './smp';

export class KustomizeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KustomizeError';
  }
}

/** A rendered object and the file it came from (for messages). */
export interface Rendered {
  object: JsonObject;
  source: string;
}

const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
const SUPPORTED_FIELDS = new Set(['apiVersion', 'kind', 'resources', 'namespace', 'images', 'patches']);

/** Kinds the namespace transformer must leave alone (cluster-scoped). */
export const CLUSTER_SCOPED_KINDS = new Set([
  'Namespace',
  'Node',
  'PersistentVolume',
  'StorageClass',
  'PriorityClass',
  'RuntimeClass',
  'IngressClass',
  'CSIDriver',
  'CustomResourceDefinition',
  'APIService',
  'ClusterRole',
  'ClusterRoleBinding',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
  'ClusterTriggerAuthentication',
  'ClusterIssuer',
]);

/** Kinds whose patches kustomize merges with the Kubernetes schema (merge keys) rather than by inference. */
const BUILTIN_GROUPS = new Set([
  '',
  'apps',
  'batch',
  'policy',
  'autoscaling',
  'networking.k8s.io',
  'rbac.authorization.k8s.io',
]);

/** Parses every YAML document of a file; empty documents are skipped, non-maps rejected. */
export function loadYamlFile(file: string): JsonObject[] {
  const content = readFileSync(file, 'utf8');
  return parseYamlDocuments(content, file);
}

export function parseYamlDocuments(source: string, where: string): JsonObject[] {
  const out: JsonObject[] = [];
  for (const value of parseUnambiguous(source, where)) {
    if (value === null) continue;
    if (!isObject(value)) throw new KustomizeError(`${where}: a document is not a YAML map`);
    out.push(value);
  }
  return out;
}

/**
 * Parses YAML as YAML 1.2 and refuses documents that YAML 1.1 reads differently. Kubernetes
 * tooling (sigs.k8s.io/yaml) is YAML 1.1: an unquoted `yes`, `on`, `y`, `0755` or `1:30` becomes a
 * boolean or a number there but stays a string here, so such a manifest would validate one way
 * and deploy another. Quoting the value removes the ambiguity.
 */
function parseUnambiguous(source: string, where: string): Json[] {
  const strict = parseAllDocuments(source);
  const legacy = parseAllDocuments(source, { version: '1.1' });
  const values: Json[] = [];
  strict.forEach((doc, i) => {
    if (doc.errors.length > 0) {
      throw new KustomizeError(`${where}: invalid YAML: ${doc.errors.map((e) => e.message).join('; ')}`);
    }
    let value: Json;
    let legacyValue: Json;
    try {
      value = toJson(doc.toJSON());
      legacyValue = toJson(legacy[i]?.toJSON());
    } catch (error) {
      throw new KustomizeError(`${where}: ${(error as Error).message}`);
    }
    const difference = firstDifference(value, legacyValue);
    if (difference !== undefined) {
      throw new KustomizeError(
        `${where}: ${difference} reads differently in YAML 1.1 (what kubectl uses) and YAML 1.2: quote the value`,
      );
    }
    values.push(value);
  });
  return values;
}

/** Path of the first place two JSON values differ, or undefined when they are equal. */
function firstDifference(a: Json, b: Json, path = '$'): string | undefined {
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return path;
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  if (isObject(a) && isObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) {
      if (!(key in a) || !(key in b)) return `${path}.${key}`;
      const d = firstDifference(a[key], b[key], `${path}.${key}`);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  return a === b ? undefined : `${path} (${JSON.stringify(a)} vs ${JSON.stringify(b)})`;
}

/** apiVersion "apps/v1" -> group "apps"; "v1" -> core group "". */
export function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
}

function versionOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.slice(apiVersion.indexOf('/') + 1) : apiVersion;
}

/** kustomize's resource id: group, kind, namespace and name. */
export function resourceId(object: JsonObject): string {
  const apiVersion = str(object['apiVersion']) ?? '';
  const group = groupOf(apiVersion);
  const kind = str(object['kind']) ?? '?';
  const name = str(get(object, 'metadata', 'name')) ?? '?';
  const namespace = str(get(object, 'metadata', 'namespace'));
  return `${group ? `${group}/` : ''}${kind}/${namespace ? `${namespace}/` : ''}${name}`;
}

/** Renders the kustomization in `dir` (a directory holding kustomization.yaml). */
export function renderKustomization(dir: string): Rendered[] {
  return render(path.resolve(dir), []);
}

function findKustomizationFile(dir: string): string {
  for (const name of KUSTOMIZATION_FILES) {
    const file = path.join(dir, name);
    if (existsSync(file)) return file;
  }
  throw new KustomizeError(`${dir}: no kustomization.yaml`);
}

function render(dir: string, stack: readonly string[]): Rendered[] {
  if (stack.includes(dir)) {
    throw new KustomizeError(`cycle in kustomization resources: ${[...stack, dir].join(' -> ')}`);
  }
  const file = findKustomizationFile(dir);
  const docs = loadYamlFile(file);
  if (docs.length !== 1) throw new KustomizeError(`${file}: expected exactly one document`);
  const kustomization = docs[0];
  const kind = str(kustomization['kind']);
  if (kind !== undefined && kind !== 'Kustomization') {
    throw new KustomizeError(`${file}: kind ${kind} is not supported (only Kustomization)`);
  }
  for (const field of Object.keys(kustomization)) {
    if (!SUPPORTED_FIELDS.has(field)) {
      throw new KustomizeError(
        `${file}: kustomization field "${field}" is not supported by tools/k8s (supported: ${[...SUPPORTED_FIELDS].join(', ')})`,
      );
    }
  }

  const rendered: Rendered[] = [];
  for (const entry of arr(kustomization['resources'])) {
    if (typeof entry !== 'string') throw new KustomizeError(`${file}: resources entries must be strings`);
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(entry) || entry.startsWith('git@')) {
      throw new KustomizeError(`${file}: remote resource ${entry} is not supported (offline renderer)`);
    }
    const target = path.resolve(dir, entry);
    if (!existsSync(target)) throw new KustomizeError(`${file}: resource ${entry} does not exist`);
    if (statSync(target).isDirectory()) {
      rendered.push(...render(target, [...stack, dir]));
    } else {
      for (const object of loadYamlFile(target)) rendered.push({ object, source: target });
    }
  }

  const seen = new Map<string, string>();
  for (const { object, source } of rendered) {
    checkShape(object, source);
    const id = resourceId(object);
    const previous = seen.get(id);
    if (previous !== undefined) {
      throw new KustomizeError(
        `${file}: may not add resource with an already registered id ${id} (${previous} and ${source})`,
      );
    }
    seen.set(id, source);
  }

  const namespace = str(kustomization['namespace']);
  if (namespace !== undefined) applyNamespace(rendered, namespace, file);
  for (const patch of arr(kustomization['patches'])) applyPatchEntry(rendered, patch, dir, file);
  for (const image of arr(kustomization['images'])) applyImage(rendered, image, file);
  return rendered;
}

function checkShape(object: JsonObject, source: string): void {
  if (!str(object['apiVersion']) || !str(object['kind']) || !str(get(object, 'metadata', 'name'))) {
    throw new KustomizeError(`${source}: every resource needs apiVersion, kind and metadata.name`);
  }
}

function applyNamespace(rendered: Rendered[], namespace: string, file: string): void {
  for (const { object } of rendered) {
    const kind = str(object['kind']) ?? '';
    if (kind === 'RoleBinding' || kind === 'ClusterRoleBinding') {
      // kustomize also rewrites ServiceAccount subjects; we have none, so refuse rather than diverge.
      throw new KustomizeError(`${file}: namespace with ${kind} subjects is not supported by tools/k8s`);
    }
    if (CLUSTER_SCOPED_KINDS.has(kind)) continue;
    const metadata = obj(object['metadata'])!;
    metadata['namespace'] = namespace;
  }
}

interface Target {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  labelSelector?: string;
  annotationSelector?: string;
}

/** kustomize matches target names, namespaces and kinds as anchored regular expressions. */
function regexMatch(pattern: string | undefined, value: string): boolean {
  return pattern === undefined || new RegExp(`^(?:${pattern})$`).test(value);
}

/** Equality-based selectors only ("a=b,c!=d,e"), which is all our patches would use. */
function selectorMatch(selector: string | undefined, values: Record<string, string>, file: string): boolean {
  if (selector === undefined) return true;
  return selector
    .split(',')
    .map((term) => term.trim())
    .filter((term) => term.length > 0)
    .every((term) => {
      const neq = /^([^!=]+)!=(.*)$/.exec(term);
      if (neq) return values[neq[1].trim()] !== neq[2].trim();
      const eq = /^([^!=]+)==?(.*)$/.exec(term);
      if (eq) return values[eq[1].trim()] === eq[2].trim();
      if (/^[A-Za-z0-9./_-]+$/.test(term)) return term in values;
      throw new KustomizeError(`${file}: selector term "${term}" is not supported by tools/k8s`);
    });
}

function matchesTarget(object: JsonObject, target: Target, file: string): boolean {
  const apiVersion = str(object['apiVersion']) ?? '';
  const metadata = obj(object['metadata']) ?? {};
  return (
    (target.group === undefined || target.group === groupOf(apiVersion)) &&
    (target.version === undefined || target.version === versionOf(apiVersion)) &&
    regexMatch(target.kind, str(object['kind']) ?? '') &&
    regexMatch(target.name, str(metadata['name']) ?? '') &&
    regexMatch(target.namespace, str(metadata['namespace']) ?? '') &&
    selectorMatch(target.labelSelector, stringMap(metadata['labels']), file) &&
    selectorMatch(target.annotationSelector, stringMap(metadata['annotations']), file)
  );
}

function parseTarget(value: Json | undefined, file: string): Target | undefined {
  if (value === undefined) return undefined;
  const t = obj(value);
  if (!t) throw new KustomizeError(`${file}: patch target must be a map`);
  const allowed = ['group', 'version', 'kind', 'name', 'namespace', 'labelSelector', 'annotationSelector'];
  const target: Target = {};
  for (const [key, v] of Object.entries(t)) {
    if (!allowed.includes(key) || typeof v !== 'string') {
      throw new KustomizeError(`${file}: patch target field ${key} is not supported`);
    }
    target[key as keyof Target] = v;
  }
  return target;
}

function applyPatchEntry(rendered: Rendered[], entry: Json, dir: string, file: string): void {
  const e = obj(entry);
  if (!e) throw new KustomizeError(`${file}: patches entries must be maps`);
  for (const key of Object.keys(e)) {
    if (!['path', 'patch', 'target'].includes(key)) {
      throw new KustomizeError(`${file}: patches field "${key}" is not supported by tools/k8s`);
    }
  }
  const patchPath = str(e['path']);
  const inline = str(e['patch']);
  if ((patchPath === undefined) === (inline === undefined)) {
    throw new KustomizeError(`${file}: a patch needs exactly one of path or patch`);
  }
  const where = patchPath !== undefined ? path.resolve(dir, patchPath) : `${file} (inline patch)`;
  const content = patchPath !== undefined ? readFileSync(where, 'utf8') : inline!;
  const target = parseTarget(e['target'], file);

  // A JSON 6902 patch is a YAML/JSON list of operations.
  const asList = tryParseList(content, where);
  if (asList !== undefined) {
    if (!target) throw new KustomizeError(`${where}: a JSON 6902 patch needs a target`);
    const matches = rendered.filter((r) => matchesTarget(r.object, target, file));
    if (matches.length === 0) throw new KustomizeError(`${where}: patch target matches no resource`);
    for (const match of matches) match.object = applyJson6902(match.object, asList, where);
    return;
  }

  for (const patch of parseYamlDocuments(content, where)) {
    const matches = target
      ? rendered.filter((r) => matchesTarget(r.object, target, file))
      : rendered.filter((r) => sameResource(r.object, patch));
    if (matches.length === 0) {
      throw new KustomizeError(`${where}: no resource matches patch ${resourceId(patch)}`);
    }
    if (!target && matches.length > 1) {
      throw new KustomizeError(`${where}: patch ${resourceId(patch)} matches ${matches.length} resources`);
    }
    for (const match of matches) {
      const apiVersion = str(match.object['apiVersion']) ?? '';
      const metadata = obj(match.object['metadata'])!;
      const identity = { name: metadata['name']!, namespace: metadata['namespace'] };
      let merged: Json;
      try {
        merged = strategicMerge(match.object, patch, BUILTIN_GROUPS.has(groupOf(apiVersion)));
      } catch (error) {
        if (error instanceof PatchError) throw new KustomizeError(`${where}: ${error.message}`);
        throw error;
      }
      if (!isObject(merged)) throw new KustomizeError(`${where}: patch deleted ${resourceId(match.object)}`);
      // A patch never renames or moves what it patches (with a target, its own name is irrelevant).
      const mergedMetadata = obj(merged['metadata'])!;
      mergedMetadata['name'] = identity.name;
      if (identity.namespace === undefined) delete mergedMetadata['namespace'];
      else mergedMetadata['namespace'] = identity.namespace;
      match.object = merged;
    }
  }
}

/** Without a target, a strategic merge patch applies to the resource with its group, kind and name (and namespace, if it names one). */
function sameResource(object: JsonObject, patch: JsonObject): boolean {
  const patchApi = str(patch['apiVersion']) ?? '';
  const objectApi = str(object['apiVersion']) ?? '';
  const patchNamespace = str(get(patch, 'metadata', 'namespace'));
  return (
    groupOf(patchApi) === groupOf(objectApi) &&
    str(patch['kind']) === str(object['kind']) &&
    str(get(patch, 'metadata', 'name')) === str(get(object, 'metadata', 'name')) &&
    (patchNamespace === undefined || patchNamespace === str(get(object, 'metadata', 'namespace')))
  );
}

function tryParseList(source: string, where: string): Json[] | undefined {
  const docs = parseUnambiguous(source, where).filter((doc) => doc !== null);
  return docs.length === 1 && Array.isArray(docs[0]) ? docs[0] : undefined;
}

function decodePointer(pointer: string, where: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/'))
    throw new KustomizeError(`${where}: JSON pointer ${pointer} must start with /`);
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function applyJson6902(object: JsonObject, operations: Json[], where: string): JsonObject {
  const root: Json = clone(object);
  for (const operation of operations) {
    const op = obj(operation);
    const kind = str(op?.['op']);
    const pointer = str(op?.['path']);
    if (!op || !kind || pointer === undefined)
      throw new KustomizeError(`${where}: malformed JSON 6902 operation`);
    const tokens = decodePointer(pointer, where);
    const last = tokens.pop();
    if (last === undefined) throw new KustomizeError(`${where}: cannot ${kind} the document root`);
    let parent: Json | undefined = root;
    for (const token of tokens) {
      parent = Array.isArray(parent) ? parent[Number(token)] : isObject(parent) ? parent[token] : undefined;
    }
    if (parent === undefined || parent === null || typeof parent !== 'object') {
      throw new KustomizeError(`${where}: path ${pointer} does not exist`);
    }
    const value = op['value'];
    if (Array.isArray(parent)) {
      const index = last === '-' ? parent.length : Number(last);
      if (!Number.isInteger(index) || index < 0 || index > parent.length) {
        throw new KustomizeError(`${where}: bad index in ${pointer}`);
      }
      if (kind === 'add' && value !== undefined) parent.splice(index, 0, clone(value));
      else if (kind === 'replace' && value !== undefined && index < parent.length)
        parent[index] = clone(value);
      else if (kind === 'remove' && index < parent.length) parent.splice(index, 1);
      else throw new KustomizeError(`${where}: cannot ${kind} ${pointer}`);
    } else {
      if (kind === 'add' && value !== undefined) parent[last] = clone(value);
      else if (kind === 'replace' && value !== undefined && last in parent) parent[last] = clone(value);
      else if (kind === 'remove' && last in parent) delete parent[last];
      else
        throw new KustomizeError(
          `${where}: cannot ${kind} ${pointer} (only add, replace, remove are supported)`,
        );
    }
  }
  return root;
}

/** Splits "repo/name:tag@sha256:..." into name, tag and digest (a ":" after the last "/" starts the tag). */
export function parseImage(image: string): { name: string; tag?: string; digest?: string } {
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    return { name: rest.slice(0, colon), tag: rest.slice(colon + 1), ...(digest ? { digest } : {}) };
  }
  return { name: rest, ...(digest ? { digest } : {}) };
}

function applyImage(rendered: Rendered[], entry: Json, file: string): void {
  const e = obj(entry);
  const name = str(e?.['name']);
  if (!e || !name) throw new KustomizeError(`${file}: images entries need a name`);
  for (const key of Object.keys(e)) {
    if (!['name', 'newName', 'newTag', 'digest'].includes(key)) {
      throw new KustomizeError(`${file}: images field "${key}" is not supported`);
    }
  }
  const newName = str(e['newName']);
  const newTag = e['newTag'] === undefined ? undefined : text(e['newTag']);
  const digest = str(e['digest']);
  for (const { object } of rendered) {
    for (const container of findContainers(object)) {
      const image = str(container['image']);
      if (image === undefined) continue;
      const parsed = parseImage(image);
      if (parsed.name !== name) continue;
      const finalName = newName ?? parsed.name;
      if (digest !== undefined) container['image'] = `${finalName}@${digest}`;
      else if (newTag !== undefined) container['image'] = `${finalName}:${newTag}`;
      else {
        container['image'] =
          finalName +
          (parsed.tag !== undefined ? `:${parsed.tag}` : '') +
          (parsed.digest ? `@${parsed.digest}` : '');
      }
    }
  }
}

/** Every element of a `containers` or `initContainers` list anywhere in the object (what kustomize's image transformer visits). */
export function findContainers(value: Json): JsonObject[] {
  const found: JsonObject[] = [];
  const visit = (node: Json): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (!isObject(node)) return;
    for (const [key, child] of Object.entries(node)) {
      if ((key === 'containers' || key === 'initContainers') && Array.isArray(child)) {
        found.push(...child.filter(isObject));
      }
      visit(child);
    }
  };
  visit(value);
  return found;
}
