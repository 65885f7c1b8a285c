import { z } from 'zod';
import { env, loadConfig } from '@quire/config';
import { fairPublishingEnvFields } from '@quire/job-model';
import { workerBaseSchema } from '@quire/worker-runtime';
import { AddressAllowList, parseSecretKey } from '@quire/webhooks';
import { cronProblem, DEFAULT_SCHEDULES, isScheduleOff } from './schedules';

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const positiveNumber = (def: number) => z.coerce.number().positive().default(def);

/** A cron pattern (croner: 5 fields, or 6 with seconds first, or @daily…), or `off` to disable the schedule. */
const schedule = (def: string) =>
  z
    .string()
    .default(def)
    .superRefine((value, ctx) => {
      if (isScheduleOff(value)) return;
      const problem = cronProblem(value);
      if (problem)
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `invalid cron pattern "${value}": ${problem}` });
    });

const maintenanceWorkerFields = workerBaseSchema.extend({
  /**
   * RabbitMQ management API, with credentials in the URL (`http://user:pass@host:15672`): queue depths, consumers
   * and dead letters for the health check and the queue gauges. Without it those sections report "not configured".
   */
  QUIRE_RABBITMQ_MANAGEMENT_URL: z.string().url().optional(),

  /** Run the cron scheduler in this process (it still only fires while it holds the leader lock). */
  QUIRE_SCHEDULER_ENABLED: env.bool(true),
  QUIRE_SCHEDULE_CLEANUP_TEMP_FILES: schedule(DEFAULT_SCHEDULES['cleanup-temp-files']),
  QUIRE_SCHEDULE_CLEANUP_EXPIRED_JOBS: schedule(DEFAULT_SCHEDULES['cleanup-expired-jobs']),
  QUIRE_SCHEDULE_HEALTH_CHECK: schedule(DEFAULT_SCHEDULES['health-check']),
  QUIRE_SCHEDULE_RECOVER_STUCK_JOBS: schedule(DEFAULT_SCHEDULES['recover-stuck-jobs']),
  /** IANA time zone of the schedules (e.g. `Europe/Paris`); default: the process's local time zone. */
  QUIRE_SCHEDULER_TIMEZONE: z
    .string()
    .min(1)
    .refine((tz) => isTimeZone(tz), 'unknown time zone (expected an IANA name such as Europe/Paris or UTC)')
    .optional(),
  /** How often a follower tries to take the leader lock, and the leader re-checks that it still holds it. */
  QUIRE_SCHEDULER_LEADER_RETRY_MS: env.int(5_000),

  /** cleanup-temp-files: temp files and folders older than this are removed (a job's `maxAgeHours` overrides). */
  QUIRE_TEMP_MAX_AGE_HOURS: positiveNumber(2),

  /** cleanup-expired-jobs: retention by status, in days after `finished_at`. */
  QUIRE_RETENTION_COMPLETED_DAYS: positiveNumber(7),
  QUIRE_RETENTION_FAILED_DAYS: positiveNumber(30),
  QUIRE_RETENTION_CANCELLED_DAYS: positiveNumber(7),
  /** `mark`: keep the job row with `expired_at` set (downloads answer 410); `delete`: remove the row and its history. */
  QUIRE_RETENTION_MODE: z.enum(['mark', 'delete']).default('mark'),
  /** Jobs per batch (one transaction each). */
  QUIRE_RETENTION_BATCH_SIZE: env.int(1_000),
  /** Batches per status and run; what is left waits for the next run. */
  QUIRE_RETENTION_MAX_BATCHES: env.int(100),

  /** health-check: a filesystem (temp root, storage) with less free space than this triggers an early cleanup-temp-files. */
  QUIRE_DISK_FREE_MIN_PERCENT: z.coerce.number().min(0).max(100).default(10),

  /**
   * recover-stuck-jobs: a `processing` job whose heartbeat is older than this is taken back (retried or failed per
   * its queue's policy). Well above QUIRE_STALE_AFTER_MS, so a redelivered message gets to take the job over first.
   */
  QUIRE_STUCK_AFTER_MS: env.int(300_000),

  /**
   * Job callbacks (docs/architecture.md (webhooks)) are delivered from this app. The key (32 bytes, hex or base64)
   * that seals the tenants' signing secrets in the database; without it no callback can be signed, so none is sent
   * (each attempt records why). The `webhook:rotate-secret` command needs the same key.
   */
  QUIRE_WEBHOOK_SECRET_KEY: z
    .string()
    .optional()
    .superRefine((value, ctx) => {
      if (value === undefined || value === '') return;
      try {
        parseSecretKey(value);
      } catch (err) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: err instanceof Error ? err.message : String(err),
        });
      }
    }),
  /** Exceptions to the callback SSRF policy: comma-separated CIDRs, IPs or host names (as the gateway's). */
  QUIRE_WEBHOOK_ALLOW_PRIVATE: z
    .string()
    .default('')
    .superRefine((value, ctx) => {
      try {
        AddressAllowList.parse(value);
      } catch (err) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: err instanceof Error ? err.message : String(err),
        });
      }
    }),
  /** Run the callback dispatcher in this process. */
  QUIRE_WEBHOOK_DISPATCHER_ENABLED: env.bool(true),
  /** Pause of an idle dispatcher before it looks for due callbacks again. */
  QUIRE_WEBHOOK_POLL_MS: env.int(1_000),
  /** Callbacks sent in parallel per round. */
  QUIRE_WEBHOOK_BATCH_SIZE: env.int(16),
  /** One attempt (resolve, connect, send, answer headers) is abandoned after this long. */
  QUIRE_WEBHOOK_TIMEOUT_MS: env.int(10_000),
  /** Attempts before a callback is given up. */
  QUIRE_WEBHOOK_MAX_ATTEMPTS: env.int(8),
  /** Retry delay: base × 2^(attempt-1), capped, half of it random (jitter). */
  QUIRE_WEBHOOK_BACKOFF_BASE_MS: env.int(10_000),
  QUIRE_WEBHOOK_BACKOFF_MAX_MS: env.int(3_600_000),

  /** How often the outbox relay re-publishes rows not sent yet (scheduled jobs are published through the outbox). */
  QUIRE_OUTBOX_SWEEP_MS: env.int(2_000),
  /** Fair publishing: the same caps as the gateway's relays (docs/architecture.md §11 (tenancy and fair sharing)). */
  ...fairPublishingEnvFields,
  /** Job counts and queue depths behind /metrics are re-read at most this often. */
  QUIRE_METRICS_REFRESH_MS: env.int(15_000),
});

/** The maintenance worker's whole configuration; validated at start, every problem reported at once. */
export const maintenanceWorkerConfigSchema = maintenanceWorkerFields.refine(
  (c) => c.QUIRE_STUCK_AFTER_MS > c.QUIRE_STALE_AFTER_MS,
  {
    path: ['QUIRE_STUCK_AFTER_MS'],
    message: 'must exceed QUIRE_STALE_AFTER_MS (a redelivered message takes a job over first)',
  },
);

export type MaintenanceWorkerConfig = z.infer<typeof maintenanceWorkerConfigSchema>;

export function loadMaintenanceWorkerConfig(): MaintenanceWorkerConfig {
  return loadConfig(maintenanceWorkerConfigSchema);
}
