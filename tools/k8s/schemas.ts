/**
 * Every rendered object against the published schemas, offline:
 * - the JSON-schema validators of `kubernetes-models` (Kubernetes' own OpenAPI) and `@kubernetes-models/keda`,
 *   `@kubernetes-models/cloudnative-pg` (the operators' CRDs): types, formats, enums, required fields;
 * - the same packages' TypeScript interfaces, by type-checking each object as an object literal: TypeScript rejects
 *   properties an interface does not declare, so a misspelt field (`failureTreshold`), which the API server would
 *   drop or refuse (`kubectl apply --validate=strict`) and the JSON schemas let through, is reported with its path.
 * An apiVersion/kind no package models is reported as unknown (a typo, or an API removed from Kubernetes).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import type { JsonObject } from './json';

export interface SchemaProblem {
  /** Index of the object in the list given. */
  index: number;
  message: string;
}

interface ModelRef {
  /** Module specifier of the model (from tools/k8s). */
  module: string;
  kind: string;
  /** False for our own interface (no runtime validator). */
  runtime: boolean;
}

/** API groups modelled by a package other than kubernetes-models (which covers Kubernetes' own groups). */
const CRD_PACKAGES: Record<string, string> = {
  'keda.sh': '@kubernetes-models/keda',
  'postgresql.cnpg.io': '@kubernetes-models/cloudnative-pg',
};

function modelRef(apiVersion: string, kind: string): ModelRef {
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  if (group === 'rabbitmq.com' && apiVersion === 'rabbitmq.com/v1beta1' && kind === 'RabbitmqCluster')
    return { module: './rabbitmq-cluster', kind, runtime: false };
  const pkg = CRD_PACKAGES[group] ?? 'kubernetes-models';
  return { module: `${pkg}/${apiVersion}/${kind}`, kind, runtime: true };
}

type ModelClass = new (data: unknown) => { validate(): void };

const loaded = new Map<string, Promise<ModelClass | undefined>>();

async function loadModel(ref: ModelRef): Promise<ModelClass | undefined> {
  let promise = loaded.get(ref.module);
  if (!promise) {
    promise = (import(ref.module) as Promise<Record<string, unknown>>).then(
      (mod) => mod[ref.kind] as ModelClass | undefined,
      () => undefined,
    );
    loaded.set(ref.module, promise);
  }
  return promise;
}

/** Validates each object; problems carry the object's index. */
export async function validateSchemas(objects: JsonObject[]): Promise<SchemaProblem[]> {
  const problems: SchemaProblem[] = [];
  const typed: Array<{ index: number; ref: ModelRef }> = [];
  for (const [index, object] of objects.entries()) {
    const apiVersion = typeof object['apiVersion'] === 'string' ? object['apiVersion'] : '';
    const kind = typeof object['kind'] === 'string' ? object['kind'] : '';
    const ref = modelRef(apiVersion, kind);
    if (!ref.runtime) {
      typed.push({ index, ref });
      continue;
    }
    const Model = await loadModel(ref);
    if (!Model) {
      problems.push({ index, message: `unknown apiVersion/kind ${apiVersion} ${kind} (no schema for it)` });
      continue;
    }
    typed.push({ index, ref });
    try {
      new Model(object).validate();
    } catch (error) {
      const errors = (error as { errors?: Array<{ instancePath: string; message?: string }> }).errors;
      if (!errors) throw error;
      for (const e of errors)
        problems.push({ index, message: `${jsonPointerToPath(e.instancePath)}: ${e.message ?? 'invalid'}` });
    }
  }
  problems.push(...typeCheck(objects, typed));
  return problems.sort((a, b) => a.index - b.index);
}

function jsonPointerToPath(pointer: string): string {
  if (pointer === '') return '(object)';
  return pointer
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`))
    .join('');
}

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** A file that never exists on disk: the type check's generated source. */
const VIRTUAL_FILE = path.join(HERE, '__rendered_manifests__.ts');
const COMPILER_OPTIONS: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  skipLibCheck: true,
  types: [],
  lib: ['lib.es2022.d.ts'],
};
/** Reused between calls: the models' declaration files are parsed once per process. */
let previousProgram: ts.Program | undefined;

function typeCheck(objects: JsonObject[], typed: Array<{ index: number; ref: ModelRef }>): SchemaProblem[] {
  const lines: string[] = [];
  typed.forEach(({ index, ref }, n) => {
    lines.push(`import type { I${ref.kind} as T${n} } from '${ref.module}';`);
    lines.push(`export const object${index}: T${n} = ${JSON.stringify(objects[index], null, 1)};`);
  });
  const source = lines.join('\n');
  const host = ts.createCompilerHost(COMPILER_OPTIONS);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.getSourceFile = (fileName, languageVersion, ...rest) =>
    fileName === VIRTUAL_FILE
      ? ts.createSourceFile(fileName, source, languageVersion, true)
      : getSourceFile(fileName, languageVersion, ...rest);
  host.fileExists = (fileName) => fileName === VIRTUAL_FILE || fileExists(fileName);
  const program = ts.createProgram([VIRTUAL_FILE], COMPILER_OPTIONS, host, previousProgram);
  previousProgram = program;
  const file = program.getSourceFile(VIRTUAL_FILE)!;
  const problems: SchemaProblem[] = [];
  for (const d of [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)]) {
    const located = d.start === undefined ? undefined : locate(file, d.start);
    const message = ts.flattenDiagnosticMessageText(d.messageText, ' ');
    if (!located) throw new Error(`type check of the rendered manifests failed: ${message}`);
    problems.push({
      index: located.index,
      message: `${located.path}: ${message.replace(/'"(\w+)"'/g, "'$1'")}`,
    });
  }
  return problems;
}

/** The object (by its `objectN` variable) and the JSON path of the node at `position`. */
function locate(file: ts.SourceFile, position: number): { index: number; path: string } | undefined {
  let node: ts.Node = file;
  for (;;) {
    const child = node.getChildren(file).find((c) => c.getStart(file) <= position && position < c.getEnd());
    if (!child) break;
    node = child;
  }
  const segments: string[] = [];
  for (let n: ts.Node | undefined = node; n; n = n.parent) {
    if (ts.isPropertyAssignment(n) && ts.isStringLiteral(n.name)) segments.unshift(`.${n.name.text}`);
    else if (n.parent && ts.isArrayLiteralExpression(n.parent))
      segments.unshift(`[${n.parent.elements.indexOf(n as ts.Expression)}]`);
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name)) {
      const match = /^object(\d+)$/.exec(n.name.text);
      if (!match) return undefined;
      return { index: Number(match[1]), path: segments.join('').replace(/^\./, '') || '(object)' };
    }
  }
  return undefined;
}
