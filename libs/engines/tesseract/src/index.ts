/**
 * @quire/engine-tesseract: tesseract.js (WebAssembly Tesseract 5) as a supervised engine with offline language
 * packs, plus text-accuracy measures. See README.md.
 */
export {
  createTesseract,
  type RecognizeOptions,
  type RecognizeResult,
  type Tesseract,
  type TesseractOptions,
} from './tesseract-engine';
export { installedLanguagePacks, type LanguagePacks } from './language-packs';
export { characterErrorRate, editDistance, normalise } from './text-accuracy';
export {
  assertOcrPageLimit,
  hasText,
  inlineText,
  MAX_INLINE_TEXT_CHARS,
  ocrPdfPages,
  ocrPdfPagesUpright,
  overlayTextLayers,
  readDocument,
  type OcrEngines,
  type OcrLimits,
  type PageOcr,
} from './ocr-pipeline';
