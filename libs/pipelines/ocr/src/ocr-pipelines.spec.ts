/**
 * The OCR pipelines with their real engines (pdf.js, Ghostscript, tesseract.js, qpdf, img2pdf) on generated scans
 * with known text. The handlers' own concerns (params, progress, storage, result shape) are tested in the OCR
 * worker and the e2e suite.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '@quire/errors';
import { createGhostscript } from '@quire/engine-ghostscript';
import { createImg2pdf } from '@quire/engine-img2pdf';
import { createPdfEngine } from '@quire/engine-pdf';
import { createQpdf } from '@quire/engine-qpdf';
import { createTesseract } from '@quire/engine-tesseract';
import { makeScannedPdf, makeTextPng, pdfPageTexts } from '@quire/pdf-fixtures';
import { extractPageTexts } from './extract-text';
import { makeSearchablePdf, type OcrStep, type SearchablePdfEngines } from './searchable-pdf';

const exec = promisify(execFile);
let dir: string;
let scanned: string;
let engines: SearchablePdfEngines;
const signal = new AbortController().signal;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'quire-ocr-pipeline-'));
  scanned = path.join(dir, 'scanned.pdf');
  await writeFile(scanned, (await makeScannedPdf()).pdf);
  engines = {
    gs: createGhostscript({ timeoutMs: 60_000 }),
    pdf: createPdfEngine({ timeoutMs: 30_000 }),
    tesseract: createTesseract({ timeoutMs: 60_000 }),
    qpdf: createQpdf({ timeoutMs: 30_000 }),
    img2pdf: createImg2pdf({ timeoutMs: 30_000 }),
    limits: { maxPages: 10, maxPixelsPerPage: 50_000_000 },
    dpi: 200,
    pageTimeoutMs: 60_000,
    renderTimeoutMs: () => 60_000,
    inspectTimeoutMs: 30_000,
    qpdfTimeoutMs: () => 30_000,
  };
});

afterAll(async () => {
  if (engines) {
    const { gs, pdf, tesseract, qpdf, img2pdf } = engines;
    await Promise.all([gs.close(), pdf.close(), tesseract.close(), qpdf.close(), img2pdf.close()]);
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

const options = (inputPath: string, outputPath: string, steps: OcrStep[]) => ({
  inputPath,
  isImage: false,
  outputPath,
  languages: ['eng'],
  mode: 'skip-text' as const,
  rotate: false,
  deskew: false,
  workDir: dir,
  signal,
  onStep: (step: OcrStep) => steps.push(step),
});

describe('makeSearchablePdf', () => {
  it('lays the recognised text over a scan, keeps its pages, and then leaves the searchable result alone', async () => {
    const steps: OcrStep[] = [];
    const out = path.join(dir, 'searchable.pdf');
    const result = await makeSearchablePdf(engines, options(scanned, out, steps));
    expect(result.pageCount).toBe(2);
    expect(result.pages.map((p) => p.source)).toEqual(['ocr', 'ocr']);
    expect(steps.map((s) => s.step)).toEqual(['plan', 'page', 'page', 'overlay']);
    const texts = (await pdfPageTexts(out)).map((t) => t.replace(/\s+/g, ' '));
    expect(texts).toHaveLength(2);
    expect(texts[0]).toContain('quick brown fox');
    expect(texts[1]).toContain('delivery notes');

    // skip-text: every page has text now, so nothing is read and the file comes back as it is.
    const again = path.join(dir, 'again.pdf');
    const second = await makeSearchablePdf(engines, options(out, again, []));
    expect(second.pages.map((p) => p.source)).toEqual(['text-layer', 'text-layer']);
    expect(await readFile(again)).toEqual(await readFile(out));
  });

  it('places an image on a PDF page of its scan size first', async () => {
    const png = path.join(dir, 'photo.png');
    await writeFile(png, await makeTextPng(['Scanned pages become searchable.']));
    const steps: OcrStep[] = [];
    const out = path.join(dir, 'photo.pdf');
    const result = await makeSearchablePdf(engines, { ...options(png, out, steps), isImage: true });
    expect(steps[0]).toEqual({ step: 'image-to-pdf' });
    expect(result.pages[0]?.text).toContain('searchable');
    expect((await exec('pdfinfo', [out])).stdout).toMatch(/Page size:\s+612 x 792 pts/);
  });
});

describe('extractPageTexts', () => {
  it('reads only the selected page without text, and refuses a selection past the end', async () => {
    const steps: OcrStep[] = [];
    const result = await extractPageTexts(engines, {
      inputPath: scanned,
      isImage: false,
      selection: [{ start: 2, end: 2 }],
      ocr: 'auto',
      languages: ['eng'],
      deskew: true,
      workDir: dir,
      signal,
      onStep: (step) => steps.push(step),
    });
    expect(result.pageCount).toBe(2);
    expect(result.pages).toMatchObject([{ page: 2, source: 'ocr' }]);
    expect(result.pages[0]?.text).toContain('delivery notes');
    expect(steps[0]).toEqual({ step: 'plan', pageCount: 2, toRead: [2] });

    const never = await extractPageTexts(engines, {
      inputPath: scanned,
      isImage: false,
      ocr: 'never',
      languages: ['eng'],
      deskew: true,
      workDir: dir,
      signal,
    });
    expect(never.pages.map((p) => p.source)).toEqual(['none', 'none']);

    const err = await extractPageTexts(engines, {
      inputPath: scanned,
      isImage: false,
      selection: [{ start: 3, end: 4 }],
      ocr: 'auto',
      languages: ['eng'],
      deskew: true,
      workDir: dir,
      signal,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
  });
});
