export {
  closeDefaultPdfEngine,
  countPages,
  createPdfEngine,
  defaultPdfEngine,
  inspectPdf,
  type InspectOptions,
  type PdfEngine,
  type PdfEngineOptions,
  type PdfInfo,
  type PageSize,
  type PageText,
} from './pdf-engine';
