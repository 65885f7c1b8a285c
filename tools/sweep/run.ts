/**
 * The robustness sweep, full version: `npx tsx tools/sweep/run.ts [--url URL --key KEY [--pids name=pid,...]]
 * [--types a,b] [--limit N] [--no-images] [--dir DIR] [--concurrency 2] [--edge]`. `--edge`: params at the edges of each contract.
 *
 * Without --url it starts its own stack (PostgreSQL, RabbitMQ, gateway, every worker). Files come from
 * `<QUIRE_CORPUS_DIR or ../shared/corpus>/robustness` unless --dir says otherwise. Prints one row per job type and
 * every violation; exits 1 on any violation, 2 when it could not run.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { WORKER_CAP_MB, startSweepStack, type SweepStack } from './stack';
import { writeHostileImages } from './hostile-images';
import { listFiles, sweepTypes } from './sweep-plan';
import { formatSweepTable, runSweep, sweepViolations } from './sweep-run';
import type { WatchedProcess } from './process-watch';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    key: { type: 'string' },
    pids: { type: 'string' },
    types: { type: 'string' },
    limit: { type: 'string' },
    dir: { type: 'string' },
    concurrency: { type: 'string', default: '2' },
    edge: { type: 'boolean', default: false },
    'no-images': { type: 'boolean', default: false },
    'job-deadline-s': { type: 'string', default: '600' },
  },
});

const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const corpus = process.env.QUIRE_CORPUS_DIR ?? path.resolve(repoRoot, '../shared/corpus');
const dir = values.dir ?? path.join(corpus, 'robustness');
if (!existsSync(dir)) {
  process.stderr.write(`sweep: no corpus at ${dir} (set QUIRE_CORPUS_DIR or pass --dir)\n`);
  process.exit(2);
}
if (Boolean(values.url) !== Boolean(values.key)) {
  process.stderr.write('sweep: give --url and --key together\n');
  process.exit(2);
}
const types = sweepTypes(
  values.types?.split(',').map((t) => t.trim()),
  values.edge,
);
let files = await listFiles(dir);
if (values.limit) files = files.slice(0, Number(values.limit));
// The corpus holds PDFs only: hostile images (a pixel bomb, lying headers, truncations) go to the types taking images.
const imageDir = await mkdtemp(path.join(os.tmpdir(), 'quire-sweep-images-'));
if (!values['no-images']) files.push(...(await writeHostileImages(imageDir)));

const log = (line: string) => process.stdout.write(`[sweep] ${line}\n`);
let stack: SweepStack | null = null;
let target: { url: string; key: string; processes: WatchedProcess[] };
if (values.url && values.key) {
  const processes = (values.pids ?? '')
    .split(',')
    .filter(Boolean)
    .map((pair) => {
      const [name, pid] = pair.split('=');
      return { name: name, pid: Number(pid), capMb: WORKER_CAP_MB[name] ?? 0 };
    });
  if (processes.length === 0) log('no --pids: worker memory and restarts are not checked');
  target = { url: values.url.replace(/\/$/, ''), key: values.key, processes };
} else {
  stack = await startSweepStack({ workers: [...new Set(types.map((t) => t.worker))], log });
  target = { url: stack.url, key: stack.key, processes: stack.workers };
}

// Ctrl-C or a runner's SIGTERM: take the stack's servers and apps down instead of orphaning them.
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    void (async () => {
      await stack?.stop();
      await rm(imageDir, { recursive: true, force: true });
      process.exit(130);
    })();
  });

let code = 0;
try {
  log(
    `${files.length} files from ${dir} × ${types.length} job types: ${types.map((t) => t.type).join(', ')}`,
  );
  const report = await runSweep({
    ...target,
    files,
    types,
    root: dir,
    concurrency: Number(values.concurrency),
    jobDeadlineMs: Number(values['job-deadline-s']) * 1000,
    log,
  });
  process.stdout.write(`\n${formatSweepTable(report)}\n\n`);
  const violations = sweepViolations(report);
  for (const v of violations) process.stdout.write(`VIOLATED: ${v}\n`);
  if (violations.length > 0 && stack)
    for (const w of stack.workers)
      process.stdout.write(`--- ${w.name} output (tail) ---\n${stack.output(w.name).slice(-3000)}\n`);
  code = violations.length === 0 ? 0 : 1;
} finally {
  await stack?.stop();
  await rm(imageDir, { recursive: true, force: true });
}
process.exit(code);
