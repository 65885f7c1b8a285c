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
} from './pdf-engine';
