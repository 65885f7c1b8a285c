// Bundles the CLI into one ESM file, dist/quire.mjs, with a node shebang: what `npm i -g` installs. The bundle has
// no runtime dependency (zod and @quire/config are inlined), so a global install needs neither tsx nor the repo.
import { chmod } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const outfile = path.join(here, 'dist', 'quire.mjs');
await build({
  entryPoints: [path.join(here, 'src', 'main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  tsconfig: path.join(here, 'tsconfig.json'),
  banner: { js: '#!/usr/bin/env node' },
  legalComments: 'none',
  logLevel: 'warning',
});
await chmod(outfile, 0o755);
console.log(`built ${path.relative(process.cwd(), outfile)}`);
