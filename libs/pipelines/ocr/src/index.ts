/**
 * @quire/pipeline-ocr: the OCR pipelines (a searchable PDF; the text of a document's pages with OCR as the
 * fallback), composed of the pdf.js, Ghostscript, Tesseract, qpdf and img2pdf engines, with their stages and limits.
 * The OCR worker's handlers and tools/bench/ocr run the same code. See README.md.
 */
export {
  makeSearchablePdf,
  type OcrStep,
  type SearchablePage,
  type SearchablePdfEngines,
  type SearchablePdfMode,
  type SearchablePdfOptions,
  type SearchablePdfResult,
} from './searchable-pdf';
export {
  extractPageTexts,
  type ExtractedPage,
  type ExtractTextOptions,
  type OcrFallback,
} from './extract-text';
export {
  assertOcrPageLimit,
  hasText,
  inlineText,
  MAX_INLINE_TEXT_CHARS,
  ocrPdfPages,
  ocrPdfPagesUpright,
  overlayTextLayers,
  readDocument,
  timed,
  type OcrEngines,
  type StageTimings,
  type OcrLimits,
  type PageOcr,
} from './ocr-pages';
