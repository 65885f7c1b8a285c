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
export { llmClientFromConfig, type LlmConfigFields } from './from-config';
