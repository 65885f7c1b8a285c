#!/usr/bin/env node
// `npx quire …` in the repository: runs the CLI from its TypeScript source through tsx (a dependency of the repo),
// so it is always the current code without a build. `npm i -g` installs the bundle (dist/quire.mjs) instead.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
register({ tsconfig: path.join(cli, 'tsconfig.json') });
await import(path.join(cli, 'src', 'main.ts'));
