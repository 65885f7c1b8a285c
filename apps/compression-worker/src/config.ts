import { z } from 'zod';
import { env, loadConfig } from '@quire/config';
import { retryingWorkerSchema } from '@quire/worker-runtime';

/** The compression worker's whole configuration; validated at start, every problem reported at once. */
export const compressionWorkerConfigSchema = retryingWorkerSchema.extend({
  /** Ghostscript child processes (one document each at a time). Default: the policy's concurrency. */
  QUIRE_GS_CHILDREN: env.int(1),
  /** Deadline of one Ghostscript run = base + per page (capped below the soft limit): a hang on a malformed file
   * ends here, while a long document still gets the time it needs. */
  QUIRE_GS_TIMEOUT_MS: env.int(60_000),
  QUIRE_GS_TIMEOUT_PER_PAGE_MS: env.int(1_000),
  QUIRE_GS_TIMEOUT_MAX_MS: env.int(8 * 60_000),
  /** A Ghostscript child above this resident size is killed (decompression bombs). */
  QUIRE_GS_MAX_RSS_MB: env.int(1536),
  /** Children are replaced after this many documents (libgs keeps global state). */
  QUIRE_GS_RECYCLE_AFTER: env.int(50),
});

export type CompressionWorkerConfig = z.infer<typeof compressionWorkerConfigSchema>;

export function loadCompressionWorkerConfig(): CompressionWorkerConfig {
  return loadConfig(compressionWorkerConfigSchema);
}
