/**
 * @quire/pipeline-extraction: bank statements and invoices from PDFs. Composes the pdf.js engine (text items with
 * positions, embedded files), OCR word boxes for scanned pages (Ghostscript + Tesseract), the layout reader and
 * validators of @quire/extraction and, when configured, the language model (@quire/engine-llm). The AI extraction
 * worker's handlers and tools/bench/extraction run the same code. See README.md.
 */
export {
  extractInvoiceFromPdf,
  extractStatementFromPdf,
  type ExtractionDeps,
  type ExtractionMethod,
  type ExtractionMode,
  type ExtractionOptions,
  type ExtractionStep,
  type InvoiceExtraction,
  type StatementExtraction,
} from './extract';
export { compareInvoices, compareStatements, type FieldDifference } from './compare';
export {
  askModel,
  documentText,
  llmInvoiceSchema,
  llmStatementSchema,
  type LlmOutcome,
  type LlmUsage,
} from './llm';
export {
  linesOf,
  readDocumentWords,
  type DocumentPage,
  type PageOcrReader,
  type ReadDeps,
  type ReadDocument,
  type ReadLimits,
} from './read-document';
export { createOcrWordReader, type OcrWordsOptions } from './ocr-words';
