/**
 * Mutation fuzzing of the engine wrappers and the upload path:
 * `npx tsx tools/fuzz/run.ts [--seed 1] [--iterations 1000] [--budget-s 600] [--targets a,b] [--corpus]
 *  [--url URL --key KEY | --stack] [--job-type compress] [--findings DIR]`. `--stack` starts its own gateway.
 * `--corpus` adds the robustness corpus's files under 256 KiB as seeds. Exits 1 when any input broke the rule
 * (saved with a note under the findings folder, default $TMPDIR/quire-fuzz-findings).
 */
import { readdir, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startSweepStack } from '@quire/sweep';
import { ENGINE_TARGETS, formatFuzzReport, runFuzz, type FuzzTarget } from './fuzz-run';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    iterations: { type: 'string', default: '1000' },
    'budget-s': { type: 'string', default: '600' },
    targets: { type: 'string' },
    corpus: { type: 'boolean', default: false },
    url: { type: 'string' },
    key: { type: 'string' },
    'job-type': { type: 'string', default: 'compress' },
    findings: { type: 'string', default: path.join(os.tmpdir(), 'quire-fuzz-findings') },
    stack: { type: 'boolean', default: false },
  },
});

// --stack: a gateway and a compression worker of our own (PostgreSQL and RabbitMQ included) for the upload target.
const stack = values.stack ? await startSweepStack({ workers: ['compression-worker'] }) : null;
const gateway = stack
  ? { url: stack.url, key: stack.key }
  : values.url && values.key
    ? { url: values.url.replace(/\/$/, ''), key: values.key }
    : null;
const all: FuzzTarget[] = [...ENGINE_TARGETS, ...(gateway ? (['upload'] as const) : [])];
const targets = values.targets ? (values.targets.split(',') as FuzzTarget[]) : all;
const unknown = targets.filter((t) => !all.includes(t));
if (unknown.length > 0) {
  process.stderr.write(
    `fuzz: unknown targets ${unknown.join(', ')} (choose from ${all.join(', ')}; upload needs --url)\n`,
  );
  process.exit(2);
}
const seedFiles: string[] = [];
if (values.corpus) {
  const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
  const dir = path.join(
    process.env.QUIRE_CORPUS_DIR ?? path.resolve(repoRoot, '../shared/corpus'),
    'robustness',
  );
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const file = path.join(entry.parentPath, entry.name);
    if (entry.isFile() && file.endsWith('.pdf') && (await stat(file)).size < 256 * 1024) seedFiles.push(file);
  }
}
const report = await runFuzz({
  seed: Number(values.seed),
  iterations: Number(values.iterations),
  budgetMs: Number(values['budget-s']) * 1000,
  targets,
  seedFiles: seedFiles.sort(),
  findingsDir: values.findings,
  ...(gateway ? { gateway: { ...gateway, jobType: values['job-type'] } } : {}),
  log: (line) => process.stdout.write(`[fuzz] ${line}\n`),
});
process.stdout.write(`${formatFuzzReport(report)}\n`);
await stack?.stop();
process.exit(report.findings.length === 0 ? 0 : 1);
