import { z } from 'zod';
import { env, loadConfig } from '@quire/config';
import { retryingWorkerSchema } from '@quire/worker-runtime';

/** The conversion worker's whole configuration; validated at start, every problem reported at once. */
export const conversionWorkerConfigSchema = retryingWorkerSchema.extend({
  /** Ghostscript child processes (one document each at a time). */
  QUIRE_GS_CHILDREN: env.int(1),
  /**
   * Deadline of one Ghostscript rendering run (a batch of ≤ 20 pages) = base + per page × (dpi / 150)², capped: a
   * hang on a malformed page ends here, while a large batch at a high dpi still gets the time it needs.
   */
  QUIRE_GS_TIMEOUT_MS: env.int(30_000),
  QUIRE_GS_TIMEOUT_PER_PAGE_MS: env.int(3_000),
  QUIRE_GS_TIMEOUT_MAX_MS: env.int(5 * 60_000),
  /** A Ghostscript child above this resident size is killed (LIMIT_EXCEEDED). */
  QUIRE_GS_MAX_RSS_MB: env.int(1536),
  /** Ghostscript children are replaced after this many runs (libgs keeps global state). */
  QUIRE_GS_RECYCLE_AFTER: env.int(50),
  /** Deadline of one qpdf run (merge, one split part, a page count) = base + per page, capped. */
  QUIRE_QPDF_TIMEOUT_MS: env.int(30_000),
  QUIRE_QPDF_TIMEOUT_PER_PAGE_MS: env.int(200),
  QUIRE_QPDF_TIMEOUT_MAX_MS: env.int(5 * 60_000),
  /** A qpdf process above this resident size is killed (LIMIT_EXCEEDED). */
  QUIRE_QPDF_MAX_RSS_MB: env.int(1024),
  /** Deadline of a pdf.js inspection (page count and page sizes before rendering). */
  QUIRE_PDF_TIMEOUT_MS: env.int(30_000),
  /** Pages one job may process: rendered pages, merged pages (sum of the selections), pages of the split document. */
  QUIRE_CONVERSION_MAX_PAGES: env.int(2_000),
  /** Output files one job may produce (images, split parts). */
  QUIRE_CONVERSION_MAX_OUTPUTS: env.int(1_000),
  /**
   * Pixels of one rendered page (width × height at the requested dpi), checked from the page size before anything
   * is rendered: a decompression-bomb guard. The default admits A0 at 300 dpi (139 MP, ~420 MB of RGB), not a
   * 200-inch banner at 150 dpi (900 MP).
   */
  QUIRE_CONVERSION_MAX_PIXELS: env.int(150_000_000),
});

export type ConversionWorkerConfig = z.infer<typeof conversionWorkerConfigSchema>;

export function loadConversionWorkerConfig(): ConversionWorkerConfig {
  return loadConfig(conversionWorkerConfigSchema);
}
