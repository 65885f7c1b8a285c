/**
 * @quire/engine-tesseract: tesseract.js (WebAssembly Tesseract 5) as a supervised engine with offline language
 * packs, plus text-accuracy measures. Recognises one image per call; reading PDFs is @quire/pipeline-ocr's work.
 */
export {
  createTesseract,
  type RecognizeOptions,
  type RecognizeResult,
  type Tesseract,
  type TesseractOptions,
} from './tesseract-engine';
export type { WordBox } from './tesseract-child';
export { installedLanguagePacks, ocrModel, type LanguagePacks, type OcrModel } from './language-packs';
export { characterErrorRate, editDistance, normalise, wordErrorRate } from './text-accuracy';
