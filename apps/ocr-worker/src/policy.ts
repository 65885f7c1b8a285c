import { defineQueuePolicy, type QueuePolicy } from '@quire/messaging';

/**
 * The OCR queue's policy, owned by this worker (ARCHITECTURE §4). From the seeds: 3 retries with backoff 1, 3, 10
 * minutes (±10 % jitter). OCR is the most CPU-hungry work we do: one job per process, scale with replicas (KEDA on
 * queue depth). Document errors (corrupt, encrypted, over a limit, engine crash/hang on that page) never retry.
 * Soft limit 28 min aborts the handler; hard limit 30 min (a few hundred pages at 300 dpi).
 */
export function ocrPolicy(overrides: { retryDelaysMs?: number[] } = {}): QueuePolicy {
  return defineQueuePolicy({
    queue: 'ocr',
    prefetch: 1,
    concurrency: 1,
    retryDelaysMs: overrides.retryDelaysMs ?? [60_000, 180_000, 600_000],
    maxAttempts: 4,
    jitter: 0.1,
    deliveryLimit: 5,
    softTimeLimitMs: 28 * 60_000,
    hardTimeLimitMs: 30 * 60_000,
  });
}
