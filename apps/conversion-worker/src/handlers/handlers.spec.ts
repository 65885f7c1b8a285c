/**
 * The conversion handlers with their real engines (Ghostscript, pdf.js, qpdf in supervised processes) and a real
 * local blob store; only the broker and the database are left out (the e2e tests cover those).
 */
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancelledError, LimitExceededError, ValidationError } from '@quire/errors';
import { createGhostscript, imageSizeOf, type Ghostscript } from '@quire/engine-ghostscript';
import { createPdfEngine, type PdfEngine } from '@quire/engine-pdf';
import { createQpdf, type Qpdf } from '@quire/engine-qpdf';
import { makeNumberedPdf, makePdf, pdfPageTexts } from '@quire/testing';
import { createTestJobContext as testJob, expectValidResult } from '@quire/worker-testing';
import type { ConversionLimits } from '../support';
import { convertToImagesHandler } from './convert-to-images.handler';
import { mergeHandler } from './merge.handler';
import { partName, splitHandler } from './split.handler';

let dir: string;
let gs: Ghostscript;
let pdf: PdfEngine;
let qpdf: Qpdf;
const fx = { three: '', five: '', alpha: '', beta: '' };
const LIMITS: ConversionLimits = { maxPages: 100, maxOutputs: 100, maxPixelsPerPage: 50_000_000 };

const pageTexts = pdfPageTexts;

async function fail(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(outcome instanceof Error)) throw new Error('expected the handler to fail');
  return outcome;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'quire-conv-'));
  gs = createGhostscript({ timeoutMs: 60_000 });
  pdf = createPdfEngine({ timeoutMs: 30_000 });
  qpdf = createQpdf({ timeoutMs: 30_000 });
  const write = async (name: string, data: Buffer) => {
    const file = path.join(dir, name);
    await writeFile(file, data);
    return file;
  };
  fx.three = await write('three.pdf', makeNumberedPdf(3));
  fx.five = await write('five.pdf', makeNumberedPdf(5));
  fx.alpha = await write(
    'alpha.pdf',
    makePdf([{ lines: ['Alpha 1'] }, { lines: ['Alpha 2'] }, { lines: ['Alpha 3'] }], {
      title: 'Alpha report',
    }),
  );
  fx.beta = await write(
    'beta.pdf',
    makePdf([{ lines: ['Beta 1'] }, { lines: ['Beta 2'] }], { title: 'Beta notes' }),
  );
});

