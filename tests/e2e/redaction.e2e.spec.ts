/**
 * Redaction end to end: the gateway and the redaction worker as processes, real PostgreSQL/RabbitMQ, MuPDF and
 * tesseract.js, no language model. Every redacted value is looked for in the downloaded output by readers
 * independent of MuPDF: pdf.js's text layer and qpdf's uncompressed object dump (digital), OCR of the rendered
 * output (scanned). Also: detect → a reviewer's boxes → redact, the audit endpoint and its tenant scoping, an
 * encrypted PDF (no, wrong and right password; the password is never stored), a regex RE2 cannot run and an
 * image over the pixel limit.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMupdf, type Mupdf } from '@quire/engine-mupdf';
import { createTesseract, type Tesseract } from '@quire/engine-tesseract';
import { ApiKeyRepository, createDataSource } from '@quire/job-model';
import { encryptedPdf } from '@quire/pdf-fixtures';
import {
  createTestEnvironment,
  getFreePort,
  makePdf,
  makeScannedPdf,
  makeTextPng,
  pdfPageTexts,
  startApp,
  type StartedApp,
  type TestEnvironment,
} from '@quire/testing';
import { QuireClient, type JobJson } from './helpers';

const run = promisify(execFile);

const EMAIL = 'erika.musterfrau@example.net';
const IBAN = 'DE89 3704 0044 0532 0130 00';
const CARD = '5555 5555 5555 4444';
const PHONE = '+44 20 7946 0958';
const VALUES = [EMAIL, IBAN, CARD, PHONE];

const squeeze = (s: string) => s.toLowerCase().replace(/[^a-z0-9@]/g, '');

/** What pdf.js and qpdf still find of `values` in a PDF. */
async function digitalLeaks(file: string, values: readonly string[]): Promise<string[]> {
  const text = squeeze((await pdfPageTexts(file)).join(' '));
  const { stdout: dump } = await run('qpdf', ['--qdf', '--object-streams=disable', file, '-'], {
    maxBuffer: 64 * 1024 * 1024,
    encoding: 'latin1',
  });
  const found: string[] = [];
  for (const v of values) {
    if (text.includes(squeeze(v))) found.push(`${v} (text layer)`);
    if (squeeze(dump).includes(squeeze(v))) found.push(`${v} (object dump)`);
  }
  return found;
}

