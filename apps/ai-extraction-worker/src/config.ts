import { z } from 'zod';
import { env, loadConfig } from '@quire/config';
import { retryingWorkerSchema } from '@quire/worker-runtime';

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v && v.trim() ? v.trim() : undefined));

/**
 * The AI extraction worker's whole configuration; validated at start, every problem reported at once. The language
 * model is off unless both QUIRE_LLM_BASE_URL and QUIRE_LLM_MODEL are set: with no model, `mode: "auto"` reads by
 * layout only and `mode: "llm"` fails the job with a clear reason.
 */
export const aiExtractionWorkerConfigSchema = retryingWorkerSchema
  .extend({
    /** An OpenAI-compatible endpoint, e.g. https://api.openai.com/v1 or a local server's /v1. */
    QUIRE_LLM_BASE_URL: optionalText.pipe(z.string().url().optional()),
    /** Sent as the bearer token; local servers often need none. */
    QUIRE_LLM_API_KEY: optionalText,
    QUIRE_LLM_MODEL: optionalText,
    /** Deadline of one model request. */
    QUIRE_LLM_TIMEOUT_MS: env.int(120_000),
    /** Pages of document text a model is given per job (the rest is not sent; a warning says so). */
    QUIRE_LLM_MAX_PAGES: env.int(20),
    /** Output tokens one answer may use (a 300-row statement needs about 15 000). */
    QUIRE_LLM_MAX_OUTPUT_TOKENS: env.int(16_000),
    /** VAT rate the statement report splits amounts at (`includeVat`), in percent. */
    QUIRE_REPORT_VAT_RATE_PERCENT: z.coerce.number().min(0).max(100).default(19),
    /** Pages one extraction job reads (text layer or OCR). */
    QUIRE_EXTRACTION_MAX_PAGES: env.int(200),
    /** pdf.js text items kept per page (a hostile page with millions is cut). */
    QUIRE_EXTRACTION_MAX_ITEMS_PER_PAGE: env.int(20_000),
    /** An embedded file (Factur-X XML) larger than this is not read. */
    QUIRE_EXTRACTION_MAX_ATTACHMENT_BYTES: env.bytes(5 * 1024 * 1024),
    /** Scanned pages: rendered at this resolution and read by Tesseract. */
    QUIRE_OCR_DPI: env.int(300),
    QUIRE_OCR_CHILDREN: env.int(1),
    QUIRE_OCR_PAGE_TIMEOUT_MS: env.int(120_000),
    QUIRE_OCR_MAX_RSS_MB: env.int(1536),
    QUIRE_OCR_MAX_PIXELS: env.int(150_000_000),
    QUIRE_GS_TIMEOUT_MS: env.int(30_000),
    QUIRE_GS_TIMEOUT_PER_PAGE_MS: env.int(6_000),
    QUIRE_GS_TIMEOUT_MAX_MS: env.int(5 * 60_000),
    QUIRE_GS_MAX_RSS_MB: env.int(1536),
    QUIRE_PDF_TIMEOUT_MS: env.int(60_000),
  })
  .superRefine((c, ctx) => {
    if (Boolean(c.QUIRE_LLM_BASE_URL) !== Boolean(c.QUIRE_LLM_MODEL)) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: [c.QUIRE_LLM_BASE_URL ? 'QUIRE_LLM_MODEL' : 'QUIRE_LLM_BASE_URL'],
        message: 'set both QUIRE_LLM_BASE_URL and QUIRE_LLM_MODEL to use a language model, or neither',
      });
    }
  });

export type AiExtractionWorkerConfig = z.infer<typeof aiExtractionWorkerConfigSchema>;

export function loadAiExtractionWorkerConfig(
  source?: Record<string, string | undefined>,
): AiExtractionWorkerConfig {
  return source
    ? loadConfig(aiExtractionWorkerConfigSchema, source)
    : loadConfig(aiExtractionWorkerConfigSchema);
}
