/**
 * Conversion and bulk compression end to end: the gateway, the conversion worker and the compression worker as
 * processes, real PostgreSQL/RabbitMQ/Ghostscript/qpdf, driven over HTTP. Outcomes are checked with independent
 * readers: image headers, qpdf page counts, pdf.js page text, yauzl for ZIPs.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestEnvironment,
  getFreePort,
  makeNumberedPdf,
  makePdf,
  readZip,
  REPO_ROOT,
  startApp,
  type StartedApp,
} from '@quire/testing';
import { QuireClient, pageCount, pageTexts, type JobJson } from './helpers';

const run = promisify(execFile);
const ADMIN_KEY = 'qk_e2e_conversion_key_0123456789abcdef';
const CORPUS = path.resolve(REPO_ROOT, '../shared/corpus/robustness');
const hasCorpus = existsSync(CORPUS);
if (!hasCorpus)
  console.warn(`[conversion e2e] ${CORPUS} not found: skipping the corpus sample through the API`);

interface Output {
  name: string;
  bytes: number;
  url: string;
  page?: number;
  pages?: number;
  width?: number;
  height?: number;
  contentType?: string;
}

/** Width and height from a PNG (IHDR) or JPEG (first SOF marker) header, read here independently of the worker. */
function imageSize(data: Buffer): { format: string; width: number; height: number } {
  if (data.subarray(1, 4).toString('latin1') === 'PNG')
    return { format: 'png', width: data.readUInt32BE(16), height: data.readUInt32BE(20) };
  expect(data.readUInt16BE(0)).toBe(0xffd8);
  let at = 2;
  for (;;) {
    const marker = data[at + 1];
    const length = data.readUInt16BE(at + 2);
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
      return { format: 'jpeg', height: data.readUInt16BE(at + 5), width: data.readUInt16BE(at + 7) };
    }
    at += 2 + length;
  }
}

/** A multipart upload of several files with curl (a real client that copes with the server cutting it off). */
async function curlFiles(
  url: string,
  files: string[],
  params?: string,
): Promise<{ status: number; body: string }> {
  const args = [
    '-s',
    '--max-time',
    '60',
    '-o',
    '-',
    '-w',
    '\n%{http_code}',
    '-H',
    `Authorization: Bearer ${ADMIN_KEY}`,
  ];
  for (const f of files) args.push('-F', `file=@${f};type=application/pdf`);
  if (params) args.push('-F', `params=${params}`);
  args.push(url);
  const { stdout } = await run('curl', args, { maxBuffer: 10 * 1024 * 1024 }).catch(
    (e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }),
  );
  const lines = stdout.trimEnd().split('\n');
  const status = Number(lines.pop());
  return { status, body: lines.join('\n') };
}

