export {
  closeDefaultPdfEngine,
  countPages,
  createPdfEngine,
  defaultPdfEngine,
  inspectPdf,
  MAX_DOCUMENT_PAGES,
  type InspectOptions,
  type PdfEngine,
  type PdfEngineOptions,
  type PdfInfo,
  type PageSize,
  type PageText,
} from './pdf-engine';
