import { QUEUE_MAX_ATTEMPTS } from '@quire/job-model';
import { defineWorkerPolicy, type QueuePolicy, type WorkerPolicyOverrides } from '@quire/messaging';

/**
 * The redaction queue's policy, owned by this worker (docs/architecture.md §4–§5 (queues)): the document-queue defaults
 * (one job per process, scaled with replicas on queue depth; 3 retries after 1, 3, 10 min; 4 attempts from the
 * catalog's QUEUE_MAX_ATTEMPTS). Memory errors at most once: an engine child over its memory cap is
 * LIMIT_EXCEEDED, a document error that is never retried; a worker process killed while holding the job (the
 * kernel's OOM killer) is taken over once (`maxTakeovers` 1), the next death fails the job. Soft limit 28 min,
 * hard 30 min, as OCR (scanned pages are read by OCR).
 */
export function redactionPolicy(overrides: WorkerPolicyOverrides = {}): QueuePolicy {
  return defineWorkerPolicy(
    'redaction',
    {
      maxAttempts: QUEUE_MAX_ATTEMPTS.redaction,
      maxTakeovers: 1,
      softTimeLimitMs: 28 * 60_000,
      hardTimeLimitMs: 30 * 60_000,
    },
    overrides,
  );
}
