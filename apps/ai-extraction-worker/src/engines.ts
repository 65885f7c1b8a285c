import { createGhostscript } from '@quire/engine-ghostscript';
import { llmClientFromConfig } from '@quire/engine-llm';
import { createPdfEngine } from '@quire/engine-pdf';
import { createTesseract } from '@quire/engine-tesseract';
import { createOcrWordReader } from '@quire/pipeline-extraction';
import { scaledDeadline } from '@quire/worker-runtime';
import type { AiExtractionWorkerConfig } from './config';
import type { ExtractionHandlerDeps } from './handlers/shared';

/** Languages scanned pages are read in (statements and invoices of the corpus are English and German). */
const OCR_LANGUAGES = ['eng', 'deu'];

type EngineConfig = Omit<
  AiExtractionWorkerConfig,
  'QUIRE_AMQP_URL' | 'QUIRE_DATABASE_URL' | 'QUIRE_STORAGE_DIR' | 'LOG_LEVEL' | 'PORT'
>;

/**
 * The engines of the extraction handlers (pdf.js, Ghostscript + Tesseract for scanned pages, the language model when
 * configured), and what to close on shutdown. main.ts and the handler specs build them the same way.
 */
export function createExtractionEngines(config: EngineConfig): {
  deps: ExtractionHandlerDeps;
  closeables: Array<{ close(): Promise<void> }>;
} {
  const pdf = createPdfEngine({ timeoutMs: config.QUIRE_PDF_TIMEOUT_MS });
  const gs = createGhostscript({
    size: 1,
    timeoutMs: config.QUIRE_GS_TIMEOUT_MAX_MS,
    memoryLimitMb: config.QUIRE_GS_MAX_RSS_MB,
  });
  const tesseract = createTesseract({
    size: config.QUIRE_OCR_CHILDREN,
    timeoutMs: config.QUIRE_OCR_PAGE_TIMEOUT_MS,
    memoryLimitMb: config.QUIRE_OCR_MAX_RSS_MB,
  });
  const renderDeadline = scaledDeadline(
    config.QUIRE_GS_TIMEOUT_MS,
    config.QUIRE_GS_TIMEOUT_PER_PAGE_MS,
    config.QUIRE_GS_TIMEOUT_MAX_MS,
  );
  const llm = llmClientFromConfig(config) ?? null;
  const deps: ExtractionHandlerDeps = {
    pdf,
    inspectTimeoutMs: config.QUIRE_PDF_TIMEOUT_MS,
    limits: {
      maxPages: config.QUIRE_EXTRACTION_MAX_PAGES,
      maxItemsPerPage: config.QUIRE_EXTRACTION_MAX_ITEMS_PER_PAGE,
      maxAttachmentBytes: config.QUIRE_EXTRACTION_MAX_ATTACHMENT_BYTES,
    },
    ocr: createOcrWordReader({
      gs,
      tesseract,
      languages: OCR_LANGUAGES,
      dpi: config.QUIRE_OCR_DPI,
      maxPixelsPerPage: config.QUIRE_OCR_MAX_PIXELS,
      maxPages: config.QUIRE_EXTRACTION_MAX_PAGES,
      pageTimeoutMs: config.QUIRE_OCR_PAGE_TIMEOUT_MS,
      // Rendering time grows with the pixel count: (dpi / 150)² per page.
      renderTimeoutMs: (pages) => renderDeadline(pages, (config.QUIRE_OCR_DPI / 150) ** 2),
    }),
    llm,
    llmMaxPages: config.QUIRE_LLM_MAX_PAGES,
    vatRatePercent: config.QUIRE_REPORT_VAT_RATE_PERCENT,
  };
  return { deps, closeables: [pdf, gs, tesseract] };
}
