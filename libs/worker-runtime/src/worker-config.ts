import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { baseAppSchema, env } from '@quire/config';

/** Variables every worker app reads; each app's own schema extends this one. */
export const workerBaseSchema = baseAppSchema.extend({
  /** Port of the small HTTP server with /healthz, /readyz, /metrics. */
  PORT: env.port(9100),
  /** Per-attempt temp folders live under here (local disk, not the shared volume). */
  QUIRE_TEMP_DIR: z.string().min(1).default(path.join(os.tmpdir(), 'quire')),
  /** How often a worker refreshes the lease heartbeat of the job it holds. */
  QUIRE_HEARTBEAT_MS: env.int(5_000),
  /** A `processing` job whose heartbeat is older than this is taken over by the next delivery. */
  QUIRE_STALE_AFTER_MS: env.int(30_000),
  /** SIGTERM: time in-flight jobs get to finish before they are aborted. */
  QUIRE_SHUTDOWN_GRACE_MS: env.int(25_000),
});
export type WorkerBaseConfig = z.infer<typeof workerBaseSchema>;

/**
 * Workers of the document queues: the base plus an override of the policy's retry tiers (comma-separated ms), e.g.
 * short tiers for fault tests. Unset: the policy's own tiers.
 */
export const retryingWorkerSchema = workerBaseSchema.extend({
  QUIRE_RETRY_DELAYS_MS: z
    .string()
    .regex(/^\d+(,\d+)*$/, 'comma-separated milliseconds')
    .transform((s) => s.split(',').map(Number))
    .optional(),
  /** Job types that can fan out split a document of more pages than this into chunk jobs (docs/architecture.md (fan-out)). */
  QUIRE_FANOUT_PAGES: env.int(50),
  /** Pages per chunk job. */
  QUIRE_FANOUT_CHUNK_PAGES: env.int(50),
});
