/**
 * @quire/redaction: finding personal data in text (docs/architecture.md §13 (redaction)). Pure functions, no I/O, no
 * engines: the redaction pipeline maps detections to page boxes and removes them.
 */
export {
  CUSTOM_LIMITS,
  PII_TYPES,
  STRUCTURED_PII_TYPES,
  customRecognisersSchema,
  piiTypeSchema,
  type CustomRecognisers,
  type PiiType,
  type TextDetection,
} from './types';
export { compileCustomRecognisers, normaliseForAllow, type CompiledCustomRecognisers } from './custom';
export { recognise, resolveOverlaps, type RecogniseOptions } from './recognise';
export {
  LLM_PII_INSTRUCTIONS,
  llmSpansSchema,
  recogniseWithLlm,
  type LlmRecogniseOptions,
  type LlmSpanClient,
} from './llm';
export { isValidGermanTaxId, isValidNino, isValidSsn } from './recognisers/national-ids';
export { luhnValid } from './recognisers/shared';
