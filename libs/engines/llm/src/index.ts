export {
  LlmClient,
  mapOpenAiError,
  parseRetryAfter,
  toWireSchema,
  type LlmClientOptions,
  type StructuredAnswer,
  type StructuredRequest,
  type TokenUsage,
} from './llm-client';
