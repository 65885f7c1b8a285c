import { LlmClient } from './llm-client';

/** The `QUIRE_LLM_*` fields a worker's config schema carries when it may ask a language model. */
export interface LlmConfigFields {
  QUIRE_LLM_BASE_URL?: string | undefined;
  QUIRE_LLM_API_KEY?: string | undefined;
  QUIRE_LLM_MODEL?: string | undefined;
  QUIRE_LLM_TIMEOUT_MS: number;
  QUIRE_LLM_MAX_OUTPUT_TOKENS: number;
}

/**
 * The client a worker's validated config asks for, or undefined when no endpoint and model are configured (the
 * workers then run with no model at all).
 */
export function llmClientFromConfig(config: LlmConfigFields): LlmClient | undefined {
  if (!config.QUIRE_LLM_BASE_URL || !config.QUIRE_LLM_MODEL) return undefined;
  return new LlmClient({
    baseUrl: config.QUIRE_LLM_BASE_URL,
    // OpenAI-compatible local servers often need no key; the client still sends one.
    apiKey: config.QUIRE_LLM_API_KEY ?? 'none',
    model: config.QUIRE_LLM_MODEL,
    timeoutMs: config.QUIRE_LLM_TIMEOUT_MS,
    maxOutputTokens: config.QUIRE_LLM_MAX_OUTPUT_TOKENS,
  });
}
