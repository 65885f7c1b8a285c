/**
 * The `yaml` package behind a narrow interface that works with yaml 1.x (hoisted today as a
 * transitive dependency) and 2.x (once it is a direct devDependency): Node loads 1.x as CommonJS
 * without detectable named exports, so take the CommonJS `default` when there is one, and keep to
 * the calls and options both major versions share.
 */
import * as yamlNamespace from 'yaml';

type YamlModule = typeof yamlNamespace;
const yaml: YamlModule = (yamlNamespace as YamlModule & { default?: YamlModule }).default ?? yamlNamespace;

export interface ParsedDocument {
  errors: readonly { message: string }[];
  toJSON(): unknown;
}

/** Every document of a YAML stream; `version: '1.1'` reads it the way Kubernetes tooling does. */
export function parseAllDocuments(
  source: string,
  options: { version?: '1.1' | '1.2' } = {},
): ParsedDocument[] {
  return Array.from(yaml.parseAllDocuments(source, options) as Iterable<ParsedDocument>);
}

/** One document as plain data; `merge` honours `<<: *anchor` merge keys (docker-compose files). */
export function parse(source: string, options: { merge?: boolean } = {}): unknown {
  return yaml.parse(source, options) as unknown;
}

export function stringify(value: unknown): string {
  return yaml.stringify(value);
}
