/**
 * Fan-out of large documents end to end (docs/architecture.md (fan-out)): the gateway and OCR worker processes with
 * a page threshold of 2 and chunks of 2 pages, real PostgreSQL/RabbitMQ/qpdf/tesseract.js. A job is split into
 * chunk jobs any replica takes; the parent ends exactly once — completed (merged in page order), failed with the
 * chunk's reason (a page tree whose count lies), cancelled (chunks spread over two workers) — and survives a worker
 * killed mid-chunk; no chunk is left running and the workers' temp folders are left empty.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDataSource } from '@quire/job-model';
import {
  createTestEnvironment,
  getFreePort,
  makePdf,
  makeScannedPdf,
  SCANNED_TEXT_PAGES,
  startApp,
  type StartedApp,
  type TestEnvironment,
} from '@quire/testing';
import { QuireClient, pageTexts } from './helpers';

const run = promisify(execFile);
const ADMIN_KEY = 'qk_e2e_fanout_key_0123456789abcdef';

interface ChunkRow {
  id: string;
  status: string;
  chunk: { index: number; first: number; last: number; of: number };
}

describe('fan-out of large documents (gateway + ocr-worker processes, threshold 2 pages)', () => {
  let env: TestEnvironment;
  let gateway: StartedApp;
  let client: QuireClient;
  let ds: DataSource;
  let work: string;
  let common: Record<string, string>;
  const workers: StartedApp[] = [];
  let scan: Buffer;

  const startWorker = async (name: string) => {
    const app = await startApp('ocr-worker', {
      ...common,
      PORT: String(await getFreePort()),
      QUIRE_TEMP_DIR: path.join(work, 'tmp', name),
    });
    workers.push(app);
    return app;
  };

  /** A PDF of `copies` × the 2-page scanned fixture (pages 1, 3, 5… hold fixture page 1). */
  const scanOf = async (copies: number): Promise<string> => {
    const one = path.join(work, 'scan-2.pdf');
    await writeFile(one, scan);
    const out = path.join(work, `scan-${copies * 2}.pdf`);
    await run('qpdf', ['--empty', '--pages', ...Array<string>(copies).fill(one), '--', out]);
    return out;
  };

  const chunks = (parentId: string) =>
    ds.query<ChunkRow[]>(
      `SELECT id, status, chunk FROM job WHERE parent_id = $1 ORDER BY (chunk->>'index')::int`,
      [parentId],
    );
  const parentEnds = async (id: string) =>
    (
      await ds.query<Array<{ to_status: string }>>(
        `SELECT to_status FROM job_event WHERE job_id = $1 AND to_status IN ('completed','failed','cancelled')`,
        [id],
      )
    ).map((r) => r.to_status);
  const until = async (what: string, check: () => Promise<boolean>, timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  /** No chunk left pending/processing/retrying. */
  const chunksSettled = (id: string) =>
    until('every chunk ended', async () =>
      (await chunks(id)).every((c) => ['completed', 'failed', 'cancelled'].includes(c.status)),
    );
  /** Temp folders of the live workers, empty once nothing runs. */
  const tempLeft = async (names: string[]) => {
    const left: string[] = [];
    for (const name of names) {
      const dir = path.join(work, 'tmp', name);
      left.push(...(await readdir(dir, { recursive: true }).catch(() => [])).map((f) => `${name}/${f}`));
    }
    return left;
  };
  const submit = async (file: string) => {
    const res = await client.submit('ocr', [{ name: path.basename(file), data: await readFile(file) }], {
      languages: ['eng'],
      mode: 'force',
    });
    expect(res.status).toBe(202);
    return res.body.id as string;
  };

  beforeAll(async () => {
    env = await createTestEnvironment();
    work = await mkdtemp(path.join(os.tmpdir(), 'quire-fanout-e2e-'));
    common = {
      ...env.env,
      LOG_LEVEL: 'warn',
      QUIRE_FANOUT_PAGES: '2',
      QUIRE_FANOUT_CHUNK_PAGES: '2',
      QUIRE_OCR_CHILDREN: '1',
      QUIRE_HEARTBEAT_MS: '300',
      QUIRE_STALE_AFTER_MS: '3000',
      QUIRE_RETRY_DELAYS_MS: '300,300,300',
    };
    const port = await getFreePort();
    gateway = await startApp('gateway', {
      ...common,
      PORT: String(port),
      QUIRE_BOOTSTRAP_API_KEY: ADMIN_KEY,
      QUIRE_OUTBOX_SWEEP_MS: '200',
    });
    client = new QuireClient(`http://127.0.0.1:${port}`, ADMIN_KEY);
    ds = createDataSource(env.database.url, { poolSize: 2 });
    await ds.initialize();
    scan = (await makeScannedPdf()).pdf;
    await startWorker('a');
  });

  afterAll(async () => {
    for (const w of workers) await w.stop();
    await gateway?.stop();
    if (ds?.isInitialized) await ds.destroy();
    await env?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('splits a 6-page scan into 3 chunks, merges them in page order, once; chunks are not listed', async () => {
    const id = await submit(await scanOf(3));
    const job = await client.waitTerminal(id, 180_000);
    expect(job.error).toBeNull();
    expect(job.status).toBe('completed');
    const rows = await chunks(id);
    expect(rows.map((c) => [c.chunk.first, c.chunk.last, c.status])).toEqual([
      [1, 2, 'completed'],
      [3, 4, 'completed'],
      [5, 6, 'completed'],
    ]);
    const result = job.result as { pageCount: number; pages: Array<{ page: number }> };
    expect(result.pageCount).toBe(6);
    expect(result.pages.map((p) => p.page)).toEqual([1, 2, 3, 4, 5, 6]);
    const pdf = (await client.get(`/v1/jobs/${id}/download`)).body as Buffer;
    const texts = await pageTexts(pdf);
    expect(texts).toHaveLength(6);
    const first = SCANNED_TEXT_PAGES[0][0];
    const second = SCANNED_TEXT_PAGES[1][0];
    for (const [i, text] of texts.entries())
      expect(text.replace(/\s+/g, ' ')).toContain(i % 2 === 0 ? first : second);
    expect(await parentEnds(id)).toEqual(['completed']);
    const listed = (await client.get('/v1/jobs?limit=100')).body as { items: Array<{ id: string }> };
    const ids = listed.items.map((j) => j.id);
    expect(ids).toContain(id);
    for (const c of rows) expect(ids).not.toContain(c.id);
    expect(await tempLeft(['a'])).toEqual([]);
  });

  it('extract-text and convert-to-images opt in too: 5 pages in 3 chunks, texts and images in page order', async () => {
    const converter = await startApp('conversion-worker', {
      ...common,
      PORT: String(await getFreePort()),
      QUIRE_TEMP_DIR: path.join(work, 'tmp', 'conv'),
    });
    workers.push(converter);
    const lines = (n: number) => [`This is page number ${n} of the document`];
    const doc = makePdf([1, 2, 3, 4, 5].map((n) => ({ lines: lines(n) })));
    const text = await client.submit('extract-text', [{ name: 'five.pdf', data: doc }], { ocr: 'never' });
    const images = await client.submit('convert-to-images', [{ name: 'five.pdf', data: doc }], {
      format: 'png',
      dpi: 36,
    });
    expect([text.status, images.status]).toEqual([202, 202]);
    const textJob = await client.waitTerminal(text.body.id as string);
    expect(textJob.status).toBe('completed');
    const extracted = (textJob.result as { text: string }).text.split('\f');
    expect(extracted.map((t) => t.trim())).toEqual([1, 2, 3, 4, 5].map((n) => lines(n)[0]));
    expect((await chunks(textJob.id)).length).toBe(3);
    const imageJob = await client.waitTerminal(images.body.id as string);
    expect(imageJob.status).toBe('completed');
    const outputs = (imageJob.result as { outputs: Array<{ name: string; page: number }> }).outputs;
    expect(outputs.map((o) => [o.page, o.name])).toEqual(
      [1, 2, 3, 4, 5].map((n) => [n, `five-page-${n}.png`]),
    );
    expect((await chunks(imageJob.id)).length).toBe(3);
    expect(await tempLeft(['a', 'conv'])).toEqual([]);
  });

  it('a page tree whose count lies: the parent fails with the chunk’s reason, once, no chunk left running', async () => {
    // 6 real pages, /Count says 8: pdf.js plans 4 chunks that cannot all be cut out of the damaged tree.
    const qdf = path.join(work, 'lie.qdf');
    await run('qpdf', ['--qdf', '--object-streams=disable', await scanOf(3), qdf]);
    const text = (await readFile(qdf, 'latin1')).replace(/\/Count 6\b/, '/Count 8');
    await writeFile(qdf, text, 'latin1');
    const lie = path.join(work, 'lie.pdf');
    const fixed = await run('fix-qdf', [qdf], { encoding: 'latin1', maxBuffer: 64 * 1024 * 1024 });
    await writeFile(lie, fixed.stdout, 'latin1');
    const id = await submit(lie);
    const job = await client.waitTerminal(id, 180_000);
    expect(job.status).toBe('failed');
    // qpdf refuses the damaged tree when cutting any chunk out; the first chunk to fail gives the reason.
    expect(job.error?.message).toMatch(/^pages \d+–\d+: the PDF is damaged/);
    await chunksSettled(id);
    expect(await parentEnds(id)).toEqual(['failed']);
    expect(await tempLeft(['a'])).toEqual([]);
  });

  it('a worker killed mid-chunk: another replica takes the chunk over and the parent completes', async () => {
    const b = await startWorker('b');
    await workers[0].stop(); // only b runs: the first chunk is b's
    const id = await submit(await scanOf(2));
    await until('a chunk is processing', async () =>
      (await chunks(id)).some((c) => c.status === 'processing'),
    );
    b.kill('SIGKILL');
    await b.exited;
    await startWorker('c');
    const job = await client.waitTerminal(id, 180_000);
    expect(job.status).toBe('completed');
    expect((job.result as { pageCount: number }).pageCount).toBe(4);
    expect(await parentEnds(id)).toEqual(['completed']);
    expect(await tempLeft(['c'])).toEqual([]);
  });

  it('cancelled while chunks run on two workers: the parent is cancelled once and every chunk stops', async () => {
    await startWorker('d');
    const id = await submit(await scanOf(6)); // 12 pages, 6 chunks
    await until(
      'two chunks run at once',
      async () => (await chunks(id)).filter((c) => c.status === 'processing').length >= 2,
      120_000,
    );
    const res = await fetch(`${client.baseUrl}/v1/jobs/${id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: string }).status).toBe('cancelled');
    await chunksSettled(id);
    const rows = await chunks(id);
    expect(rows.filter((c) => c.status === 'cancelled').length).toBeGreaterThanOrEqual(4);
    expect((await client.job(id)).status).toBe('cancelled');
    expect(await parentEnds(id)).toEqual(['cancelled']);
    await until('temp folders are empty', async () => (await tempLeft(['c', 'd'])).length === 0, 10_000);
  });

  it('a chunk whose engine child crashes (killed over its memory cap): the parent fails once with that reason', async () => {
    for (const w of workers) await w.stop();
    // 40 MB is far below what tesseract.js needs for a page: the supervisor kills the child on every try.
    const e = await startApp('ocr-worker', {
      ...common,
      PORT: String(await getFreePort()),
      QUIRE_TEMP_DIR: path.join(work, 'tmp', 'e'),
      QUIRE_OCR_MAX_RSS_MB: '40',
    });
    workers.push(e);
    const id = await submit(await scanOf(2));
    const job = await client.waitTerminal(id, 180_000);
    expect(job.status).toBe('failed');
    expect(job.error?.message).toMatch(/^pages \d+–\d+: /);
    await chunksSettled(id);
    expect(await parentEnds(id)).toEqual(['failed']);
    await until('temp folder is empty', async () => (await tempLeft(['e'])).length === 0, 10_000);
  });
});