async function postJson(client: QuireClient, type: string, body: unknown) {
  const res = await fetch(`${client.baseUrl}/v1/jobs/${type}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${client.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as JobJson & { error?: { message: string } } };
}

interface RedactResult {
  detections: Array<{ type: string; page: number; boxes: number[][] }>;
  counts: Record<string, number>;
  pagesChanged: number[];
  uncheckedPages: number[];
  warnings: string[];
}

describe('redaction end to end (gateway + redaction-worker processes, no language model)', () => {
  let env: TestEnvironment;
  let gateway: StartedApp;
  let worker: StartedApp;
  let ds: DataSource;
  let a: QuireClient;
  let b: QuireClient;
  let keyAId: string;
  let work: string;
  let storageDir: string;
  let mupdf: Mupdf;
  let tesseract: Tesseract;
  let letter: Buffer;

  beforeAll(async () => {
    env = await createTestEnvironment();
    work = await mkdtemp(path.join(os.tmpdir(), 'quire-redaction-e2e-'));
    storageDir = env.env.QUIRE_STORAGE_DIR ?? '';
    const common = { ...env.env, QUIRE_TEMP_DIR: path.join(work, 'tmp'), LOG_LEVEL: 'warn' };
    const port = await getFreePort();
    [gateway, worker] = await Promise.all([
      startApp('gateway', { ...common, PORT: String(port) }),
      startApp('redaction-worker', {
        ...common,
        PORT: String(await getFreePort()),
        QUIRE_RETRY_DELAYS_MS: '500,500,500',
        // 300 dpi A4/Letter pages are ~8.5 MP; a 600 dpi page image is over this.
        QUIRE_OCR_MAX_PIXELS: '20000000',
      }),
    ]);
    ds = createDataSource(env.database.url, { poolSize: 2 });
    await ds.initialize();
    const keys = new ApiKeyRepository(ds);
    const keyA = await keys.createKey('tenant-a', 'user');
    const keyB = await keys.createKey('tenant-b', 'user');
    a = new QuireClient(`http://127.0.0.1:${port}`, keyA.key);
    keyAId = keyA.id;
    b = new QuireClient(`http://127.0.0.1:${port}`, keyB.key);
    mupdf = createMupdf({ timeoutMs: 60_000 });
    tesseract = createTesseract({ size: 1, timeoutMs: 60_000, memoryLimitMb: 1024 });
    letter = makePdf(
      [
        {
          lines: [
            `Please write to ${EMAIL} or call ${PHONE}.`,
            `Refunds go to IBAN ${IBAN}.`,
            'Kind regards.',
          ],
        },
        { lines: ['The second page is about the weather.'] },
        { lines: [`Card ${CARD} was charged twice.`, 'This line stays.'] },
      ],
      { title: `Complaint of ${EMAIL}` },
    );
  });

  afterAll(async () => {
    await Promise.all([gateway?.stop(), worker?.stop(), mupdf?.close(), tesseract?.close()]);
    await ds?.destroy();
    await env?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function completed(client: QuireClient, id: string): Promise<JobJson & { result: RedactResult }> {
    const job = await client.waitTerminal(id, 180_000);
    expect(job.error).toBeNull();
    expect(job.status).toBe('completed');
    return job as JobJson & { result: RedactResult };
  }

  async function download(client: QuireClient, id: string, name: string): Promise<string> {
    const res = await client.get(`/v1/jobs/${id}/download`);
    expect(res.status).toBe(200);
    const file = path.join(work, name);
    await writeFile(file, res.body as Buffer);
    return file;
  }

  it('a digital PDF: zero leaks, the rest searchable; keepInput false deletes the upload; the audit has counts', async () => {
    const submitted = await a.submit('redact', [{ name: 'complaint.pdf', data: letter }], {
      keepInput: false,
    });
    expect(submitted.status).toBe(202);
    const id = String(submitted.body.id);
    const job = await completed(a, id);
    expect(job.result.counts).toMatchObject({ email: 1, phone: 1, iban: 1, card: 1 });
    expect(job.result.pagesChanged).toEqual([1, 3]);

    const output = await download(a, id, 'complaint-redacted.pdf');
    expect(await digitalLeaks(output, VALUES)).toEqual([]);
    const texts = await pdfPageTexts(output);
    expect(texts[1]).toContain('The second page is about the weather.');
    expect(texts[2]).toContain('This line stays.');
    expect(existsSync(path.join(storageDir, 'jobs', id, 'input'))).toBe(false);
    expect(JSON.stringify(job)).not.toContain('musterfrau');

    const audit = await a.get(`/v1/jobs/${id}/audit`);
    expect(audit.status).toBe(200);
    expect(audit.body).toMatchObject({
      jobId: id,
      mode: 'redact',
      status: 'completed',
      keyId: keyAId,
      counts: { email: 1, phone: 1, iban: 1, card: 1 },
      pagesChanged: [1, 3],
    });
    expect(JSON.stringify(audit.body)).not.toContain('musterfrau');
    expect((await b.get(`/v1/jobs/${id}/audit`)).status).toBe(404);
  });

  it('a scanned PDF: the values found by OCR are burned in (OCR of the output no longer reads them)', async () => {
    const { pdf } = await makeScannedPdf(
      [[`Email ${EMAIL}`, `IBAN ${IBAN}`, 'The meeting is on Monday.']],
      300,
    );
    const submitted = await a.submit('redact', [{ name: 'scan.pdf', data: pdf }]);
    const id = String(submitted.body.id);
    const job = await completed(a, id);
    expect(job.result.counts).toMatchObject({ email: 1, iban: 1 });
    const output = await download(a, id, 'scan-redacted.pdf');
    const png = path.join(work, 'scan-redacted.png');
    await mupdf.render(output, { page: 1, dpi: 300, outputPath: png, maxPixels: 50_000_000 });
    const text = squeeze((await tesseract.recognize(png, { languages: ['eng'], dpi: 300 })).text);
    expect(text).not.toContain('musterfrau');
    expect(text).not.toContain(squeeze(IBAN).slice(4));
    expect(text).toContain('meetingisonmonday');
  });

  it('detect → a reviewer keeps one box → redact applies exactly that box', async () => {
    const detect = await a.submit('redact', [{ name: 'complaint.pdf', data: letter }], { mode: 'detect' });
    const detectId = String(detect.body.id);
    const detected = await completed(a, detectId);
    expect(detected.result.pagesChanged).toEqual([]);
    expect((await a.get(`/v1/jobs/${detectId}/download`)).status).not.toBe(200);
    const card = detected.result.detections.find((d) => d.type === 'card');
    if (!card) throw new Error('no card detected');

    // Another tenant cannot use the detect job as a source.
    const foreign = await postJson(b, 'redact', {
      sourceJobId: detectId,
      boxes: [{ page: card.page, box: card.boxes[0] }],
    });
    expect(foreign.status).toBe(404);

    const applied = await postJson(a, 'redact', {
      sourceJobId: detectId,
      boxes: [{ page: card.page, box: card.boxes[0], type: 'card' }],
    });
    expect(applied.status).toBe(202);
    const job = await completed(a, applied.body.id);
    expect(job.result).toMatchObject({ counts: { card: 1 }, pagesChanged: [3] });
    const output = await download(a, applied.body.id, 'reviewed.pdf');
    expect(await digitalLeaks(output, [CARD])).toEqual([]);
    // Only the card was redacted: the email the reviewer dropped is still there.
    expect((await pdfPageTexts(output))[0]).toContain(EMAIL);
  });

  it('an encrypted PDF: no password fails with a reason, a wrong one is a 422, the right one works and is never stored', async () => {
    const plain = path.join(work, 'plain.pdf');
    await writeFile(plain, letter);
    const locked = await encryptedPdf(plain, path.join(work, 'locked.pdf'), 'correct horse');
    const data = await readFile(locked);

    const none = await a.submit('redact', [{ name: 'locked.pdf', data }]);
    const failed = await a.waitTerminal(String(none.body.id), 120_000);
    expect(failed.status).toBe('failed');
    expect(failed.error?.code).toBe('PDF_ENCRYPTED');
    expect(failed.error?.message).toMatch(/password/);

    const wrong = await a.submit('redact', [{ name: 'locked.pdf', data }], { password: 'battery staple' });
    expect(wrong.status).toBe(422);
    expect(JSON.stringify(wrong.body)).not.toContain('battery staple');

    const right = await a.submit('redact', [{ name: 'locked.pdf', data }], { password: 'correct horse' });
    expect(right.status).toBe(202);
    const id = String(right.body.id);
    await completed(a, id);
    const output = await download(a, id, 'unlocked-redacted.pdf');
    expect(await digitalLeaks(output, VALUES)).toEqual([]);
    const rows: Array<{ params: unknown }> = await ds.query('SELECT params FROM job WHERE id = $1', [id]);
    expect(JSON.stringify(rows)).not.toContain('correct horse');
    const outbox: Array<{ n: number }> = await ds.query(
      `SELECT count(*)::int AS n FROM outbox WHERE payload::text LIKE '%correct horse%'`,
    );
    expect(outbox[0]?.n).toBe(0);
    expect(gateway.output()).not.toContain('correct horse');
    expect(worker.output()).not.toContain('correct horse');
  });

  it('bad input: a regex RE2 cannot run is a 400 naming it; an image over the pixel limit fails with a reason', async () => {
    const bad = await a.submit('redact', [{ name: 'complaint.pdf', data: letter }], {
      custom: { regexes: [{ pattern: 'ok' }, { pattern: '(\\w+)\\s\\1' }] },
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/custom\.regexes\.1\.pattern/);

    const big = await makeTextPng([`Mail ${EMAIL}`], 600);
    const res = await a.submit('redact', [{ name: 'big.png', data: big }]);
    expect(res.status).toBe(202);
    const job = await a.waitTerminal(String(res.body.id), 120_000);
    expect(job.status).toBe('failed');
    expect(job.error?.code).toBe('LIMIT_EXCEEDED');
    expect(job.error?.message).toMatch(/pixels/);
  });
});
