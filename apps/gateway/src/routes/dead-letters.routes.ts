import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { DependencyUnavailableError, NotFoundError, ValidationError } from '@quire/errors';
import {
  QUEUE_MAX_ATTEMPTS,
  QUEUES,
  type JobEntity,
  type JobRepository,
  type JobStatus,
  type QueueName,
} from '@quire/job-model';
import type { Logger } from '@quire/logging';
import { ATTEMPT_HEADER, REASON_HEADER, topologyNames, type AmqpConnection } from '@quire/messaging';
import type { Channel, ChannelModel, GetMessage } from 'amqplib';
import { principalOf, requireOperator } from '../http/auth';

export interface DeadLetterRouteDeps {
  jobs: JobRepository;
  connection: AmqpConnection;
  logger: Logger;
  onJobRequeued: () => void;
  /**
   * A `processing` job whose heartbeat is older than this has no live worker (the workers' QUIRE_STALE_AFTER_MS):
   * replaying its dead letter takes it back.
   */
  staleAfterMs: number;
}

interface DeadLetter {
  jobId: string | null;
  type: string | null;
  reason: string | null;
  attempts: number | null;
  correlationId: string | null;
  deadLetteredBy: 'worker' | 'broker';
  /** The job's tenant and current status (null when the job no longer exists). */
  tenantId: string | null;
  jobStatus: JobStatus | null;
}

/**
 * What replay did with one dead letter:
 * - `requeued`: a failed or cancelled job went back to `pending` and was queued again (a re-run);
 * - `republished`: a `pending` or `retrying` job (never finished) was queued again as it is;
 * - `recovered`: a `processing` job nobody works on any more went back to `retrying` and was queued again;
 * - `dropped`: the dead letter was removed without queueing anything (completed or missing job, no job id, or a
 *   cancel that was pending);
 * - `kept`: left in the dead-letter queue (a live worker holds the job right now).
 */
type ReplayAction = 'requeued' | 'republished' | 'recovered' | 'dropped' | 'kept';
interface ReplayOutcome {
  jobId: string | null;
  action: ReplayAction;
  /** The job's status afterwards (null: no job). */
  status: JobStatus | null;
  reason?: string;
}

/** Queue throughput on /queues is averaged over this window. */
const RATE_WINDOW_MS = 5 * 60_000;

const MAX_SCAN = 1000;
const BATCH = 100;
const UUID = z.string().uuid();

/**
 * /v1/admin: queue depths and the dead letters of each queue. A tenant admin sees and replays the dead letters of
 * its own tenant's jobs only (others stay where they are, unseen); the platform operator sees every tenant's, and
 * alone may purge a dead-letter queue or read queue-wide depths.
 */
