import { QUEUE_MAX_ATTEMPTS } from '@quire/job-model';
import { defineWorkerPolicy, type QueuePolicy, type WorkerPolicyOverrides } from '@quire/messaging';

/**
 * The ai-extraction queue's policy, owned by this worker (docs/architecture.md §4–§5 (queues)): AI tasks retry twice
 * (3 attempts, from the catalog's QUEUE_MAX_ATTEMPTS) after 1 then 3 minutes; an LLM's 429 or 5xx is retryable and
 * its Retry-After is honoured by the retry decision. Two jobs per process: most of a job's time is spent waiting on
 * the model (or in the pdf.js / Tesseract children), not on this process's CPU. Soft limit 9 min aborts the
 * handler; hard limit 10 min (tools/k8s/quire.ts states the same figures for the manifests).
 */
export function aiExtractionPolicy(overrides: WorkerPolicyOverrides = {}): QueuePolicy {
  return defineWorkerPolicy(
    'ai-extraction',
    {
      maxAttempts: QUEUE_MAX_ATTEMPTS['ai-extraction'],
      retryDelaysMs: [60_000, 180_000],
      concurrency: 2,
      softTimeLimitMs: 9 * 60_000,
      hardTimeLimitMs: 10 * 60_000,
    },
    overrides,
  );
}
