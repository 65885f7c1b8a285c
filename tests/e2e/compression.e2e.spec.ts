import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyRepository, createDataSource } from '@quire/job-model';
import {
  createTestEnvironment,
  getFreePort,
  makeNumberedPdf,
  makePdf,
  startApp,
  type StartedApp,
} from '@quire/testing';
import { QuireClient, curlUpload, pageCount, type JobJson } from './helpers';

const run = promisify(execFile);
const ADMIN_KEY = 'qk_e2e_bootstrap_key_0123456789abcdef';

describe('compression end to end (gateway + compression-worker processes, real PostgreSQL/RabbitMQ/Ghostscript)', () => {
  let gateway: StartedApp;
  let worker: StartedApp;
  let client: QuireClient;
  let otherTenant: QuireClient;
  let work: string;
  const cleanups: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    const testEnv = await createTestEnvironment();
    cleanups.push(() => testEnv.cleanup());
    const db = testEnv.database;
    work = await mkdtemp(path.join(os.tmpdir(), 'quire-e2e-'));
    const common = { ...testEnv.env, QUIRE_TEMP_DIR: path.join(work, 'tmp'), LOG_LEVEL: 'info' };
    const gatewayPort = await getFreePort();
    gateway = await startApp('gateway', {
      ...common,
      PORT: String(gatewayPort),
      QUIRE_BOOTSTRAP_API_KEY: ADMIN_KEY,
      QUIRE_MAX_UPLOAD_BYTES: String(2 * 1024 * 1024),
    });
    worker = await startApp('compression-worker', {
      ...common,
      PORT: String(await getFreePort()),
      QUIRE_GS_TIMEOUT_MS: '30000',
      QUIRE_RETRY_DELAYS_MS: '500,500,500',
    });
    client = new QuireClient(`http://127.0.0.1:${gatewayPort}`, ADMIN_KEY);
    const ds = createDataSource(db.url, { poolSize: 1 });
    await ds.initialize();
    const other = await new ApiKeyRepository(ds).createKey('other-tenant', 'user');
    await ds.destroy();
    otherTenant = new QuireClient(client.baseUrl, other.key);
  });

  afterAll(async () => {
    if (process.env.QUIRE_E2E_DEBUG) console.log(gateway?.output().slice(-6000));
    await worker?.stop();
    await gateway?.stop();
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('compresses a PDF: 202 + Location, progress, completed, smaller download with the same pages', async () => {
    const input = makeNumberedPdf(3, 300);
    const res = await client.submit(
      'compress',
      [{ name: 'report.pdf', data: input }],
      { preset: 'ebook' },
      { 'x-correlation-id': 'e2e-corr-1' },
    );
    expect(res.status).toBe(202);
    expect(res.headers.get('location')).toBe(`/v1/jobs/${String(res.body.id)}`);
    expect(res.headers.get('x-correlation-id')).toBe('e2e-corr-1');
    expect(res.body).toMatchObject({
      type: 'compress',
      status: 'pending',
      attempts: 0,
      error: null,
      result: null,
    });
    expect(res.body.progress).toMatchObject({ percent: 0 });

    const job = await client.waitTerminal(String(res.body.id));
    expect(job).toMatchObject({ status: 'completed', attempts: 1, error: null });
    expect(job.progress.percent).toBe(100);
    expect(job.result).toMatchObject({
      preset: 'ebook',
      pages: 3,
      keptOriginal: false,
      inputBytes: input.length,
    });

    const dl = await client.get(`/v1/jobs/${job.id}/download`);
    expect(dl.status).toBe(200);
    const out = dl.body as Buffer;
    expect(out.length).toBeLessThan(input.length / 4);
    const file = path.join(work, 'out.pdf');
    await writeFile(file, out);
    expect(await pageCount(file)).toBe(3);
    // The worker's log lines for this job carry the gateway's correlation id.
    expect(worker.output()).toMatch(
      new RegExp(
        `"correlationId":"e2e-corr-1"[^\\n]*"jobId":"${job.id}"|"jobId":"${job.id}"[^\\n]*"correlationId":"e2e-corr-1"`,
      ),
    );
  });

  it('keeps the original when Ghostscript cannot make it smaller (lossless on an already tight file)', async () => {
    const tight = await makeTightPdf(work);
    const res = await client.submit('compress', [{ name: 'tight.pdf', data: tight }]);
    expect(res.status).toBe(202);
    const job = await client.waitTerminal(String(res.body.id));
    expect(job.status).toBe('completed');
    const out = (await client.get(`/v1/jobs/${job.id}/download`)).body as Buffer;
    expect(out.length).toBeLessThanOrEqual(tight.length);
    if (job.result?.keptOriginal) expect(out.equals(tight)).toBe(true);
  });

  it('fails an encrypted PDF with "password required" and does not retry', async () => {
    const plain = path.join(work, 'plain.pdf');
    const enc = path.join(work, 'enc.pdf');
    await writeFile(plain, makeNumberedPdf(1));
    await run('qpdf', ['--encrypt', 'user-pw', 'owner-pw', '256', '--', plain, enc]);
    const res = await client.submit('compress', [{ name: 'enc.pdf', data: await readFile(enc) }]);
    const job = await client.waitTerminal(String(res.body.id));
    expect(job.status).toBe('failed');
    expect(job.attempts).toBe(1);
    expect(job.error?.code).toBe('PDF_ENCRYPTED');
    expect(job.error?.message).toMatch(/password required/i);
  });

  it('fails a truncated PDF with a human-readable reason and no retry', async () => {
    const whole = makeNumberedPdf(4, 200);
    const res = await client.submit('compress', [
      { name: 'cut.pdf', data: whole.subarray(0, Math.floor(whole.length / 3)) },
    ]);
    expect(res.status).toBe(202);
    const job = await client.waitTerminal(String(res.body.id));
    // Ghostscript may salvage pages of a truncated file; what it must never do is leave the job hanging or retrying.
    if (job.status === 'failed') {
      expect(job.attempts).toBe(1);
      expect(job.error?.message.length).toBeGreaterThan(10);
    } else {
      expect(job.status).toBe('completed');
    }
  });

  it('answers bad requests with precise 4xx errors', async () => {
    const pdf = makeNumberedPdf(1);
    const noKey = await fetch(`${client.baseUrl}/v1/jobs`);
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
    const wrongKey = new QuireClient(client.baseUrl, 'qk_wrong_key_wrong_key_wrong');
    expect((await wrongKey.get('/v1/jobs')).status).toBe(401);

    const notPdf = await client.submit('compress', [
      { name: 'x.pdf', data: Buffer.from('hello, I am plain text '.repeat(100)) },
    ]);
    expect(notPdf.status).toBe(415);
    expect(notPdf.body).toMatchObject({ error: { code: 'UNSUPPORTED_MEDIA_TYPE' } });

    const empty = await client.submit('compress', [{ name: 'empty.pdf', data: Buffer.alloc(0) }]);
    expect(empty.status).toBe(400);
    expect(empty.body).toMatchObject({ error: { code: 'EMPTY_FILE' } });

    const badPreset = await client.submit('compress', [{ name: 'a.pdf', data: pdf }], { preset: 'tiny' });
    expect(badPreset.status).toBe(400);
    const msg = (badPreset.body.error as { message: string }).message;
    expect(msg).toContain('preset');
    for (const allowed of ['lossless', 'screen', 'ebook', 'printer', 'prepress'])
      expect(msg).toContain(allowed);

    const unknownKey = await client.submit('compress', [{ name: 'a.pdf', data: pdf }], {
      preset: 'ebook',
      quality: 3,
    });
    expect(unknownKey.status).toBe(400);
    expect((unknownKey.body.error as { message: string }).message).toContain('quality');

    const malformed = await client.submit('compress', [{ name: 'a.pdf', data: pdf }], '{"preset":');
    expect(malformed.status).toBe(400);
    expect((malformed.body.error as { message: string }).message).toContain('params');

    const noFile = await client.submit('compress', [], { preset: 'ebook' });
    expect(noFile.status).toBe(400);

    const unknownType = await client.submit('shrink', [{ name: 'a.pdf', data: pdf }]);
    expect(unknownType.status).toBe(404);

    const big = path.join(work, 'big.pdf');
    await writeFile(big, Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(3 * 1024 * 1024, 0x20)]));
    const tooBig = await curlUpload(`${client.baseUrl}/v1/jobs/compress`, ADMIN_KEY, big);
    expect(tooBig.status).toBe(413);
    expect(tooBig.body).toContain('PAYLOAD_TOO_LARGE');

    const listing = await client.get('/v1/jobs?limit=0');
    expect(listing.status).toBe(400);
    expect((await client.get('/v1/jobs/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });

  it('never shows a job to another tenant, and lists the caller’s jobs newest first with a cursor', async () => {
    const res = await client.submit('compress', [{ name: 'mine.pdf', data: makeNumberedPdf(1) }]);
    const id = String(res.body.id);
    expect((await otherTenant.get(`/v1/jobs/${id}`)).status).toBe(404);
    expect((await otherTenant.get(`/v1/jobs/${id}/download`)).status).toBe(404);
    const theirs = (await otherTenant.get('/v1/jobs')).body as { items: unknown[] };
    expect(theirs.items).toEqual([]);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = (await client.get(`/v1/jobs?limit=2${cursor ? `&cursor=${cursor}` : ''}`)).body as {
        items: JobJson[];
        nextCursor: string | null;
      };
      seen.push(...page.items.map((j) => j.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen[0]).toBe(id);
    expect(new Set(seen).size).toBe(seen.length);
    const created = await Promise.all(seen.map(async (j) => Date.parse((await client.job(j)).createdAt)));
    expect([...created].sort((a, b) => b - a)).toEqual(created);
  });

  it('streams job updates as Server-Sent Events until the job is terminal', async () => {
    const res = await client.submit('compress', [{ name: 'sse.pdf', data: makeNumberedPdf(2, 200) }], {
      preset: 'screen',
    });
    const stream = await fetch(`${client.baseUrl}/v1/jobs/${String(res.body.id)}/events`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    const text = await stream.text(); // the server ends the stream at the terminal state
    const events = text
      .split('\n\n')
      .filter((chunk) => chunk.startsWith('event: job'))
      .map(
        (chunk) =>
          JSON.parse(
            chunk
              .split('\n')
              .find((l) => l.startsWith('data: '))!
              .slice(6),
          ) as JobJson,
      );
    expect(events.length).toBeGreaterThanOrEqual(1);
    expect(events.at(-1)!.status).toBe('completed');
    expect(events.every((e) => e.id === res.body.id)).toBe(true);
  });

  it('returns the same job for a repeated Idempotency-Key', async () => {
    const pdf = makeNumberedPdf(1);
    const a = await client.submit('compress', [{ name: 'a.pdf', data: pdf }], undefined, {
      'idempotency-key': 'same-key-1',
    });
    const b = await client.submit('compress', [{ name: 'a.pdf', data: pdf }], undefined, {
      'idempotency-key': 'same-key-1',
    });
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    expect(b.body.id).toBe(a.body.id);
  });
});

/** A small, already-compressed PDF (Ghostscript's own output), which lossless pdfwrite rarely shrinks further. */
async function makeTightPdf(dir: string): Promise<Buffer> {
  const src = path.join(dir, 'tight-src.pdf');
  const out = path.join(dir, 'tight.pdf');
  await writeFile(src, makePdf([{ lines: ['tight'] }]));
  await run('gs', [
    '-q',
    '-dSAFER',
    '-dBATCH',
    '-dNOPAUSE',
    '-sDEVICE=pdfwrite',
    '-dPDFSETTINGS=/screen',
    `-sOutputFile=${out}`,
    src,
  ]);
  return readFile(out);
}
