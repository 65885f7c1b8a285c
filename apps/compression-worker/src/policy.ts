import { QUEUE_MAX_ATTEMPTS } from '@quire/job-model';
import { defineWorkerPolicy, type QueuePolicy, type WorkerPolicyOverrides } from '@quire/messaging';

/**
 * The compression queue's policy, owned by this worker (docs/architecture.md §4–§5 (queues)): the document-queue defaults
 * (one job per process, 3 retries after 1, 3, 10 min). Document errors (corrupt, encrypted, engine crash/hang on
 * that file) never retry: the error classes say so. Ghostscript gets 9 min before the handler is aborted.
 */
export function compressionPolicy(overrides: WorkerPolicyOverrides = {}): QueuePolicy {
  return defineWorkerPolicy(
    'compression',
    {
      maxAttempts: QUEUE_MAX_ATTEMPTS.compression,
      softTimeLimitMs: 9 * 60_000,
      hardTimeLimitMs: 10 * 60_000,
    },
    overrides,
  );
}