afterAll(async () => {
  await Promise.all([gs?.close(), pdf?.close(), qpdf?.close()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

const convert = (limits = LIMITS) =>
  convertToImagesHandler({
    gs,
    pdf,
    limits,
    renderTimeoutMs: () => 60_000,
    inspectTimeoutMs: 30_000,
    batchSize: 2,
  });
const merge = (limits = LIMITS) => mergeHandler({ qpdf, limits, timeoutMs: () => 30_000 });
const split = (limits = LIMITS) => splitHandler({ qpdf, limits, timeoutMs: () => 30_000 });

describe('convert-to-images', () => {
  it('renders the selected pages as PNG at page size × dpi and lists them as outputs', async () => {
    const t = await testJob(dir, 'convert-to-images', { pages: '3,2-3' }, [
      { path: fx.three, name: 'My report (v2).pdf' },
    ]);
    const result = await convert()(t.ctx);
    expectValidResult('convert-to-images', result);
    expect(result).toMatchObject({ format: 'png', dpi: 150, pageCount: 3, pages: 2 });
    const outputs = result.outputs as Array<{
      name: string;
      key: string;
      bytes: number;
      page: number;
      width: number;
      height: number;
      contentType: string;
    }>;
    expect(outputs.map((o) => [o.name, o.page, o.width, o.height, o.contentType])).toEqual([
      ['My_report_v2_-page-2.png', 2, 1275, 1650, 'image/png'],
      ['My_report_v2_-page-3.png', 3, 1275, 1650, 'image/png'],
    ]);
    for (const o of outputs) {
      const bytes = await readFile(t.outputFile(o.key));
      expect(bytes.length).toBe(o.bytes);
      expect(imageSizeOf(bytes)).toEqual({ format: 'png', width: 1275, height: 1650 });
    }
    expect(t.progress.at(-1)).toMatchObject({ stage: 'finalization', percent: 100 });
    const percents = t.progress.map((p) => p.percent ?? 0);
    expect([...percents].sort((a, b) => a - b)).toEqual(percents);
    await t.cleanup();
  });

  it('renders JPEG with the requested quality and dpi', async () => {
    const t = await testJob(dir, 'convert-to-images', { format: 'jpeg', dpi: 72, quality: 40 }, [
      { path: fx.three, name: 'three.pdf' },
    ]);
    const result = await convert()(t.ctx);
    expectValidResult('convert-to-images', result);
    expect(result).toMatchObject({ format: 'jpeg', dpi: 72, quality: 40, pages: 3 });
    const outputs = result.outputs as Array<{ name: string; key: string }>;
    expect(outputs.map((o) => o.name)).toEqual(['three-page-1.jpg', 'three-page-2.jpg', 'three-page-3.jpg']);
    expect(imageSizeOf(await readFile(t.outputFile(outputs[0].key)))).toEqual({
      format: 'jpeg',
      width: 612,
      height: 792,
    });
  });

  it('rejects a range past the end, and each exceeded limit names the limit, before rendering anything', async () => {
    const outside = await testJob(dir, 'convert-to-images', { pages: '2-5' }, [
      { path: fx.three, name: 'three.pdf' },
    ]);
    const err = await fail(convert()(outside.ctx));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.message).toBe('pages: page range 2-5 is outside the document (3 pages)');

    const pages = await testJob(dir, 'convert-to-images', {}, [{ path: fx.three, name: 'three.pdf' }]);
    const tooManyPages = await fail(convert({ ...LIMITS, maxPages: 2 })(pages.ctx));
    expect(tooManyPages).toBeInstanceOf(LimitExceededError);
    expect(tooManyPages.message).toBe(
      'page limit exceeded: the job selects 3 pages; the limit is 2 pages per job',
    );

    const outputs = await testJob(dir, 'convert-to-images', {}, [{ path: fx.three, name: 'three.pdf' }]);
    const tooManyOutputs = await fail(convert({ ...LIMITS, maxOutputs: 1 })(outputs.ctx));
    expect(tooManyOutputs.message).toBe(
      'output limit exceeded: the job would produce 3 files; the limit is 1 outputs per job',
    );

    const bomb = await testJob(dir, 'convert-to-images', { dpi: 600, pages: '1' }, [
      { path: fx.three, name: 'three.pdf' },
    ]);
    const pixels = await fail(convert({ ...LIMITS, maxPixelsPerPage: 20_000_000 })(bomb.ctx));
    expect(pixels).toBeInstanceOf(LimitExceededError);
    expect(pixels.message).toMatch(
      /^page 1 would be 5100 × 6600 px at 600 dpi \(33\.7 megapixels\); the limit is 20\.0 megapixels per page/,
    );
    // Nothing was stored for any of them.
    expect(await bomb.storage.list(`jobs/${bomb.ctx.job.id}/output`)).toEqual([]);
  });

  it('stops when the attempt is aborted', async () => {
    const controller = new AbortController();
    controller.abort(CancelledError.because('requested'));
    const t = await testJob(dir, 'convert-to-images', {}, [{ path: fx.three, name: 'three.pdf' }], {
      signal: controller.signal,
    });
    expect(await fail(convert()(t.ctx))).toBeInstanceOf(CancelledError);
  });
});

describe('merge', () => {
  it('merges the selected pages in upload order and keeps the first file’s metadata', async () => {
    const t = await testJob(dir, 'merge', { ranges: ['3,1', '1-', '4-5'] }, [
      { path: fx.alpha, name: 'alpha.pdf' },
      { path: fx.beta, name: 'beta.pdf' },
      { path: fx.five, name: 'five.pdf' },
    ]);
    const result = await merge()(t.ctx);
    expectValidResult('merge', result);
    expect(result).toMatchObject({
      pages: 6,
      metadataFrom: 'alpha.pdf',
      inputs: [
        { name: 'alpha.pdf', pageCount: 3, pages: 2, range: '3,1' },
        { name: 'beta.pdf', pageCount: 2, pages: 2, range: '1-2' },
        { name: 'five.pdf', pageCount: 5, pages: 2, range: '4-5' },
      ],
    });
    const [output] = result.outputs as Array<{ name: string; key: string; pages: number }>;
    expect(output).toMatchObject({ name: 'alpha-merged.pdf', pages: 6 });
    const file = t.outputFile(output.key);
    expect(await pageTexts(file)).toEqual([
      'Alpha 3',
      'Alpha 1',
      'Beta 1',
      'Beta 2',
      'Page 4 of 5',
      'Page 5 of 5',
    ]);
    const info = await pdf.inspect(file);
    expect(info.title).toBe('Alpha report');
  });

  it('rejects a range list that does not match the files, and a merge over the page limit', async () => {
    const mismatch = await testJob(dir, 'merge', { ranges: ['1'] }, [
      { path: fx.alpha, name: 'alpha.pdf' },
      { path: fx.beta, name: 'beta.pdf' },
    ]);
    const err = await fail(merge()(mismatch.ctx));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.message).toBe('ranges: give one page range per file (2 files, 1 ranges)');

    const big = await testJob(dir, 'merge', {}, [
      { path: fx.five, name: 'five.pdf' },
      { path: fx.five, name: 'again.pdf' },
    ]);
    const limit = await fail(merge({ ...LIMITS, maxPages: 8 })(big.ctx));
    expect(limit).toBeInstanceOf(LimitExceededError);
    expect(limit.message).toBe(
      'page limit exceeded: the merged document would have 10 pages; the limit is 8 pages per job',
    );

    const outside = await testJob(dir, 'merge', { ranges: ['1', '3'] }, [
      { path: fx.five, name: 'five.pdf' },
      { path: fx.beta, name: 'beta.pdf' },
    ]);
    expect((await fail(merge()(outside.ctx))).message).toBe(
      'ranges[1] (file #2 (beta.pdf)): page range 3-3 is outside the document (2 pages)',
    );
  });
});

describe('split', () => {
  it('names parts by their ranges', () => {
    expect(partName('doc', [1, 2, 3], 12)).toBe('doc-pages-01-03.pdf');
    expect(partName('doc', [5], 12)).toBe('doc-page-05.pdf');
    expect(partName('doc', [1, 2, 3, 5, 9, 10], 9)).toBe('doc-pages-1-3_5_9-10.pdf');
  });

  it.each([
    [
      { mode: 'ranges', ranges: ['4-', '1,3', '2'] },
      [
        ['five-pages-4-5.pdf', 2],
        ['five-pages-1_3.pdf', 2],
        ['five-page-2.pdf', 1],
      ],
      [['Page 4 of 5', 'Page 5 of 5'], ['Page 1 of 5', 'Page 3 of 5'], ['Page 2 of 5']],
    ],
    [
      { mode: 'every', every: 2 },
      [
        ['five-pages-1-2.pdf', 2],
        ['five-pages-3-4.pdf', 2],
        ['five-page-5.pdf', 1],
      ],
      [['Page 1 of 5', 'Page 2 of 5'], ['Page 3 of 5', 'Page 4 of 5'], ['Page 5 of 5']],
    ],
    [
      { mode: 'pages' },
      [1, 2, 3, 4, 5].map((p) => [`five-page-${p}.pdf`, 1]),
      [1, 2, 3, 4, 5].map((p) => [`Page ${p} of 5`]),
    ],
  ])('splits %j', async (params, expected, texts) => {
    const t = await testJob(dir, 'split', params, [{ path: fx.five, name: 'five.pdf' }]);
    const result = await split()(t.ctx);
    expectValidResult('split', result);
    const outputs = result.outputs as Array<{ name: string; key: string; pages: number }>;
    expect(outputs.map((o) => [o.name, o.pages])).toEqual(expected);
    const read: string[][] = [];
    for (const o of outputs) read.push(await pageTexts(t.outputFile(o.key)));
    expect(read).toEqual(texts);
    expect(result).toMatchObject({ mode: params.mode, pageCount: 5, parts: expected.length });
  });

  it('refuses a split over the output limit', async () => {
    const t = await testJob(dir, 'split', { mode: 'pages' }, [{ path: fx.five, name: 'five.pdf' }]);
    const err = await fail(split({ ...LIMITS, maxOutputs: 4 })(t.ctx));
    expect(err).toBeInstanceOf(LimitExceededError);
    expect(err.message).toBe(
      'output limit exceeded: the job would produce 5 files; the limit is 4 outputs per job',
    );
  });
});
