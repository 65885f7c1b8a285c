import { createGhostscript } from '@quire/engine-ghostscript';
import { createImg2pdf } from '@quire/engine-img2pdf';
import { createPdfEngine } from '@quire/engine-pdf';
import { createQpdf } from '@quire/engine-qpdf';
import { createTesseract, ocrModel } from '@quire/engine-tesseract';
import { scaledDeadline, startWorker } from '@quire/worker-runtime';
import { loadOcrWorkerConfig } from './config';
import { extractTextHandler } from './handlers/extract-text.handler';
import { ocrHandler } from './handlers/ocr.handler';
import { extractTextFanOut, ocrFanOut } from './fan-out';
import { ocrPolicy } from './policy';

const config = loadOcrWorkerConfig();
const policy = ocrPolicy({ retryDelaysMs: config.QUIRE_RETRY_DELAYS_MS });
const gs = createGhostscript({
  size: config.QUIRE_GS_CHILDREN,
  timeoutMs: config.QUIRE_GS_TIMEOUT_MAX_MS,
  memoryLimitMb: config.QUIRE_GS_MAX_RSS_MB,
});
const pdf = createPdfEngine({ timeoutMs: config.QUIRE_PDF_TIMEOUT_MS });
const qpdf = createQpdf({ timeoutMs: config.QUIRE_QPDF_TIMEOUT_MAX_MS });
const tesseract = createTesseract({
  size: config.QUIRE_OCR_CHILDREN,
  timeoutMs: config.QUIRE_OCR_PAGE_TIMEOUT_MS,
  memoryLimitMb: config.QUIRE_OCR_MAX_RSS_MB,
  maxTasksPerChild: config.QUIRE_OCR_RECYCLE_AFTER,
  model: ocrModel(config.QUIRE_OCR_MODEL),
});
const img2pdf = createImg2pdf({ timeoutMs: config.QUIRE_QPDF_TIMEOUT_MAX_MS });
const renderDeadline = scaledDeadline(
  config.QUIRE_GS_TIMEOUT_MS,
  config.QUIRE_GS_TIMEOUT_PER_PAGE_MS,
  config.QUIRE_GS_TIMEOUT_MAX_MS,
);
const qpdfDeadline = scaledDeadline(
  config.QUIRE_QPDF_TIMEOUT_MS,
  config.QUIRE_QPDF_TIMEOUT_PER_PAGE_MS,
  config.QUIRE_QPDF_TIMEOUT_MAX_MS,
);
const engines = {
  gs,
  pdf,
  tesseract,
  limits: { maxPages: config.QUIRE_OCR_MAX_PAGES, maxPixelsPerPage: config.QUIRE_OCR_MAX_PIXELS },
  dpi: config.QUIRE_OCR_DPI,
  pageTimeoutMs: config.QUIRE_OCR_PAGE_TIMEOUT_MS,
  // Rendering time grows with the pixel count: (dpi / 150)² per page.
  renderTimeoutMs: (pages: number) => renderDeadline(pages, (config.QUIRE_OCR_DPI / 150) ** 2),
  inspectTimeoutMs: config.QUIRE_PDF_TIMEOUT_MS,
  pageConcurrency: config.QUIRE_OCR_CHILDREN,
};

const fanOutEngines = {
  pdf,
  qpdf,
  qpdfTimeoutMs: (pages: number) => qpdfDeadline(pages),
  inspectTimeoutMs: config.QUIRE_PDF_TIMEOUT_MS,
  limits: engines.limits,
};

await startWorker({
  service: 'ocr-worker',
  config,
  policy,
  handlers: {
    ocr: ocrHandler({ ...engines, qpdf, img2pdf, qpdfTimeoutMs: (pages) => qpdfDeadline(pages) }),
    'extract-text': extractTextHandler(engines),
  },
  closeables: [gs, pdf, qpdf, tesseract, img2pdf],
  fanOut: {
    types: { ocr: ocrFanOut(fanOutEngines), 'extract-text': extractTextFanOut(fanOutEngines) },
    settings: { thresholdPages: config.QUIRE_FANOUT_PAGES, chunkPages: config.QUIRE_FANOUT_CHUNK_PAGES },
  },
});