function alive(app: StartedApp): boolean {
  try {
    process.kill(app.pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('conversion end to end (gateway + conversion-worker + compression-worker processes)', () => {
  let gateway: StartedApp;
  let conversion: StartedApp;
  let compression: StartedApp;
  let client: QuireClient;
  let work: string;
  const cleanups: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    const testEnv = await createTestEnvironment();
    cleanups.push(() => testEnv.cleanup());
    work = await mkdtemp(path.join(os.tmpdir(), 'quire-e2e-conv-'));
    const common = {
      ...testEnv.env,
      QUIRE_TEMP_DIR: path.join(work, 'tmp'),
      LOG_LEVEL: 'info',
      QUIRE_RETRY_DELAYS_MS: '500,500,500',
    };
    const gatewayPort = await getFreePort();
    [gateway, conversion, compression] = await Promise.all([
      startApp('gateway', {
        ...common,
        PORT: String(gatewayPort),
        QUIRE_BOOTSTRAP_API_KEY: ADMIN_KEY,
        QUIRE_MAX_UPLOAD_BYTES: String(2 * 1024 * 1024),
        QUIRE_MAX_TOTAL_UPLOAD_BYTES: String(3 * 1024 * 1024),
        QUIRE_MAX_FILES: '6',
      }),
      startApp('conversion-worker', {
        ...common,
        PORT: String(await getFreePort()),
        QUIRE_CONVERSION_MAX_PAGES: '30',
        QUIRE_CONVERSION_MAX_OUTPUTS: '20',
        QUIRE_CONVERSION_MAX_PIXELS: '20000000',
        QUIRE_GS_TIMEOUT_MS: '20000',
        QUIRE_QPDF_TIMEOUT_MS: '15000',
      }),
      startApp('compression-worker', {
        ...common,
        PORT: String(await getFreePort()),
        QUIRE_GS_TIMEOUT_MS: '20000',
      }),
    ]);
    client = new QuireClient(`http://127.0.0.1:${gatewayPort}`, ADMIN_KEY);
  });

  afterAll(async () => {
    if (process.env.QUIRE_E2E_DEBUG) console.log(conversion?.output().slice(-8000));
    await Promise.all([conversion?.stop(), compression?.stop()]);
    await gateway?.stop();
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function completed(
    type: string,
    files: Array<{ name: string; data: Buffer }>,
    params?: unknown,
  ): Promise<JobJson> {
    const res = await client.submit(type, files, params);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const job = await client.waitTerminal(String(res.body.id), 180_000);
    expect(job.status, JSON.stringify(job.error)).toBe('completed');
    expect(job.progress.percent).toBe(100);
    return job;
  }

  async function download(
    url: string,
  ): Promise<{ data: Buffer; type: string | null; length: string | null }> {
    const res = await client.get(url);
    expect(res.status, url).toBe(200);
    return {
      data: res.body as Buffer,
      type: res.headers.get('content-type'),
      length: res.headers.get('content-length'),
    };
  }

  it('convert-to-images: PNG per selected page at page size × dpi, a ZIP of all outputs, and a link per output', async () => {
    const job = await completed('convert-to-images', [{ name: 'numbers.pdf', data: makeNumberedPdf(5) }], {
      pages: '1-2,4',
    });
    expect(job.result).toMatchObject({ format: 'png', dpi: 150, pageCount: 5, pages: 3 });
    const outputs = job.result!.outputs as Output[];
    expect(outputs.map((o) => [o.name, o.page, o.width, o.height])).toEqual([
      ['numbers-page-1.png', 1, 1275, 1650],
      ['numbers-page-2.png', 2, 1275, 1650],
      ['numbers-page-4.png', 4, 1275, 1650],
    ]);
    for (const o of outputs) {
      expect(o.url).toBe(`/v1/jobs/${job.id}/outputs/${o.name}`);
      expect(o).not.toHaveProperty('key');
      const one = await download(o.url);
      expect(one.type).toBe('image/png');
      expect(one.data.length).toBe(o.bytes);
      // Letter (612 × 792 pt) at 150 dpi, within a pixel.
      const size = imageSize(one.data);
      expect(Math.abs(size.width - (612 * 150) / 72)).toBeLessThanOrEqual(1);
      expect(Math.abs(size.height - (792 * 150) / 72)).toBeLessThanOrEqual(1);
    }
    const zip = await download(`/v1/jobs/${job.id}/download`);
    expect(zip.type).toBe('application/zip');
    expect(Number(zip.length)).toBe(zip.data.length);
    const entries = await readZip(zip.data);
    expect(entries.map((e) => e.name)).toEqual(outputs.map((o) => o.name));
    for (const e of entries) expect(imageSize(e.data)).toEqual({ format: 'png', width: 1275, height: 1650 });
  });

  it('convert-to-images: one JPEG page downloads as the file itself, with its quality and dpi', async () => {
    const pdf = makeNumberedPdf(3);
    const low = await completed('convert-to-images', [{ name: 'a.pdf', data: pdf }], {
      format: 'jpeg',
      dpi: 100,
      quality: 20,
      pages: '2',
    });
    const high = await completed('convert-to-images', [{ name: 'a.pdf', data: pdf }], {
      format: 'jpeg',
      dpi: 100,
      quality: 95,
      pages: '2',
    });
    const lowFile = await download(`/v1/jobs/${low.id}/download`);
    const highFile = await download(`/v1/jobs/${high.id}/download`);
    expect(lowFile.type).toBe('image/jpeg');
    expect(imageSize(lowFile.data)).toEqual({ format: 'jpeg', width: 850, height: 1100 });
    expect(imageSize(highFile.data)).toEqual({ format: 'jpeg', width: 850, height: 1100 });
    expect(highFile.data.length).toBeGreaterThan(lowFile.data.length);
  });

  it('merge: the selected pages of every file, in upload order, with the first file’s metadata', async () => {
    const alpha = makePdf([{ lines: ['Alpha 1'] }, { lines: ['Alpha 2'] }, { lines: ['Alpha 3'] }], {
      title: 'Alpha report',
    });
    const beta = makePdf([{ lines: ['Beta 1'] }, { lines: ['Beta 2'] }], { title: 'Beta notes' });
    const gamma = makePdf([
      { lines: ['Gamma 1'] },
      { lines: ['Gamma 2'] },
      { lines: ['Gamma 3'] },
      { lines: ['Gamma 4'] },
    ]);
    const job = await completed(
      'merge',
      [
        { name: 'alpha.pdf', data: alpha },
        { name: 'beta.pdf', data: beta },
        { name: 'gamma.pdf', data: gamma },
      ],
      { ranges: ['3,1', '1-', '2-3'] },
    );
    expect(job.result).toMatchObject({ pages: 6, metadataFrom: 'alpha.pdf' });
    expect((job.result!.inputs as Array<{ name: string }>).map((i) => i.name)).toEqual([
      'alpha.pdf',
      'beta.pdf',
      'gamma.pdf',
    ]);
    const merged = await download(`/v1/jobs/${job.id}/download`);
    expect(merged.type).toBe('application/pdf');
    const file = path.join(work, 'merged.pdf');
    await writeFile(file, merged.data);
    expect(await pageCount(file)).toBe(6);
    expect(await pageTexts(merged.data)).toEqual([
      'Alpha 3',
      'Alpha 1',
      'Beta 1',
      'Beta 2',
      'Gamma 2',
      'Gamma 3',
    ]);
    const { stdout } = await run('pdfinfo', [file]);
    expect(stdout).toMatch(/^Title:\s+Alpha report$/m);
  });

  it('split: every N pages, by ranges and per page, with outputs named by their ranges', async () => {
    const doc = makeNumberedPdf(5);
    const every = await completed('split', [{ name: 'doc.pdf', data: doc }], { mode: 'every', every: 2 });
    const outputs = every.result!.outputs as Output[];
    expect(outputs.map((o) => [o.name, o.pages])).toEqual([
      ['doc-pages-1-2.pdf', 2],
      ['doc-pages-3-4.pdf', 2],
      ['doc-page-5.pdf', 1],
    ]);
    const entries = await readZip((await download(`/v1/jobs/${every.id}/download`)).data);
    expect(entries.map((e) => e.name)).toEqual(outputs.map((o) => o.name));
    const texts: string[][] = [];
    for (const e of entries) texts.push(await pageTexts(e.data));
    expect(texts).toEqual([['Page 1 of 5', 'Page 2 of 5'], ['Page 3 of 5', 'Page 4 of 5'], ['Page 5 of 5']]);

    const ranges = await completed('split', [{ name: 'doc.pdf', data: doc }], {
      mode: 'ranges',
      ranges: ['4-', '1,3'],
    });
    expect((ranges.result!.outputs as Output[]).map((o) => [o.name, o.pages])).toEqual([
      ['doc-pages-4-5.pdf', 2],
      ['doc-pages-1_3.pdf', 2],
    ]);
    const pages = await completed('split', [{ name: 'doc.pdf', data: doc }], { mode: 'pages' });
    const perPage = pages.result!.outputs as Output[];
    expect(perPage).toHaveLength(5);
    const part = await download(perPage[3].url);
    const partFile = path.join(work, 'part.pdf');
    await writeFile(partFile, part.data);
    expect(await pageCount(partFile)).toBe(1);
    expect(await pageTexts(part.data)).toEqual(['Page 4 of 5']);
  });

  it('bulk-compress: one ZIP of compressed PDFs, each no larger than its input; failures listed, job completed', async () => {
    const plain = path.join(work, 'plain.pdf');
    const locked = path.join(work, 'locked.pdf');
    await writeFile(plain, makeNumberedPdf(1, 100));
    await run('qpdf', ['--encrypt', 'user-pw', 'owner-pw', '256', '--', plain, locked]);
    const inputs = [
      { name: 'one.pdf', data: makeNumberedPdf(2, 300) },
      { name: 'locked.pdf', data: await readFile(locked) },
      { name: 'two.pdf', data: makeNumberedPdf(3, 200) },
      { name: 'three.pdf', data: makeNumberedPdf(1) },
    ];
    const job = await completed('bulk-compress', inputs, { preset: 'ebook' });
    expect(job.result).toMatchObject({ files: 4, succeeded: 3, failed: 1 });
    expect(job.result!.errors).toEqual([
      {
        index: 1,
        name: 'locked.pdf',
        code: 'PDF_ENCRYPTED',
        message: 'password required: the PDF is encrypted',
      },
    ]);
    const zip = await download(`/v1/jobs/${job.id}/download`);
    expect(zip.type).toBe('application/zip');
    const entries = await readZip(zip.data);
    expect(entries.map((e) => e.name)).toEqual([
      'one.compressed.pdf',
      'two.compressed.pdf',
      'three.compressed.pdf',
    ]);
    const originals = [inputs[0], inputs[2], inputs[3]];
    for (const [i, e] of entries.entries()) {
      const file = path.join(work, `bulk-${i}.pdf`);
      await writeFile(file, e.data);
      const before = path.join(work, `bulk-in-${i}.pdf`);
      await writeFile(before, originals[i].data);
      expect(await pageCount(file)).toBe(await pageCount(before));
      expect(e.data.length).toBeLessThanOrEqual(originals[i].data.length);
    }

    // Every file failing fails the job, with each file's reason.
    const res = await client.submit('bulk-compress', [
      { name: 'x.pdf', data: await readFile(locked) },
      { name: 'y.pdf', data: await readFile(locked) },
    ]);
    const failed = await client.waitTerminal(String(res.body.id));
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'PDF_ENCRYPTED' } });
    expect(failed.error?.message).toBe(
      'all 2 files failed: x.pdf: password required: the PDF is encrypted; y.pdf: password required: the PDF is encrypted',
    );
  });

  it('each exceeded limit fails the job (no retry) with a reason naming the limit', async () => {
    const cases: Array<[string, unknown, Buffer, RegExp]> = [
      [
        'convert-to-images',
        { dpi: 600, pages: '1' },
        makeNumberedPdf(2),
        /^page 1 would be 5100 × 6600 px at 600 dpi \(33\.7 megapixels\); the limit is 20\.0 megapixels per page/,
      ],
      [
        'convert-to-images',
        { dpi: 36 },
        makeNumberedPdf(31),
        /^page limit exceeded: the job selects 31 pages; the limit is 30 pages per job$/,
      ],
      [
        'split',
        { mode: 'pages' },
        makeNumberedPdf(25),
        /^output limit exceeded: the job would produce 25 files; the limit is 20 outputs per job$/,
      ],
    ];
    for (const [type, params, data, reason] of cases) {
      const res = await client.submit(type, [{ name: 'limit.pdf', data }], params);
      expect(res.status).toBe(202);
      const job = await client.waitTerminal(String(res.body.id));
      expect(job, `${type} ${JSON.stringify(params)}`).toMatchObject({
        status: 'failed',
        attempts: 1,
        error: { code: 'LIMIT_EXCEEDED' },
      });
      expect(job.error?.message).toMatch(reason);
    }
  });

  it('multi-file uploads: order kept, each file sniffed and size-checked, total size and file count limited (clear 4xx)', async () => {
    const url = `${client.baseUrl}/v1/jobs/merge`;
    const small = async (name: string, pages: number) => {
      const f = path.join(work, name);
      await writeFile(f, makeNumberedPdf(pages));
      return f;
    };
    const a = await small('a.pdf', 1);
    const b = await small('b.pdf', 2);
    // Order kept: the job lists its inputs in upload order.
    const ordered = await client.submit('merge', [
      { name: 'b.pdf', data: await readFile(b) },
      { name: 'a.pdf', data: await readFile(a) },
    ]);
    expect(ordered.status).toBe(202);
    expect((ordered.body.inputs as Array<{ name: string }>).map((i) => i.name)).toEqual(['b.pdf', 'a.pdf']);

    const tooMany = await curlFiles(url, [a, a, a, a, a, a, a]);
    expect(tooMany.status).toBe(413);
    expect(tooMany.body).toContain('too many files: at most 6 per request');

    const mb = async (name: string, size: number) => {
      const f = path.join(work, name);
      await writeFile(f, Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(size, 0x20)]));
      return f;
    };
    const oneMb = await mb('one-mb.pdf', 1024 * 1024);
    const total = await curlFiles(url, [oneMb, oneMb, oneMb, oneMb]);
    expect(total.status).toBe(413);
    expect(total.body).toContain(`upload exceeds the total limit of ${3 * 1024 * 1024} bytes`);

    const tooBig = await curlFiles(url, [a, await mb('three-mb.pdf', 3 * 1024 * 1024)]);
    expect(tooBig.status).toBe(413);
    expect(tooBig.body).toContain('file #2 (three-mb.pdf) exceeds the upload limit');

    const text = path.join(work, 'notes.pdf');
    await writeFile(text, 'just some text, not a PDF\n'.repeat(100));
    const notPdf = await curlFiles(url, [a, text]);
    expect(notPdf.status).toBe(415);
    expect(notPdf.body).toContain('file #2 (notes.pdf) is not a PDF');

    const lonely = await client.submit('merge', [{ name: 'a.pdf', data: await readFile(a) }]);
    expect(lonely.status).toBe(400);
    expect((lonely.body.error as { message: string }).message).toBe(
      'merge needs at least 2 files (parts named "file")',
    );

    const mismatch = await client.submit(
      'merge',
      [
        { name: 'a.pdf', data: await readFile(a) },
        { name: 'b.pdf', data: await readFile(b) },
      ],
      { ranges: ['1'] },
    );
    expect(mismatch.status).toBe(400);
    expect((mismatch.body.error as { message: string }).message).toBe(
      'invalid params: ranges: give one page range per file (2 files, 1 ranges)',
    );

    const badRange = await client.submit('convert-to-images', [{ name: 'a.pdf', data: await readFile(a) }], {
      pages: '3-1',
    });
    expect(badRange.status).toBe(400);
    expect((badRange.body.error as { message: string }).message).toContain('pages');
    const badDpi = await client.submit('convert-to-images', [{ name: 'a.pdf', data: await readFile(a) }], {
      dpi: 5000,
    });
    expect(badDpi.status).toBe(400);
    expect((badDpi.body.error as { message: string }).message).toContain('dpi');
    const badMode = await client.submit('split', [{ name: 'a.pdf', data: await readFile(a) }], {
      mode: 'halves',
    });
    expect(badMode.status).toBe(400);
    const twoFiles = await curlFiles(`${client.baseUrl}/v1/jobs/split`, [a, b]);
    expect(twoFiles.status).toBe(413);
    expect(twoFiles.body).toContain('too many files: at most 1 per request');

    // A range past the end of the document is only known to the worker: the job fails without retrying.
    const past = await client.submit('convert-to-images', [{ name: 'a.pdf', data: await readFile(a) }], {
      pages: '2-3',
    });
    const pastJob = await client.waitTerminal(String(past.body.id));
    expect(pastJob).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: {
        code: 'VALIDATION_FAILED',
        message: 'pages: page range 2-3 is outside the document (1 pages)',
      },
    });
  });

  it.skipIf(!hasCorpus)(
    'a sample of the robustness corpus through every job type ends completed, failed with a reason, or a precise 4xx; no worker dies',
    async () => {
      const sample = [
        'pdfjs/poppler-85140-0.pdf', // claims 213,804,087 pages
        'ocrmypdf/hugemono.pdf', // 8400 pt square page: a decompression bomb at any dpi
        'qpdf/xref-compressed-in-compressed.pdf', // crashes qpdf --check
        'qpdf/shared-unnamed-field.pdf', // hangs pdfinfo
        'pdfjs/bomb_giant.pdf', // content-stream bomb
        'pdfjs/Pages-tree-refs.pdf', // loop in the page tree
        'truncated/tracemonkey_trunc_50pct.pdf',
        'truncated/zero_bytes.pdf',
        'encrypted/V4-aes.pdf', // opens without a password
        'encrypted/issue6010_1.pdf', // needs a password
        'pdfjs/issue9105_other.pdf', // no PDF header
        'pdf20/PDF_2.0_with_offset_start.pdf',
      ];
      const good = makeNumberedPdf(2);
      const outcomes: string[] = [];
      for (const rel of sample) {
        const data = await readFile(path.join(CORPUS, rel));
        const submissions: Array<[string, Array<{ name: string; data: Buffer }>, unknown]> = [
          ['convert-to-images', [{ name: 'x.pdf', data }], { dpi: 72, pages: '1' }],
          [
            'merge',
            [
              { name: 'x.pdf', data },
              { name: 'good.pdf', data: good },
            ],
            undefined,
          ],
          ['split', [{ name: 'x.pdf', data }], { mode: 'every', every: 1 }],
        ];
        for (const [type, files, params] of submissions) {
          const res = await client.submit(type, files, params);
          if (res.status !== 202) {
            expect([400, 413, 415], `${rel} ${type}: ${JSON.stringify(res.body)}`).toContain(res.status);
            outcomes.push(`${rel} ${type}: ${res.status} ${(res.body.error as { code: string }).code}`);
            continue;
          }
          const job = await client.waitTerminal(String(res.body.id), 180_000);
          expect(['completed', 'failed'], `${rel} ${type}`).toContain(job.status);
          if (job.status === 'failed') {
            expect(job.attempts, `${rel} ${type} was retried: ${job.error?.message}`).toBe(1);
            expect(job.error?.message.length, `${rel} ${type}`).toBeGreaterThan(10);
            expect(job.error?.code, `${rel} ${type}: ${job.error?.message}`).not.toBe('INTERNAL');
          }
          outcomes.push(
            `${rel} ${type}: ${job.status}${job.error ? ` ${job.error.code} (${job.error.message})` : ''}`,
          );
        }
      }
      const bulk = await client.submit(
        'bulk-compress',
        await Promise.all(
          ['pdf20/Simple_PDF_2.0_file.pdf', 'encrypted/issue6010_1.pdf', 'pdfjs/Pages-tree-refs.pdf'].map(
            async (rel) => ({ name: path.basename(rel), data: await readFile(path.join(CORPUS, rel)) }),
          ),
        ),
      );
      expect(bulk.status).toBe(202);
      const bulkJob = await client.waitTerminal(String(bulk.body.id), 180_000);
      expect(['completed', 'failed']).toContain(bulkJob.status);
      outcomes.push(
        `bulk-compress of 3: ${bulkJob.status} ${JSON.stringify(bulkJob.result?.errors ?? bulkJob.error)}`,
      );
      console.log(`[conversion e2e] corpus sample:\n  ${outcomes.join('\n  ')}`);
      expect(alive(conversion)).toBe(true);
      expect(alive(compression)).toBe(true);
      expect(alive(gateway)).toBe(true);
    },
  );
});
