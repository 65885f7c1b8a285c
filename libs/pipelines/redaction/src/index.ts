/**
 * @quire/pipeline-redaction: the redaction pipeline (MuPDF text with boxes and redaction, Tesseract word boxes for
 * scanned pages, the @quire/redaction recognisers). The redaction worker's handler and tools/bench/redaction run
 * the same `redactDocument`.
 */
export {
  redactDocument,
  type RedactDocumentOptions,
  type RedactDocumentResult,
  type RedactionDetection,
  type RedactionEngines,
  type RedactionStep,
  type ReviewedBox,
} from './redact-document';
export { ocrPageText, rectsOf, type PageText } from './page-text';
export { secureDelete, secureDeleteTree } from './secure-delete';
