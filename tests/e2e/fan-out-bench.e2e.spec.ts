/**
 * Fan-out figure (issue #14, docs/architecture.md (fan-out)): one large scan through the HTTP API with 1 OCR worker
 * replica, then with 2, each replica given one core (`QUIRE_OCR_CHILDREN=1`), so the figure shows what a second
 * replica adds. Opt-in, not part of the test command:
 *
 *   QUIRE_FANOUT_BENCH=1 [QUIRE_FANOUT_BENCH_PAGES=200] [QUIRE_FANOUT_BENCH_CHUNK=50] \
 *     npx vitest run --config vitest.e2e.config.ts tests/e2e/fan-out-bench.e2e.spec.ts
 *
 * The scan is the generated 2-page fixture repeated (known text, no corpus needed). Target: 2 replicas ≤ 0.6× the
 * time of 1. On a machine with fewer free cores than replicas the figure cannot show the gain.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestEnvironment,
  getFreePort,
  makeScannedPdf,
  startApp,
  type StartedApp,
  type TestEnvironment,
} from '@quire/testing';
import { QuireClient } from './helpers';

const run = promisify(execFile);
const ENABLED = process.env.QUIRE_FANOUT_BENCH === '1';
const PAGES = Number(process.env.QUIRE_FANOUT_BENCH_PAGES ?? 200);
const CHUNK = Number(process.env.QUIRE_FANOUT_BENCH_CHUNK ?? 50);
const ADMIN_KEY = 'qk_e2e_fanout_bench_0123456789abcdef';

describe.skipIf(!ENABLED)(`fan-out figure: a ${PAGES}-page scan, 1 replica vs 2`, () => {
  let env: TestEnvironment;
  let gateway: StartedApp;
  let client: QuireClient;
  let work: string;
  let scan: Buffer;
  const workers: StartedApp[] = [];

  beforeAll(async () => {
    env = await createTestEnvironment();
    work = await mkdtemp(path.join(os.tmpdir(), 'quire-fanout-bench-'));
    const port = await getFreePort();
    gateway = await startApp('gateway', {
      ...env.env,
      LOG_LEVEL: 'warn',
      PORT: String(port),
      QUIRE_BOOTSTRAP_API_KEY: ADMIN_KEY,
      QUIRE_OUTBOX_SWEEP_MS: '200',
    });
    client = new QuireClient(`http://127.0.0.1:${port}`, ADMIN_KEY);
    const one = path.join(work, 'two.pdf');
    await writeFile(one, (await makeScannedPdf()).pdf);
    const file = path.join(work, 'scan.pdf');
    await run('qpdf', ['--empty', '--pages', ...Array<string>(Math.ceil(PAGES / 2)).fill(one), '--', file]);
    scan = await readFile(file);
  }, 300_000);

  afterAll(async () => {
    for (const w of workers) await w.stop();
    await gateway?.stop();
    await env?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const startReplica = async () => {
    const app = await startApp('ocr-worker', {
      ...env.env,
      LOG_LEVEL: 'warn',
      PORT: String(await getFreePort()),
      QUIRE_TEMP_DIR: path.join(work, 'tmp', String(workers.length)),
      QUIRE_OCR_CHILDREN: '1',
      QUIRE_FANOUT_PAGES: String(CHUNK),
      QUIRE_FANOUT_CHUNK_PAGES: String(CHUNK),
    });
    workers.push(app);
  };
  const timedJob = async () => {
    const started = performance.now();
    const res = await client.submit('ocr', [{ name: 'scan.pdf', data: scan }], {
      languages: ['eng'],
      mode: 'force',
    });
    expect(res.status).toBe(202);
    const job = await client.waitTerminal(res.body.id as string, 3 * 3600_000);
    expect(job.status).toBe('completed');
    return (performance.now() - started) / 1000;
  };

  it(
    '2 replicas take ≤ 0.6× the time of 1 (printed; asserted only as completed)',
    async () => {
      await startReplica();
      const one = await timedJob();
      await startReplica();
      const two = await timedJob();
      const line = `fan-out figure: ${PAGES} pages in chunks of ${CHUNK}: 1 replica ${one.toFixed(1)} s, 2 replicas ${two.toFixed(1)} s, ratio ${(two / one).toFixed(2)} (target ≤ 0.6) · ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}`;
      console.log(line);
      await writeFile(path.join(os.tmpdir(), 'quire-fanout-figure.txt'), `${line}\n`);
    },
    4 * 3600_000,
  );
});