export function deadLettersRouter(deps: DeadLetterRouteDeps): Router {
  const router = Router();

  router.get('/queues', requireOperator, async (_req: Request, res: Response) => {
    const conn = deps.connection.current;
    if (!conn) throw new DependencyUnavailableError('message broker unavailable');
    const rates = await deps.jobs.finishedRates(RATE_WINDOW_MS);
    const rows = [];
    for (const q of QUEUES) {
      const main = await check(conn, q);
      const dlq = await check(conn, topologyNames.deadLetterQueue(q));
      rows.push({
        queue: q,
        declared: main !== null,
        messages: main?.messageCount ?? 0,
        consumers: main?.consumerCount ?? 0,
        deadLetters: dlq?.messageCount ?? 0,
        // Throughput from the job table (the broker's own rates need its management plugin).
        completedPerMinute: rates.get(q)?.completedPerMinute ?? 0,
        failedPerMinute: rates.get(q)?.failedPerMinute ?? 0,
      });
    }
    res.json({ items: rows });
  });

  router.get('/dead-letters/:queue', async (req: Request, res: Response) => {
    const queue = queueParam(req);
    const tenant = tenantScope(req);
    const limit = z.coerce
      .number()
      .int()
      .min(1)
      .max(MAX_SCAN)
      .default(100)
      .parse(req.query.limit ?? undefined);
    // Messages are read without acking, then returned to the queue when the channel closes.
    const items = await withChannel(deps.connection, async (ch) => {
      const out: DeadLetter[] = [];
      let scanned = 0;
      while (out.length < limit && scanned < MAX_SCAN) {
        const batch: Array<ReturnType<typeof describe>> = [];
        while (batch.length < BATCH && scanned < MAX_SCAN) {
          const msg = await ch.get(topologyNames.deadLetterQueue(queue), { noAck: false });
          if (!msg) break;
          scanned++;
          batch.push(describe(msg));
        }
        if (batch.length === 0) break;
        const jobs = await deps.jobs.findByIds(batch.flatMap((d) => (d.jobId ? [d.jobId] : [])));
        for (const d of batch) {
          const job = d.jobId ? jobs.get(d.jobId) : undefined;
          if (tenant && job?.tenantId !== tenant) continue;
          if (out.length < limit)
            out.push({ ...d, tenantId: job?.tenantId ?? null, jobStatus: job?.status ?? null });
        }
        if (batch.length < BATCH) break;
      }
      return out;
    });
    res.json({ queue, items });
  });

  /**
   * Replays one job's dead letter (`{ "jobId": "…" }`) or every one (`{}`) the caller may see. A dead letter is never
   * dropped while its job is unfinished: `pending`/`retrying` jobs are queued again, a `processing` job with no live
   * worker is taken back (retrying, queued again), failed or cancelled jobs are re-run (back to `pending`); only
   * dead letters of completed or missing jobs are removed without queueing anything. `outcomes` says which happened.
   */
  router.post('/dead-letters/:queue/replay', async (req: Request, res: Response) => {
    const queue = queueParam(req);
    const tenant = tenantScope(req);
    const body = z
      .object({ jobId: z.string().uuid().optional() })
      .strict()
      .safeParse(req.body ?? {});
    if (!body.success) throw new ValidationError('body must be {} or { "jobId": "<uuid>" }');
    const only = body.data.jobId;
    const outcomes = await withChannel(deps.connection, async (ch) => {
      const done: ReplayOutcome[] = [];
      const handled = new Set<string>();
      for (let i = 0; i < MAX_SCAN; i++) {
        const msg = await ch.get(topologyNames.deadLetterQueue(queue), { noAck: false });
        if (!msg) break;
        const dl = describe(msg);
        // Left unacked: returned to the queue when the channel closes.
        if (only && dl.jobId !== only) continue;
        const job = dl.jobId && UUID.safeParse(dl.jobId).success ? await deps.jobs.findById(dl.jobId) : null;
        // Another tenant's dead letter (or one without a job) is not a tenant admin's: left where it is, unseen.
        if (tenant && job?.tenantId !== tenant) continue;
        let outcome: ReplayOutcome;
        if (dl.jobId && handled.has(dl.jobId)) {
          outcome = {
            jobId: dl.jobId,
            action: 'dropped',
            status: job?.status ?? null,
            reason: 'another dead letter of this job was replayed just before',
          };
        } else {
          outcome = await replayOne(deps, queue, dl.jobId, job);
        }
        // Acked only once the job's new state and its outbox row are committed; on any error above the message
        // stays unacked and returns to the queue.
        if (outcome.action !== 'kept') {
          ch.ack(msg);
          if (dl.jobId) handled.add(dl.jobId);
        }
        done.push(outcome);
        if (only) break;
      }
      return done;
    });
    if (only && outcomes.length === 0)
      throw new NotFoundError(`no dead letter for job ${only} in ${queue}.dlq`);
    const queued = outcomes.filter((o) => ['requeued', 'republished', 'recovered'].includes(o.action));
    if (queued.length) deps.onJobRequeued();
    const count = (a: ReplayAction) => outcomes.filter((o) => o.action === a).length;
    deps.logger.info('dead letters replayed', {
      queue,
      requeued: count('requeued'),
      republished: count('republished'),
      recovered: count('recovered'),
      dropped: count('dropped'),
      kept: count('kept'),
    });
    res.json({
      queue,
      // Jobs queued again, whatever the way; `skipped`: dead letters removed without queueing; `kept`: left in place.
      replayed: queued.map((o) => o.jobId),
      skipped: outcomes
        .filter((o) => o.action === 'dropped')
        .map((o) => ({ jobId: o.jobId, reason: o.reason ?? '' })),
      kept: outcomes
        .filter((o) => o.action === 'kept')
        .map((o) => ({ jobId: o.jobId, reason: o.reason ?? '' })),
      outcomes,
    });
  });

  router.delete('/dead-letters/:queue', requireOperator, async (req: Request, res: Response) => {
    const queue = queueParam(req);
    const { messageCount } = await withChannel(deps.connection, (ch) =>
      ch.purgeQueue(topologyNames.deadLetterQueue(queue)),
    );
    deps.logger.info('dead letters purged', { queue, purged: messageCount });
    res.json({ queue, purged: messageCount });
  });

  return router;
}

/** The tenant whose dead letters the caller may see, or null for the platform operator (every tenant). */
function tenantScope(req: Request): string | null {
  const principal = principalOf(req);
  return principal.role === 'operator' ? null : principal.tenantId;
}

