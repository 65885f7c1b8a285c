/**
 * The OCR handlers with their real engines on generated inputs, through the worker's own JobContext: a scanned PDF
 * and an image upload (its sniffed `image/png` type sends it down the image path), each result checked against its
 * type's result schema as the consumer checks it.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGhostscript, type Ghostscript } from '@quire/engine-ghostscript';
import { createImg2pdf, type Img2pdf } from '@quire/engine-img2pdf';
import { createPdfEngine, type PdfEngine } from '@quire/engine-pdf';
import { createQpdf, type Qpdf } from '@quire/engine-qpdf';
import { createTesseract, type Tesseract } from '@quire/engine-tesseract';
import type { OcrEngines } from '@quire/pipeline-ocr';
import { makeScannedPdf, makeTextPng } from '@quire/testing';
import { createTestJobContext as testJob, expectValidResult } from '@quire/worker-testing';
import { extractTextHandler } from './extract-text.handler';
import { ocrHandler } from './ocr.handler';

const DEADLINE_MS = 30_000;

describe('OCR handlers', () => {
  let gs: Ghostscript;
  let pdf: PdfEngine;
  let qpdf: Qpdf;
  let tesseract: Tesseract;
  let img2pdf: Img2pdf;
  let engines: OcrEngines;
  let work: string;
  let scanned: string;
  let png: string;

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'quire-ocr-handlers-'));
    scanned = path.join(work, 'scanned.pdf');
    png = path.join(work, 'note.png');
    await writeFile(scanned, (await makeScannedPdf()).pdf);
    await writeFile(png, await makeTextPng(['The quick brown fox jumps over the lazy dog.'], 200));
    gs = createGhostscript({ size: 1, timeoutMs: DEADLINE_MS, memoryLimitMb: 1024 });
    pdf = createPdfEngine({ size: 1, timeoutMs: DEADLINE_MS });
    qpdf = createQpdf({ timeoutMs: DEADLINE_MS });
    tesseract = createTesseract({ size: 1, timeoutMs: DEADLINE_MS, memoryLimitMb: 1024 });
    img2pdf = createImg2pdf({ timeoutMs: DEADLINE_MS });
    engines = {
      gs,
      pdf,
      tesseract,
      limits: { maxPages: 5, maxPixelsPerPage: 50_000_000 },
      dpi: 200,
      pageTimeoutMs: DEADLINE_MS,
      renderTimeoutMs: () => DEADLINE_MS,
      inspectTimeoutMs: DEADLINE_MS,
    };
  });
  afterAll(async () => {
    await Promise.all([gs?.close(), pdf?.close(), qpdf?.close(), tesseract?.close(), img2pdf?.close()]);
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('ocr: a scanned PDF becomes searchable; the result matches its schema', async () => {
    const t = await testJob(work, 'ocr', {}, [{ path: scanned, name: 'scan.pdf' }]);
    const result = await ocrHandler({ ...engines, qpdf, img2pdf, qpdfTimeoutMs: () => DEADLINE_MS })(t.ctx);
    expectValidResult('ocr', result);
    expect(result).toMatchObject({
      pageCount: 2,
      pagesOcred: 2,
      outputs: [{ name: 'scan-ocr.pdf', pages: 2 }],
    });
    expect(result.text).toContain('quick brown fox');
  });

  it('ocr and extract-text: an image upload is read as an image', async () => {
    const t = await testJob(work, 'ocr', {}, [{ path: png, name: 'note.png' }]);
    expect(t.ctx.job.inputs[0].contentType).toBe('image/png');
    const ocr = await ocrHandler({ ...engines, qpdf, img2pdf, qpdfTimeoutMs: () => DEADLINE_MS })(t.ctx);
    expectValidResult('ocr', ocr);
    expect(ocr).toMatchObject({
      pageCount: 1,
      outputs: [{ name: 'note-ocr.pdf', contentType: 'application/pdf' }],
    });

    const x = await testJob(work, 'extract-text', {}, [{ path: png, name: 'note.png' }]);
    const text = await extractTextHandler(engines)(x.ctx);
    expectValidResult('extract-text', text);
    expect(text.pages).toMatchObject([{ page: 1, source: 'ocr' }]);
    expect(text.text).toContain('lazy dog');
  });

  it('extract-text: pages without text come back empty and are listed (ocr: never)', async () => {
    const t = await testJob(work, 'extract-text', { ocr: 'never' }, [{ path: scanned, name: 'scan.pdf' }]);
    const result = await extractTextHandler(engines)(t.ctx);
    expectValidResult('extract-text', result);
    expect(result).toMatchObject({
      ocr: 'never',
      pageCount: 2,
      pages: [
        { source: 'none', chars: 0 },
        { source: 'none', chars: 0 },
      ],
      warnings: ['no text on pages 1, 2'],
      outputs: [{ name: 'scan.txt', contentType: 'text/plain; charset=utf-8' }],
    });
  });
});
