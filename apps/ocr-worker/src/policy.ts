import { QUEUE_MAX_ATTEMPTS } from '@quire/job-model';
import { defineWorkerPolicy, type QueuePolicy, type WorkerPolicyOverrides } from '@quire/messaging';

/**
 * The OCR queue's policy, owned by this worker (docs/architecture.md §4–§5 (queues)): the document-queue defaults (one
 * job per process, scale with replicas on queue depth; 3 retries after 1, 3, 10 min). Document errors never retry.
 * OCR is the most CPU-hungry work we do: soft limit 28 min aborts the handler; hard limit 30 min (a few hundred
 * pages at 300 dpi).
 */
export function ocrPolicy(overrides: WorkerPolicyOverrides = {}): QueuePolicy {
  return defineWorkerPolicy(
    'ocr',
    { maxAttempts: QUEUE_MAX_ATTEMPTS.ocr, softTimeLimitMs: 28 * 60_000, hardTimeLimitMs: 30 * 60_000 },
    overrides,
  );
}