/**
 * Brings one dead letter's job back to a worker, by its current status. Each step is a conditional write of the job
 * model; when the job changed state in between (a worker took it, a user cancelled it), the status is read again.
 */
async function replayOne(
  deps: DeadLetterRouteDeps,
  queue: QueueName,
  jobId: string | null,
  first: JobEntity | null,
): Promise<ReplayOutcome> {
  if (!jobId) return { jobId, action: 'dropped', status: null, reason: 'message carries no job id' };
  let job = first;
  for (let round = 0; round < 5; round++) {
    if (!job) return { jobId, action: 'dropped', status: null, reason: 'job no longer exists' };
    switch (job.status) {
      case 'completed':
        return { jobId, action: 'dropped', status: job.status, reason: 'job already completed' };
      case 'failed':
      case 'cancelled': {
        const again = await deps.jobs.requeue(jobId);
        if (again) return { jobId, action: 'requeued', status: again.status };
        break;
      }
      case 'pending':
      case 'retrying': {
        const again = await deps.jobs.republish(jobId);
        if (again) return { jobId, action: 'republished', status: again.status };
        break;
      }
      case 'processing': {
        const recovered = await deps.jobs.recoverStale(jobId, {
          staleAfterMs: deps.staleAfterMs,
          maxAttempts: QUEUE_MAX_ATTEMPTS[queue],
        });
        if (recovered?.outcome === 'retrying')
          return { jobId, action: 'recovered', status: recovered.job.status };
        if (recovered?.outcome === 'cancelled')
          return {
            jobId,
            action: 'dropped',
            status: recovered.job.status,
            reason: 'a cancel was requested while no worker held the job: it is now cancelled',
          };
        // `failed` (that was its last attempt): the next round re-runs it like any failed job.
        if (!recovered) {
          const now = await deps.jobs.findById(jobId);
          if (now?.status === 'processing')
            return {
              jobId,
              action: 'kept',
              status: now.status,
              reason: 'a live worker is processing this job; the dead letter stays (replay it again later)',
            };
          job = now;
          continue;
        }
        break;
      }
    }
    job = await deps.jobs.findById(jobId);
  }
  return {
    jobId,
    action: 'kept',
    status: job?.status ?? null,
    reason: 'the job kept changing state; the dead letter stays (replay it again later)',
  };
}

function queueParam(req: Request): QueueName {
  const q = String(req.params.queue);
  if (!(QUEUES as readonly string[]).includes(q))
    throw new NotFoundError(`unknown queue "${q}"`, { details: { allowed: QUEUES } });
  return q as QueueName;
}

async function withChannel<T>(connection: AmqpConnection, fn: (ch: Channel) => Promise<T>): Promise<T> {
  const conn = connection.current;
  if (!conn) throw new DependencyUnavailableError('message broker unavailable');
  const ch = await conn.createChannel();
  ch.on('error', () => undefined);
  try {
    return await fn(ch);
  } finally {
    await ch.close().catch(() => undefined);
  }
}

/** checkQueue closes the channel when the queue is missing, so probe on a throwaway channel. */
async function check(
  conn: ChannelModel,
  queue: string,
): Promise<{ messageCount: number; consumerCount: number } | null> {
  const probe = await conn.createChannel();
  probe.on('error', () => undefined);
  try {
    return await probe.checkQueue(queue);
  } catch {
    return null;
  } finally {
    await probe.close().catch(() => undefined);
  }
}

function describe(msg: GetMessage): Omit<DeadLetter, 'tenantId' | 'jobStatus'> {
  let body: { jobId?: unknown; type?: unknown; correlationId?: unknown } = {};
  try {
    body = JSON.parse(msg.content.toString('utf8')) as typeof body;
  } catch {
    /* not JSON: reported with nulls */
  }
  const headers = (msg.properties.headers ?? {}) as Record<string, unknown>;
  const deaths = headers['x-death'] as Array<{ reason?: string }> | undefined;
  const reason =
    headers[REASON_HEADER] ??
    (deaths?.[0]?.reason === 'delivery_limit'
      ? 'delivery limit reached: the message kept crashing its consumer'
      : deaths?.[0]?.reason);
  return {
    jobId: typeof body.jobId === 'string' ? body.jobId : null,
    type: typeof body.type === 'string' ? body.type : null,
    reason: typeof reason === 'string' ? reason : null,
    attempts: typeof headers[ATTEMPT_HEADER] === 'number' ? headers[ATTEMPT_HEADER] : null,
    correlationId: typeof body.correlationId === 'string' ? body.correlationId : null,
    deadLetteredBy: headers[REASON_HEADER] ? 'worker' : 'broker',
  };
}
