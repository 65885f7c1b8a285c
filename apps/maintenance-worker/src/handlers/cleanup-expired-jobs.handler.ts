import type { JobStatus, MaintenanceRepository, RetentionMode } from '@quire/job-model';
import { jobKeys } from '@quire/storage';
import type { JobHandler } from '@quire/worker-runtime';

/** Days after `finished_at` a finished job's files (and, in `delete` mode, its row) are kept. */
export interface RetentionPolicy {
  completed: number;
  failed: number;
  cancelled: number;
}

export const DEFAULT_RETENTION_DAYS: RetentionPolicy = { completed: 7, failed: 30, cancelled: 7 };

export interface CleanupExpiredJobsDeps {
  repo: Pick<MaintenanceRepository, 'expireBatch'>;
  retentionDays: RetentionPolicy;
  mode: RetentionMode;
  /** Jobs per batch (one transaction each). */
  batchSize: number;
  /** Batches per status and run. */
  maxBatches: number;
  /** Called per status with the jobs expired and the bytes freed (metrics). */
  onExpired?: (status: JobStatus, jobs: number, bytes: number) => void;
  now?: () => Date;
}

const STATUSES = ['completed', 'failed', 'cancelled'] as const satisfies readonly JobStatus[];

/** The `finished_at` before which a job of each status is expired at `now`. */
export function retentionCutoffs(
  retentionDays: RetentionPolicy,
  now: Date,
): Record<(typeof STATUSES)[number], Date> {
  const cutoff = (days: number) => new Date(now.getTime() - days * 86_400_000);
  return {
    completed: cutoff(retentionDays.completed),
    failed: cutoff(retentionDays.failed),
    cancelled: cutoff(retentionDays.cancelled),
  };
}

/**
 * `cleanup-expired-jobs`: for each finished status, takes jobs finished longer ago than its retention in batches
 * (FOR UPDATE SKIP LOCKED, one transaction per batch), deletes their input and output files (`jobs/<id>/…`), then
 * marks the rows expired (`expired_at`, downloads answer 410) or deletes them, per the mode. A job whose files could
 * not be deleted stays unexpired and is tried again at the next run.
 */
export function cleanupExpiredJobsHandler(deps: CleanupExpiredJobsDeps): JobHandler<'cleanup-expired-jobs'> {
  return async (ctx): ReturnType<JobHandler<'cleanup-expired-jobs'>> => {
    const now = deps.now?.() ?? new Date();
    const cutoffs = retentionCutoffs(deps.retentionDays, now);
    const expired = { completed: 0, failed: 0, cancelled: 0 };
    let bytesFreed = 0;
    let fileErrors = 0;
    let moreRemaining = false;

    for (const [i, status] of STATUSES.entries()) {
      ctx.progress({
        stage: status,
        percent: Math.round((i / STATUSES.length) * 100),
        message: `expiring ${status} jobs finished before ${cutoffs[status].toISOString()}`,
      });
      let count = 0;
      let statusBytes = 0;
      for (let batch = 0; ; batch++) {
        ctx.checkpoint();
        if (batch >= deps.maxBatches) {
          moreRemaining = true;
          break;
        }
        const { expired: ids, selected } = await deps.repo.expireBatch({
          status,
          finishedBefore: cutoffs[status],
          limit: deps.batchSize,
          mode: deps.mode,
          removeFiles: async (jobIds) => {
            const done: string[] = [];
            for (const jobId of jobIds) {
              try {
                statusBytes += (await ctx.storage.deletePrefix(jobKeys.root(jobId))).bytes;
                done.push(jobId);
              } catch (err) {
                fileErrors++;
                ctx.logger.warn('could not delete the files of an expired job; keeping it for the next run', {
                  expiredJobId: jobId,
                  err: String(err),
                });
              }
            }
            return done;
          },
        });
        count += ids.length;
        // A short batch means nothing older is left; a batch where nothing could be deleted would only repeat itself.
        if (selected < deps.batchSize || ids.length === 0) break;
      }
      expired[status] = count;
      bytesFreed += statusBytes;
      deps.onExpired?.(status, count, statusBytes);
    }

    const jobsExpired = Object.values(expired).reduce((a, b) => a + b, 0);
    ctx.logger.info('expired jobs cleaned', { jobsExpired, bytesFreed, mode: deps.mode });
    ctx.progress({ stage: 'finalization', percent: 100, message: `expired ${jobsExpired} jobs` });
    return {
      mode: deps.mode,
      retentionDays: deps.retentionDays,
      cutoffs: {
        completed: cutoffs.completed.toISOString(),
        failed: cutoffs.failed.toISOString(),
        cancelled: cutoffs.cancelled.toISOString(),
      },
      expired,
      jobsExpired,
      bytesFreed,
      fileErrors,
      moreRemaining,
    };
  };
}
