import {
  QUEUE_MAX_ATTEMPTS,
  type JobRepository,
  type MaintenanceRepository,
  type QueueName,
  type StaleRecovery,
} from '@quire/job-model';
import type { JobHandler } from '@quire/worker-runtime';

export type RecoveryOutcome = StaleRecovery['outcome'];

export interface RecoverStuckJobsDeps {
  repo: Pick<MaintenanceRepository, 'staleProcessing'>;
  jobs: Pick<JobRepository, 'recoverStale'>;
  /** A `processing` job whose heartbeat is older than this is taken back (QUIRE_STUCK_AFTER_MS). */
  stuckAfterMs: number;
  /** Attempts per queue; default the catalog's QUEUE_MAX_ATTEMPTS, the figure the workers' policies use. */
  maxAttempts?: Readonly<Record<string, number>>;
  /** Jobs looked at per batch, and batches per run; what is left waits for the next run. */
  batchSize?: number;
  maxBatches?: number;
  /** After a job went back to `retrying` (its message is in the outbox: nudge the relay). */
  onRequeued?: () => void;
  /** Per recovered job (metrics). */
  onRecovered?: (queue: string, outcome: RecoveryOutcome) => void;
}

/** How many recovered jobs the result lists one by one (the counts cover all). */
const LISTED = 100;

/**
 * `recover-stuck-jobs` (scheduled every minute under the scheduler's leader lock): takes back jobs stuck in
 * `processing` — their worker stopped heartbeating longer ago than `stuckAfterMs` and no delivery took them over,
 * typically because the database failed while the worker wrote the outcome and the broker has since dead-lettered
 * the message. With attempts left under the queue's policy the job goes back to `retrying` and is published again
 * through the outbox; after its last attempt it is `failed` ("worker stopped responding during attempt 3 of 3"); a
 * job whose cancel was requested meanwhile is `cancelled`. Every change is a JobRepository transition, recorded
 * in `job_event`.
 */
export function recoverStuckJobsHandler(deps: RecoverStuckJobsDeps): JobHandler<'recover-stuck-jobs'> {
  const batchSize = deps.batchSize ?? 100;
  const maxBatches = deps.maxBatches ?? 20;
  const limits = deps.maxAttempts ?? QUEUE_MAX_ATTEMPTS;
  return async (ctx): ReturnType<JobHandler<'recover-stuck-jobs'>> => {
    const recovered: Record<RecoveryOutcome, number> = { retrying: 0, failed: 0, cancelled: 0 };
    const jobs: Array<{
      id: string;
      type: string;
      queue: string;
      attempt: number;
      outcome: RecoveryOutcome;
    }> = [];
    let batches = 0;
    let more = true;
    while (more && batches < maxBatches) {
      batches++;
      ctx.checkpoint();
      const { jobs: stale } = await deps.repo.staleProcessing(deps.stuckAfterMs, batchSize);
      let changed = 0;
      for (const candidate of stale) {
        const maxAttempts = limits[candidate.queue as QueueName] ?? 1;
        const done = await deps.jobs.recoverStale(candidate.id, {
          staleAfterMs: deps.stuckAfterMs,
          maxAttempts,
        });
        // Null: a delivery took it over (or it finished) since it was listed.
        if (!done) continue;
        changed++;
        recovered[done.outcome]++;
        deps.onRecovered?.(candidate.queue, done.outcome);
        if (done.outcome === 'retrying') deps.onRequeued?.();
        if (jobs.length < LISTED)
          jobs.push({
            id: candidate.id,
            type: candidate.type,
            queue: candidate.queue,
            attempt: candidate.attempts,
            outcome: done.outcome,
          });
        ctx.logger.warn('stuck job taken back', {
          stuckJobId: candidate.id,
          queue: candidate.queue,
          attempt: candidate.attempts,
          maxAttempts,
          outcome: done.outcome,
          heartbeatAt: candidate.heartbeatAt?.toISOString() ?? null,
        });
      }
      more = stale.length === batchSize && changed > 0;
    }
    const total = recovered.retrying + recovered.failed + recovered.cancelled;
    ctx.progress({ stage: 'finalization', percent: 100, message: `${total} stuck job(s) taken back` });
    return { stuckAfterMs: deps.stuckAfterMs, recovered, jobs };
  };
}
