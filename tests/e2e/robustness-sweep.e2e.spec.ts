/**
 * The robustness sweep, short version (the full one: `npx tsx tools/sweep/run.ts`): the smallest file of each
 * robustness sub-folder plus quick hostile ones (a page-count bomb, a qpdf crash, zero bytes) through every job type
 * that takes PDFs, and hostile images (a pixel bomb, a lying header, a truncated JPEG) through those that take
 * images, on the real stack (gateway and every worker as processes, PostgreSQL, RabbitMQ). Each (file, type) ends in
 * a 4xx with an error body or a terminal job with a human-readable reason; every worker stays under its memory cap
 * and keeps its pid. Then a lean mutation-fuzz run of the upload path against the same gateway.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestEnvironment,
  getFreePort,
  sharedCorpus,
  startApp,
  type StartedApp,
  type TestEnvironment,
} from '@quire/testing';
import {
  formatSweepTable,
  listFiles,
  onePerFolder,
  runSweep,
  sweepTypes,
  sweepViolations,
  WORKER_CAP_MB,
  writeHostileImages,
} from '@quire/sweep';
import { formatFuzzReport, runFuzz } from '@quire/fuzz';

const { corpusDir, dir, present } = sharedCorpus('robustness', 'robustness sweep');
const ADMIN_KEY = 'qk_e2e_sweep_key_0123456789abcdef';
/**
 * MANIFEST notes of hostile files added to the lean set: quick to refuse. The hanging file and the pixel bomb take
 * minutes (a timeout is retried) and run in the full sweep.
 */
const HOSTILE = /page-count bomb|zero bytes|CRASH/;

async function leanFiles(): Promise<string[]> {
  const all = await listFiles(dir);
  const manifest = await readFile(path.join(corpusDir, 'MANIFEST.tsv'), 'utf8').catch(() => '');
  const hostile = manifest
    .split('\n')
    .map((line) => line.split('\t'))
    .filter((cols) => cols[0] === 'robustness' && HOSTILE.test(cols.at(-1) ?? ''))
    .map((cols) => path.join(corpusDir, cols[1]));
  // The smallest PDF of each folder (small files are the damaged ones, and quick), then the named hostile files.
  const sizes = new Map(await Promise.all(all.map(async (f) => [f, (await stat(f)).size] as const)));
  const bySize = all
    .filter((f) => f.endsWith('.pdf'))
    .sort((a, b) => (sizes.get(a) ?? 0) - (sizes.get(b) ?? 0));
  return [...new Set([...onePerFolder(bySize, dir), ...hostile.filter((f) => all.includes(f))])];
}

describe.skipIf(!present)('robustness sweep, short version (every PDF job type, real stack)', () => {
  let env: TestEnvironment;
  let work: string;
  let gateway: StartedApp;
  const workers: StartedApp[] = [];
  const types = sweepTypes();

  beforeAll(async () => {
    env = await createTestEnvironment();
    work = await mkdtemp(path.join(os.tmpdir(), 'quire-sweep-e2e-'));
    const common = {
      ...env.env,
      QUIRE_TEMP_DIR: path.join(work, 'tmp'),
      LOG_LEVEL: 'warn',
      QUIRE_RETRY_DELAYS_MS: '300,600,900',
      // Short deadlines and a lower OCR resolution keep the hanging and bomb files (a timeout is retried) within the
      // test command's budget; the full sweep runs with the defaults.
      QUIRE_GS_TIMEOUT_MS: '10000',
      QUIRE_GS_TIMEOUT_MAX_MS: '20000',
      QUIRE_PDF_TIMEOUT_MS: '10000',
      QUIRE_QPDF_TIMEOUT_MS: '10000',
      QUIRE_QPDF_TIMEOUT_MAX_MS: '20000',
      QUIRE_OCR_PAGE_TIMEOUT_MS: '20000',
      QUIRE_OCR_DPI: '100',
    };
    const port = await getFreePort();
    const names = [...new Set(types.map((t) => t.worker))];
    const started = await Promise.all([
      startApp('gateway', {
        ...common,
        PORT: String(port),
        QUIRE_BOOTSTRAP_API_KEY: ADMIN_KEY,
        QUIRE_TENANT_MAX_ACTIVE_JOBS: '10000',
        QUIRE_TENANT_SUBMIT_RATE: '10000',
      }),
      ...names.map(async (name) => startApp(name, { ...common, PORT: String(await getFreePort()) })),
    ]);
    gateway = started[0]!;
    workers.push(...started.slice(1));
  });

  afterAll(async () => {
    for (const w of workers) await w.stop();
    await gateway?.stop();
    await env?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('every (file, job type) ends in a 4xx with a body or a terminal job with a reason; workers stay up and under their caps', async () => {
    const images = (await writeHostileImages(work)).filter((f) => /bomb|lying|truncated\.jpg/.test(f));
    const files = [...(await leanFiles()), ...images];
    const report = await runSweep({
      url: gateway.url,
      key: ADMIN_KEY,
      files,
      types,
      root: dir,
      processes: workers.map((w) => ({ name: w.name, pid: w.pid, capMb: WORKER_CAP_MB[w.name] ?? 0 })),
      concurrency: 3,
      jobDeadlineMs: 240_000,
      log: (line) => console.info(`[robustness sweep] ${line}`),
    });
    console.info(`[robustness sweep]\n${formatSweepTable(report)}`);
    expect(report.outcomes.length).toBeGreaterThanOrEqual(files.length);
    expect(sweepViolations(report)).toEqual([]);
    for (const w of [gateway, ...workers]) expect(() => process.kill(w.pid, 0), w.name).not.toThrow();
  }, 600_000);

  it('mutation fuzz of the upload path (lean: 60 mutated PDFs, fixed seed): every upload a 202 or a 4xx with a body', async () => {
    const report = await runFuzz({
      seed: 20261129,
      iterations: 60,
      budgetMs: 120_000,
      targets: ['upload'],
      gateway: { url: gateway.url, key: ADMIN_KEY, jobType: 'compress' },
      findingsDir: path.join(os.tmpdir(), 'quire-fuzz-findings'),
    });
    console.info(`[upload fuzz] ${formatFuzzReport(report)}`);
    expect(report.findings).toEqual([]);
    expect(report.iterations).toBeGreaterThan(10);
    for (const w of [gateway, ...workers]) expect(() => process.kill(w.pid, 0), w.name).not.toThrow();
  }, 200_000);
});
