import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { env, loadConfig } from '@quire/config';
import { retryingWorkerSchema } from '@quire/worker-runtime';

/** The OCR worker's whole configuration; validated at start, every problem reported at once. */
export const ocrWorkerConfigSchema = retryingWorkerSchema.extend({
  /**
   * Tesseract child processes (warm, reused across pages and jobs): pages of one document recognised in parallel.
   * Default: the cores given to the worker (WebAssembly Tesseract is single-threaded, one child per core).
   */
  QUIRE_OCR_CHILDREN: env.int(Math.max(1, availableParallelism())),
  /**
   * LSTM models: `best_int` (npm @tesseract.js-data `4.0.0_best_int`, default), `standard` (their `4.0.0`), or
   * the path of a folder of plain `<lang>.traineddata` files (e.g. Debian's tessdata_fast in
   * /usr/share/tesseract-ocr/5/tessdata). The measured trade-off is in tools/bench/ocr/README.md.
   */
  QUIRE_OCR_MODEL: z.string().min(1).default('best_int'),
  /** Deadline of one page's recognition; a hang on a pathological image ends here. */
  QUIRE_OCR_PAGE_TIMEOUT_MS: env.int(120_000),
  /** A Tesseract child above this resident size is killed (LIMIT_EXCEEDED). */
  QUIRE_OCR_MAX_RSS_MB: env.int(1536),
  /** Tesseract children are replaced after this many pages (the WebAssembly heap never shrinks). */
  QUIRE_OCR_RECYCLE_AFTER: env.int(100),
  /** Resolution pages are rendered at for OCR: 300 dpi is Tesseract's sweet spot. */
  QUIRE_OCR_DPI: env.int(300),
  /** Pages one job may OCR or read. */
  QUIRE_OCR_MAX_PAGES: env.int(1_000),
  /** Pixels of one page at the OCR resolution: a decompression-bomb guard (A0 at 300 dpi is 139 MP). */
  QUIRE_OCR_MAX_PIXELS: env.int(150_000_000),
  /** Ghostscript (rendering pages) and qpdf (laying text over pages), as in the conversion worker. */
  QUIRE_GS_CHILDREN: env.int(1),
  QUIRE_GS_TIMEOUT_MS: env.int(30_000),
  QUIRE_GS_TIMEOUT_PER_PAGE_MS: env.int(6_000),
  QUIRE_GS_TIMEOUT_MAX_MS: env.int(5 * 60_000),
  QUIRE_GS_MAX_RSS_MB: env.int(1536),
  QUIRE_QPDF_TIMEOUT_MS: env.int(30_000),
  QUIRE_QPDF_TIMEOUT_PER_PAGE_MS: env.int(200),
  QUIRE_QPDF_TIMEOUT_MAX_MS: env.int(5 * 60_000),
  QUIRE_PDF_TIMEOUT_MS: env.int(60_000),
});

export type OcrWorkerConfig = z.infer<typeof ocrWorkerConfigSchema>;

export function loadOcrWorkerConfig(): OcrWorkerConfig {
  return loadConfig(ocrWorkerConfigSchema);
}
