import { llmClientFromConfig } from '@quire/engine-llm';
import { createMupdf } from '@quire/engine-mupdf';
import { createTesseract } from '@quire/engine-tesseract';
import type { RedactionEngines } from '@quire/pipeline-redaction';
import { scaledDeadline } from '@quire/worker-runtime';
import type { RedactionWorkerConfig } from './config';

type EngineConfig = Omit<
  RedactionWorkerConfig,
  'QUIRE_AMQP_URL' | 'QUIRE_DATABASE_URL' | 'QUIRE_STORAGE_DIR' | 'LOG_LEVEL' | 'PORT'
>;

/** The redaction pipeline's engines from the worker's config, and what to close on shutdown (main.ts, specs). */
export function createRedactionEngines(config: EngineConfig): {
  engines: RedactionEngines;
  closeables: Array<{ close(): Promise<void> }>;
} {
  const mupdf = createMupdf({
    size: 1,
    timeoutMs: config.QUIRE_MUPDF_TIMEOUT_MAX_MS,
    memoryLimitMb: config.QUIRE_MUPDF_MAX_RSS_MB,
  });
  const tesseract = createTesseract({
    size: config.QUIRE_OCR_CHILDREN,
    timeoutMs: config.QUIRE_OCR_PAGE_TIMEOUT_MS,
    memoryLimitMb: config.QUIRE_OCR_MAX_RSS_MB,
  });
  const deadline = scaledDeadline(
    config.QUIRE_MUPDF_TIMEOUT_MS,
    config.QUIRE_MUPDF_TIMEOUT_PER_PAGE_MS,
    config.QUIRE_MUPDF_TIMEOUT_MAX_MS,
  );
  const llm = llmClientFromConfig(config);
  return {
    engines: {
      mupdf,
      tesseract,
      llm,
      limits: { maxPages: config.QUIRE_REDACTION_MAX_PAGES, maxPixelsPerPage: config.QUIRE_OCR_MAX_PIXELS },
      dpi: config.QUIRE_OCR_DPI,
      pageTimeoutMs: config.QUIRE_OCR_PAGE_TIMEOUT_MS,
      documentTimeoutMs: (pages) => deadline(pages),
    },
    closeables: [mupdf, tesseract],
  };
}
