import { defineQueuePolicy, type QueuePolicy } from '@quire/messaging';

/**
 * The conversion queue's policy, owned by this worker (ARCHITECTURE §4). From the seeds: 3 retries with backoff
 * 1, 3, 10 minutes (±10 % jitter). Rendering and qpdf are CPU-bound: one job per process, scale with replicas.
 * Document errors (corrupt, encrypted, over a limit, engine crash/hang on that file) never retry: the error
 * classes say so. Soft limit 9 min aborts the handler (its engines are killed); hard limit 10 min.
 */
export function conversionPolicy(overrides: { retryDelaysMs?: number[] } = {}): QueuePolicy {
  return defineQueuePolicy({
    queue: 'conversion',
    prefetch: 1,
    concurrency: 1,
    retryDelaysMs: overrides.retryDelaysMs ?? [60_000, 180_000, 600_000],
    maxAttempts: 4,
    jitter: 0.1,
    deliveryLimit: 5,
    softTimeLimitMs: 9 * 60_000,
    hardTimeLimitMs: 10 * 60_000,
  });
}
