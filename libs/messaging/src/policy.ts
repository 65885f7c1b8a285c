import { z } from 'zod';

/**
 * A worker's queue policy (docs/architecture.md §4): each worker app owns one in its `policy.ts`; this lib turns it into
 * topology and consumer behaviour. Unknown keys are rejected so a typo cannot silently fall back to a default.
 */
export const queuePolicySchema = z
  .object({
    /** Queue name; also the routing key on `quire.jobs`. */
    queue: z.string().regex(/^[a-z][a-z0-9-]*$/),
    /** Unacked messages per consumer channel; equal to `concurrency` (PDF work is CPU-bound). */
    prefetch: z.number().int().min(1).max(64),
    /** Jobs handled at once by one process. */
    concurrency: z.number().int().min(1).max(64),
    /** Delay of each retry tier, in ms; retry N uses tier min(N-1, last). Empty = never retry. */
    retryDelaysMs: z.array(z.number().int().positive()).max(10),
    /** Total attempts including the first (retries + 1). */
    maxAttempts: z.number().int().min(1).max(20),
    /** ±fraction of jitter applied to each retry delay (0.1 = ±10 %). */
    jitter: z.number().min(0).max(0.5).default(0.1),
    /** Quorum-queue `x-delivery-limit`: deliveries (crashes included) before the broker dead-letters a message. */
    deliveryLimit: z.number().int().min(1).max(100),
    /** The handler's AbortSignal fires after this long ("timed out after N s", retried per policy). */
    softTimeLimitMs: z.number().int().positive(),
    /** The attempt ends after this long whatever the handler does (engine children are killed). */
    hardTimeLimitMs: z.number().int().positive(),
    /** Error codes retried even when their class says otherwise; `retryable` classes retry by default. */
    retryCodes: z.array(z.string()).default([]),
    /** Error codes never retried even when their class is retryable. */
    noRetryCodes: z.array(z.string()).default([]),
    /** A job whose worker died holding it more than this many times is failed and dead-lettered (poison job). */
    maxTakeovers: z.number().int().min(0).max(20).default(2),
    /** Retries granted to unclassified (INTERNAL) errors (docs/architecture.md §5: once). */
    unknownErrorRetries: z.number().int().min(0).max(5).default(1),
  })
  .strict()
  .refine((p) => p.hardTimeLimitMs > p.softTimeLimitMs, {
    message: 'hardTimeLimitMs must exceed softTimeLimitMs',
  })
  .refine((p) => p.prefetch >= p.concurrency, { message: 'prefetch must be at least concurrency' });

export type QueuePolicyInput = z.input<typeof queuePolicySchema>;
export type QueuePolicy = z.output<typeof queuePolicySchema>;

/** Validates a policy object; throws with every problem listed. */
export function defineQueuePolicy(input: QueuePolicyInput): QueuePolicy {
  const parsed = queuePolicySchema.safeParse(input);
  if (!parsed.success) {
    throw new Error(
      `invalid queue policy: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

/**
 * What the document queues (compression, conversion, ocr) share, from the seeds: one job per process (PDF work is
 * CPU-bound; scale with replicas), 3 retries with backoff 1, 3, 10 minutes (±10 % jitter), 5 deliveries before the
 * broker dead-letters a message. A worker's policy states only what differs.
 */
export const WORKER_POLICY_DEFAULTS = {
  concurrency: 1,
  retryDelaysMs: [60_000, 180_000, 600_000],
  maxAttempts: 4,
  jitter: 0.1,
  deliveryLimit: 5,
} as const satisfies Partial<QueuePolicyInput>;

/** A worker's own numbers: its time limits always, anything else only where it differs from the defaults. */
export type WorkerPolicyLimits = Pick<QueuePolicyInput, 'softTimeLimitMs' | 'hardTimeLimitMs'> &
  Partial<Omit<QueuePolicyInput, 'queue' | 'softTimeLimitMs' | 'hardTimeLimitMs'>>;

/** Deployment-time overrides (e.g. short retry tiers for fault tests: QUIRE_RETRY_DELAYS_MS); unset = the policy's. */
export interface WorkerPolicyOverrides {
  retryDelaysMs?: number[] | undefined;
}

/**
 * The queue policy of the worker that owns `queue` (its `policy.ts`): WORKER_POLICY_DEFAULTS, then its `limits`,
 * then the deployment's `overrides`; prefetch equals concurrency unless stated. Validated like defineQueuePolicy.
 */
export function defineWorkerPolicy(
  queue: string,
  limits: WorkerPolicyLimits,
  overrides: WorkerPolicyOverrides = {},
): QueuePolicy {
  const concurrency = limits.concurrency ?? WORKER_POLICY_DEFAULTS.concurrency;
  return defineQueuePolicy({
    ...WORKER_POLICY_DEFAULTS,
    retryDelaysMs: [...WORKER_POLICY_DEFAULTS.retryDelaysMs],
    prefetch: concurrency,
    ...limits,
    ...(overrides.retryDelaysMs ? { retryDelaysMs: overrides.retryDelaysMs } : {}),
    queue,
  });
}

/**
 * Delay before a message whose job is held by another live worker is looked at again ('recheck'), when the policy
 * has no retry tiers of its own (e.g. the maintenance queue, which never retries). Its tier queue is declared too.
 */
export const RECHECK_DELAY_MS = 60_000;

/** The tier a 'recheck' goes through: the first retry tier, else RECHECK_DELAY_MS. */
export function recheckTierMs(policy: Pick<QueuePolicy, 'retryDelaysMs'>): number {
  return policy.retryDelaysMs[0] ?? RECHECK_DELAY_MS;
}

/** Names derived from a policy; the single source of naming for exchanges and queues. */
export const topologyNames = {
  jobsExchange: 'quire.jobs',
  deadLetterExchange: 'quire.dlx',
  controlExchange: 'quire.control',
  retryQueue: (queue: string, delayMs: number) =>
    delayMs % 1000 === 0 ? `${queue}.retry.${delayMs / 1000}s` : `${queue}.retry.${delayMs}ms`,
  deadLetterQueue: (queue: string) => `${queue}.dlq`,
};
