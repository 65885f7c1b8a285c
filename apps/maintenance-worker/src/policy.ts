import { QUEUE_MAX_ATTEMPTS } from '@quire/job-model';
import { defineWorkerPolicy, type QueuePolicy } from '@quire/messaging';

/**
 * The maintenance queue's policy, owned by this worker (docs/architecture.md §4–§5 (queues)): no retries — a maintenance
 * task that fails is reported as failed and simply runs again at its next tick (or when an admin runs it). Two
 * tasks at once per process, so a health check is not stuck behind a long retention run; 30 min hard limit (the
 * Kubernetes grace period and KEDA target are sized on these numbers: k8s/base/workers/maintenance-worker.yaml).
 */
export function maintenancePolicy(): QueuePolicy {
  return defineWorkerPolicy('maintenance', {
    concurrency: 2,
    retryDelaysMs: [],
    maxAttempts: QUEUE_MAX_ATTEMPTS.maintenance,
    jitter: 0,
    deliveryLimit: 3,
    unknownErrorRetries: 0,
    softTimeLimitMs: 25 * 60_000,
    hardTimeLimitMs: 30 * 60_000,
  });
}
