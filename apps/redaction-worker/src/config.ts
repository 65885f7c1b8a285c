import { z } from 'zod';
import { env, loadConfig } from '@quire/config';
import { retryingWorkerSchema } from '@quire/worker-runtime';

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v && v.trim() ? v.trim() : undefined));

/**
 * The redaction worker's whole configuration; validated at start, every problem reported at once. The language
 * model (person names and addresses beside the rule-based recognisers) is off unless both QUIRE_LLM_BASE_URL and
 * QUIRE_LLM_MODEL are set; without it redaction works fully offline.
 */
export const redactionWorkerConfigSchema = retryingWorkerSchema
  .extend({
    /** Pages one redaction job may have. */
    QUIRE_REDACTION_MAX_PAGES: env.int(2_000),
    /** MuPDF child: deadline of one pass over a document (read, redact): base + per page, capped. */
    QUIRE_MUPDF_TIMEOUT_MS: env.int(30_000),
    QUIRE_MUPDF_TIMEOUT_PER_PAGE_MS: env.int(500),
    QUIRE_MUPDF_TIMEOUT_MAX_MS: env.int(10 * 60_000),
    QUIRE_MUPDF_MAX_RSS_MB: env.int(2048),
    /** Scanned pages and images: rendered at this resolution and read by Tesseract into word boxes. */
    QUIRE_OCR_DPI: env.int(300),
    QUIRE_OCR_CHILDREN: env.int(1),
    QUIRE_OCR_PAGE_TIMEOUT_MS: env.int(120_000),
    QUIRE_OCR_MAX_RSS_MB: env.int(1536),
    /** Pixels of one page at the OCR resolution or of one uploaded image: a decompression-bomb guard. */
    QUIRE_OCR_MAX_PIXELS: env.int(150_000_000),
    QUIRE_LLM_BASE_URL: optionalText.pipe(z.string().url().optional()),
    QUIRE_LLM_API_KEY: optionalText,
    QUIRE_LLM_MODEL: optionalText,
    QUIRE_LLM_TIMEOUT_MS: env.int(120_000),
    QUIRE_LLM_MAX_OUTPUT_TOKENS: env.int(4_000),
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

export type RedactionWorkerConfig = z.infer<typeof redactionWorkerConfigSchema>;

export function loadRedactionWorkerConfig(
  source?: Record<string, string | undefined>,
): RedactionWorkerConfig {
  return source ? loadConfig(redactionWorkerConfigSchema, source) : loadConfig(redactionWorkerConfigSchema);
}
