/**
 * Every file of the shared robustness corpus through both OCR handlers with their real engines (pdf.js,
 * Ghostscript, tesseract.js, qpdf), at a low resolution and page limit to keep it quick: each run must end with a
 * result or a typed, client-readable error (never INTERNAL), within its deadlines, and the engines must keep
 * serving. Skipped when ../shared/corpus is absent.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGhostscript, type Ghostscript } from '@quire/engine-ghostscript';
import { createImg2pdf, type Img2pdf } from '@quire/engine-img2pdf';
import { createPdfEngine, type PdfEngine } from '@quire/engine-pdf';
import { createQpdf, type Qpdf } from '@quire/engine-qpdf';
import { createTesseract, type Tesseract } from '@quire/engine-tesseract';
import type { JobType } from '@quire/job-model';
import type { OcrEngines } from '@quire/pipeline-ocr';
import type { AnyJobHandler } from '@quire/worker-runtime';
import { expectCleanCorpusOutcomes, sharedCorpus, makeScannedPdf } from '@quire/testing';
import { createTestJobContext as testJob } from '@quire/worker-testing';
import { extractTextHandler } from './handlers/extract-text.handler';
import { ocrHandler } from './handlers/ocr.handler';

const { corpusDir, dir: robustnessDir, present: hasCorpus } = sharedCorpus('robustness', 'ocr corpus.spec');

const GS_DEADLINE_MS = 20_000;
const OCR_PAGE_DEADLINE_MS = 20_000;
const INSPECT_DEADLINE_MS = 15_000;
const QPDF_DEADLINE_MS = 15_000;
// The slowest path: inspection, one render batch of up to 3 pages, 3 pages of OCR, two qpdf runs.
const PER_RUN_LIMIT_MS =
  INSPECT_DEADLINE_MS + GS_DEADLINE_MS + 3 * OCR_PAGE_DEADLINE_MS + 2 * QPDF_DEADLINE_MS;

interface Outcome {
  type: JobType;
  file: string;
  ms: number;
  error?: unknown;
}

describe.skipIf(!hasCorpus)('robustness corpus through the OCR handlers (needs ../shared/corpus)', () => {
  let gs: Ghostscript;
  let pdf: PdfEngine;
  let qpdf: Qpdf;
  let tesseract: Tesseract;
  let img2pdf: Img2pdf;
  let engines: OcrEngines;
  let work: string;
  let scanned: string;
  const outcomes: Outcome[] = [];

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'quire-ocr-corpus-'));
    scanned = path.join(work, 'scanned.pdf');
    await writeFile(scanned, (await makeScannedPdf()).pdf);
    gs = createGhostscript({ size: 1, timeoutMs: GS_DEADLINE_MS, memoryLimitMb: 1024 });
    pdf = createPdfEngine({ size: 1, timeoutMs: INSPECT_DEADLINE_MS });
    qpdf = createQpdf({ timeoutMs: QPDF_DEADLINE_MS });
    tesseract = createTesseract({ size: 1, timeoutMs: OCR_PAGE_DEADLINE_MS, memoryLimitMb: 1024 });
    img2pdf = createImg2pdf({ timeoutMs: QPDF_DEADLINE_MS });
    engines = {
      gs,
      pdf,
      tesseract,
      limits: { maxPages: 3, maxPixelsPerPage: 10_000_000 },
      dpi: 72,
      pageTimeoutMs: OCR_PAGE_DEADLINE_MS,
      renderTimeoutMs: () => GS_DEADLINE_MS,
      inspectTimeoutMs: INSPECT_DEADLINE_MS,
    };
    const handlers: Array<{
      type: JobType;
      handler: AnyJobHandler<'ocr' | 'extract-text'>;
      params: unknown;
    }> = [
      {
        type: 'ocr',
        handler: ocrHandler({ ...engines, qpdf, img2pdf, qpdfTimeoutMs: () => QPDF_DEADLINE_MS }),
        params: {},
      },
      { type: 'extract-text', handler: extractTextHandler(engines), params: {} },
    ];
    const files = (await readdir(robustnessDir, { withFileTypes: true, recursive: true }))
      .filter((e) => e.isFile())
      .map((e) => path.join(e.parentPath, e.name))
      .sort();
    for (const file of files) {
      for (const h of handlers) {
        const t = await testJob(work, h.type, h.params, [{ path: file, name: path.basename(file) }]);
        const started = Date.now();
        try {
          await h.handler(t.ctx as never);
          outcomes.push({ type: h.type, file, ms: Date.now() - started });
        } catch (error) {
          outcomes.push({ type: h.type, file, ms: Date.now() - started, error });
        } finally {
          await t.cleanup();
          await rm(path.join(work, 'storage', 'jobs', t.ctx.job.id), { recursive: true, force: true });
        }
      }
    }
  }, 1_200_000);

  afterAll(async () => {
    await Promise.all([gs?.close(), pdf?.close(), qpdf?.close(), tesseract?.close(), img2pdf?.close()]);
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('ends every run with a result or a typed, readable error, each within its deadlines', () => {
    expect(outcomes.length).toBeGreaterThan(200);
    expectCleanCorpusOutcomes(outcomes, {
      corpusDir,
      perRunLimitMs: PER_RUN_LIMIT_MS,
      tag: 'ocr corpus.spec',
      privatePath: /\/tmp\/|quire-ocr-corpus/,
    });
  });

  it('keeps serving after the whole corpus', async () => {
    const t = await testJob(work, 'extract-text', {}, [{ path: scanned, name: 'scanned.pdf' }]);
    const result = await extractTextHandler({ ...engines, dpi: 300 })(t.ctx);
    expect(result.pages).toMatchObject([{ source: 'ocr' }, { source: 'ocr' }]);
    expect(String(result.text)).toContain('quick brown fox');
  });
});
