import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(fileURLToPath(import.meta.url));

/** Vite aliases derived from tsconfig.base.json so tests resolve `@quire/*` exactly as tsc does. */
export function tsconfigAliases(): Record<string, string> {
  const tsconfig = JSON.parse(readFileSync(path.join(root, 'tsconfig.base.json'), 'utf8')) as {
    compilerOptions: { paths: Record<string, string[]> };
  };
  return Object.fromEntries(
    Object.entries(tsconfig.compilerOptions.paths).map(([alias, [target]]) => [
      alias,
      path.join(root, target!),
    ]),
  );
}
