/**
 * @quire/redaction-testing: documents with known personal data (digital layouts and their scans) and the leak
 * checker that proves a redacted output no longer holds any of it (docs/architecture.md §13 (redaction)).
 */
export {
  digitalDocuments,
  pagePngs,
  scannedVersion,
  type GeneratedDocument,
  type HiddenPlace,
  type Layout,
  type PlantedValue,
} from './documents';
export {
  compact,
  decodeStrings,
  findLeaks,
  fuzzyIncludes,
  LeakChecker,
  type Leak,
  type LeakCheckOptions,
  type LeakPlace,
} from './leak-check';
export { closeTools } from './commands';
export { writePdf, type DocSpec, type PageSpec, type TextRun } from './pdf-writer';
export { person, seededRandom, type PersonRecord } from './pii-values';
export { pdfPageLines, scoreDetections, type ScoredDetection, type TypeScore } from './scoring';
