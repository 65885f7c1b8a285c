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
} from './pdf-engine';
