/**
 * extract-text against hostile page selections, with its real engines (pdf.js, Ghostscript, tesseract.js in
 * supervised processes): `1-` repeated 256 times over a 20,000-page document selects 5.12 million pages. It used to
 * be expanded page by page before any check and, over the page limit, the text layer was not read at all (the
 * engine skips it), so with `ocr: "never"` every page silently came back empty. It must be refused on the count.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LimitExceededError } from '@quire/errors';
import { createGhostscript, type Ghostscript } from '@quire/engine-ghostscript';
import { createPdfEngine, type PdfEngine } from '@quire/engine-pdf';
import { createTesseract, type Tesseract } from '@quire/engine-tesseract';
import type { OcrEngines } from '@quire/pipeline-ocr';
import { makeNumberedPdf } from '@quire/testing';
import { createTestJobContext as testJob } from '@quire/worker-testing';
import { extractTextHandler } from './extract-text.handler';

const BOMB = Array.from({ length: 256 }, () => '1-').join(',');

let dir: string;
let big: string;
let gs: Ghostscript;
let pdf: PdfEngine;
let tesseract: Tesseract;
let engines: OcrEngines;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'quire-extract-bomb-'));
  big = path.join(dir, 'big.pdf');
  await writeFile(big, makeNumberedPdf(20_000));
  gs = createGhostscript({ size: 1, timeoutMs: 30_000 });
  pdf = createPdfEngine({ size: 1, timeoutMs: 60_000 });
  tesseract = createTesseract({ size: 1, timeoutMs: 30_000 });
  engines = {
    gs,
    pdf,
    tesseract,
    limits: { maxPages: 100, maxPixelsPerPage: 10_000_000 },
    dpi: 72,
    pageTimeoutMs: 30_000,
    renderTimeoutMs: () => 30_000,
    inspectTimeoutMs: 60_000,
  };
});

afterAll(async () => {
  await Promise.all([gs?.close(), pdf?.close(), tesseract?.close()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('extract-text with a page-range bomb', () => {
  it.each(['never', 'auto'] as const)(
    'ocr %s: refused on the distinct page count, without listing the pages',
    async (ocr) => {
      const t = await testJob(dir, 'extract-text', { pages: BOMB, ocr }, [{ path: big, name: 'big.pdf' }]);
      const peakBefore = process.resourceUsage().maxRSS;
      const error = await extractTextHandler(engines)(t.ctx).then(
        () => undefined,
        (e: unknown) => e,
      );
      const peakGrowthMb = (process.resourceUsage().maxRSS - peakBefore) / 1024;
      expect(error).toBeInstanceOf(LimitExceededError);
      expect((error as Error).message).toBe(
        'page limit exceeded: the job selects 20000 pages; the limit is 100 pages per job',
      );
      expect(peakGrowthMb).toBeLessThan(64);
      await t.cleanup();
    },
  );

  it('still reads a repeated selection within the limit once per page', async () => {
    const t = await testJob(dir, 'extract-text', { pages: '3,1-2,2,3', ocr: 'never' }, [
      { path: big, name: 'big.pdf' },
    ]);
    const result = await extractTextHandler(engines)(t.ctx);
    expect(result.pages).toEqual([
      { page: 1, source: 'text-layer', chars: expect.any(Number) as number },
      { page: 2, source: 'text-layer', chars: expect.any(Number) as number },
      { page: 3, source: 'text-layer', chars: expect.any(Number) as number },
    ]);
    expect(String(result.text).split('\f')[2]).toContain('Page 3 of 20000');
    await t.cleanup();
  });
});
