/**
 * @quire/pdf-fixtures: test PDFs and images made from scratch (no shared corpus needed), and an independent reader
 * (pdf.js) to check what the engines wrote. The writer is in ./make-pdf.ts, which ./scanned.ts builds on; this
 * file only re-exports, so no module imports the one that imports it.
 */
export { makeNumberedPdf, makePdf, type FixturePage } from './make-pdf';
export { makeScannedPdf, makeTextPng, SCANNED_TEXT_PAGES } from './scanned';
export { pdfPageTexts } from './page-texts';
export {
  encryptedPdf,
  imageEncodings,
  imagePdf,
  popplerPages,
  textPdf,
  truncatedPdf,
} from './command-line-pdfs';
export * from './documents';
