import { z } from 'zod';
import { ModelOutputError } from '@quire/errors';
import type { TextDetection } from './types';

/**
 * What `recogniseWithLlm` needs from a language model client: the `extract` method of @quire/engine-llm's
 * `LlmClient` (structured output validated against a zod schema). Declared here structurally so this library stays
 * a pure util (no engine import); the redaction pipeline passes its `LlmClient`.
 */
export interface LlmSpanClient {
  extract<S extends z.ZodTypeAny>(request: {
    instructions: string;
    document: string;
    schema: S;
    schemaName: string;
    signal?: AbortSignal;
  }): Promise<{ data: z.infer<S> }>;
}

export const llmSpansSchema = z.object({
  spans: z.array(z.object({ text: z.string(), type: z.enum(['person', 'address']) })),
});

export const LLM_PII_INSTRUCTIONS =
  'List every personal name of a natural person and every postal street address in the document. Copy each one ' +
  'exactly as written (same characters, spacing and line breaks), without titles such as Mr or Frau. Do not list ' +
  'company names, product names or cities on their own. Answer with an empty list when there are none.';

export interface LlmRecogniseOptions {
  signal?: AbortSignal;
  /** Text is sent in pieces of at most this many characters (cut at line ends), one request each. Default 12 000. */
  maxChunkChars?: number;
  /** Confidence given to what the model found. Default 0.8. */
  confidence?: number;
}

/**
 * Person names and street addresses found by the configured OpenAI-compatible model. The model's answer is only
 * data: each span is searched for verbatim in the text (every occurrence becomes a detection with offsets we
 * computed), and spans that do not occur are ignored, so the model can neither invent positions nor point outside
 * the text. An answer that does not match the schema is asked for once more, then `ModelOutputError` is thrown for
 * the caller to report as a warning (the rule-based recognisers still ran); outages are thrown as the client's
 * retryable errors.
 */
export async function recogniseWithLlm(
  text: string,
  client: LlmSpanClient,
  options: LlmRecogniseOptions = {},
): Promise<TextDetection[]> {
  const confidence = options.confidence ?? 0.8;
  const out: TextDetection[] = [];
  const seen = new Set<string>();
  for (const chunk of chunks(text, options.maxChunkChars ?? 12_000)) {
    if (chunk.text.trim() === '') continue;
    const answer = await askTwice(client, chunk.text, options.signal);
    for (const span of answer.spans) {
      const needle = span.text.trim();
      if (needle.length < 2) continue;
      for (
        let at = chunk.text.indexOf(needle);
        at >= 0;
        at = chunk.text.indexOf(needle, at + needle.length)
      ) {
        const start = chunk.offset + at;
        const key = `${span.type}:${start}:${needle.length}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({
          type: span.type,
          start,
          end: start + needle.length,
          text: needle,
          confidence,
          recogniser: 'llm',
        });
      }
    }
  }
  return out.sort((a, b) => a.start - b.start || a.end - b.end);
}

async function askTwice(
  client: LlmSpanClient,
  document: string,
  signal: AbortSignal | undefined,
): Promise<z.infer<typeof llmSpansSchema>> {
  let last: unknown;
  for (let attempt = 1; attempt <= 2; attempt++) {
    try {
      const answer = await client.extract({
        instructions: LLM_PII_INSTRUCTIONS,
        document,
        schema: llmSpansSchema,
        schemaName: 'pii_spans',
        signal,
      });
      return answer.data;
    } catch (err) {
      if (!(err instanceof ModelOutputError)) throw err;
      last = err;
    }
  }
  throw last instanceof ModelOutputError ? last : new ModelOutputError('the model gave no usable answer');
}

/** Pieces of `text` at most `max` characters long, cut after a line break when there is one. */
function chunks(text: string, max: number): { text: string; offset: number }[] {
  const out: { text: string; offset: number }[] = [];
  let offset = 0;
  while (offset < text.length) {
    let end = Math.min(text.length, offset + max);
    if (end < text.length) {
      const nl = text.lastIndexOf('\n', end);
      if (nl > offset) end = nl + 1;
    }
    out.push({ text: text.slice(offset, end), offset });
    offset = end;
  }
  return out;
}
