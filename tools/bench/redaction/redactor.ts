/**
 * The redaction the benchmark measures: `redactDocument` of @quire/pipeline-redaction, what the redaction worker's
 * handler runs, with the same engines (MuPDF for text boxes and removal, Tesseract for scanned pages) and the
 * worker's default limits (apps/redaction-worker/src/config.ts); no language model.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createMupdf } from '@quire/engine-mupdf';
import { createTesseract } from '@quire/engine-tesseract';
import { redactDocument, type RedactionEngines } from '@quire/pipeline-redaction';

export interface RedactionRun {
  pageCount: number;
  detections: { type: string; page: number }[];
  warnings: string[];
  uncheckedPages: number[];
}

export interface BenchRedactor {
  /** What runs, for the report. */
  describe: string;
  redact(inputPath: string, outputPath: string, options: { region: string }): Promise<RedactionRun>;
  close(): Promise<void>;
}

export async function createRedactor(options: { ocrChildren: number }): Promise<BenchRedactor> {
  const mupdf = createMupdf({ size: 1, timeoutMs: 10 * 60_000 });
  const tesseract = createTesseract({ size: options.ocrChildren, timeoutMs: 120_000 });
  const engines: RedactionEngines = {
    mupdf,
    tesseract,
    llm: undefined,
    limits: { maxPages: 2_000, maxPixelsPerPage: 150_000_000 },
    dpi: 300,
    pageTimeoutMs: 120_000,
    documentTimeoutMs: (pages) => Math.min(30_000 + 500 * pages, 10 * 60_000),
  };
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'quire-bench-redactor-'));
  return {
    describe: `@quire/pipeline-redaction redactDocument (MuPDF, Tesseract ×${options.ocrChildren}, OCR at 300 dpi, no LLM)`,
    async redact(inputPath, outputPath, { region }) {
      const result = await redactDocument(engines, {
        inputPath,
        isImage: false,
        workDir,
        mode: 'redact',
        outputPath,
        minConfidence: 0,
        region,
        languages: ['eng', 'deu'],
      });
      return {
        pageCount: result.pageCount,
        detections: result.detections.map((d) => ({ type: d.type, page: d.page })),
        warnings: result.warnings,
        uncheckedPages: result.uncheckedPages,
      };
    },
    async close() {
      await Promise.all([mupdf.close(), tesseract.close()]);
      await rm(workDir, { recursive: true, force: true });
    },
  };
}
