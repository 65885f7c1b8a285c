import { QUEUE_MAX_ATTEMPTS } from '@quire/job-model';
import { defineWorkerPolicy, type QueuePolicy, type WorkerPolicyOverrides } from '@quire/messaging';

/**
 * The conversion queue's policy, owned by this worker (docs/architecture.md §4–§5 (queues)): the document-queue defaults
 * (one job per process, 3 retries after 1, 3, 10 min). Document errors (corrupt, encrypted, over a limit, engine
 * crash/hang on that file) never retry: the error classes say so. Soft limit 9 min aborts the handler (its engines
 * are killed); hard limit 10 min.
 */
export function conversionPolicy(overrides: WorkerPolicyOverrides = {}): QueuePolicy {
  return defineWorkerPolicy(
    'conversion',
    {
      maxAttempts: QUEUE_MAX_ATTEMPTS.conversion,
      softTimeLimitMs: 9 * 60_000,
      hardTimeLimitMs: 10 * 60_000,
    },
    overrides,
  );
}
