import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { DependencyUnavailableError, NotFoundError, ValidationError } from '@quire/errors';
import { QUEUES, type JobRepository, type QueueName } from '@quire/job-model';
import type { Logger } from '@quire/logging';
import { ATTEMPT_HEADER, REASON_HEADER, topologyNames, type AmqpConnection } from '@quire/messaging';
import type { Channel, GetMessage } from 'amqplib';

export interface DeadLetterRouteDeps {
  jobs: JobRepository;
  connection: AmqpConnection;
  logger: Logger;
  onJobRequeued: () => void;
}

interface DeadLetter {
  jobId: string | null;
  type: string | null;
  reason: string | null;
  attempts: number | null;
  correlationId: string | null;
  deadLetteredBy: 'worker' | 'broker';
}

const MAX_SCAN = 1000;

/** Admin: queue depths and the dead letters of each queue (list, replay one or all, purge). */
export function deadLettersRouter(deps: DeadLetterRouteDeps): Router {
  const router = Router();

  router.get('/queues', async (_req: Request, res: Response) => {
    const rows = await withChannel(deps.connection, async (ch) => {
      const out = [];
      for (const q of QUEUES) {
        const main = await check(ch, q);
        const dlq = await check(ch, topologyNames.deadLetterQueue(q));
        out.push({
          queue: q,
          declared: main !== null,
          messages: main?.messageCount ?? 0,
          consumers: main?.consumerCount ?? 0,
          deadLetters: dlq?.messageCount ?? 0,
        });
      }
      return out;
    });
    res.json({ items: rows });
  });

  router.get('/dead-letters/:queue', async (req: Request, res: Response) => {
    const queue = queueParam(req);
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
      for (let i = 0; i < limit; i++) {
        const msg = await ch.get(topologyNames.deadLetterQueue(queue), { noAck: false });
        if (!msg) break;
        out.push(describe(msg));
      }
      return out;
    });
    res.json({ queue, items });
  });

  /** Replays one job (`{ "jobId": "…" }`) or every dead letter (`{}`): the job goes back to `pending` and is republished. */
  router.post('/dead-letters/:queue/replay', async (req: Request, res: Response) => {
    const queue = queueParam(req);
    const body = z
      .object({ jobId: z.string().uuid().optional() })
      .strict()
      .safeParse(req.body ?? {});
    if (!body.success) throw new ValidationError('body must be {} or { "jobId": "<uuid>" }');
    const only = body.data.jobId;
    const result = await withChannel(deps.connection, async (ch) => {
      const replayed: string[] = [];
      const skipped: Array<{ jobId: string | null; reason: string }> = [];
      for (let i = 0; i < MAX_SCAN; i++) {
        const msg = await ch.get(topologyNames.deadLetterQueue(queue), { noAck: false });
        if (!msg) break;
        const dl = describe(msg);
        if (only && dl.jobId !== only) continue; // left unacked: returned to the queue on close
        const job = dl.jobId ? await deps.jobs.requeue(dl.jobId) : null;
        if (job) replayed.push(job.id);
        else
          skipped.push({
            jobId: dl.jobId,
            reason: dl.jobId
              ? 'job is not failed or cancelled (or no longer exists)'
              : 'message carries no job id',
          });
        ch.ack(msg);
        if (only) break;
      }
      return { replayed, skipped };
    });
    if (only && result.replayed.length === 0 && result.skipped.length === 0)
      throw new NotFoundError(`no dead letter for job ${only} in ${queue}.dlq`);
    if (result.replayed.length) deps.onJobRequeued();
    deps.logger.info('dead letters replayed', {
      queue,
      replayed: result.replayed.length,
      skipped: result.skipped.length,
    });
    res.json({ queue, ...result });
  });

  router.delete('/dead-letters/:queue', async (req: Request, res: Response) => {
    const queue = queueParam(req);
    const { messageCount } = await withChannel(deps.connection, (ch) =>
      ch.purgeQueue(topologyNames.deadLetterQueue(queue)),
    );
    deps.logger.info('dead letters purged', { queue, purged: messageCount });
    res.json({ queue, purged: messageCount });
  });

  return router;
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
  ch: Channel,
  queue: string,
): Promise<{ messageCount: number; consumerCount: number } | null> {
  const conn = (ch as unknown as { connection: { createChannel(): Promise<Channel> } }).connection;
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

function describe(msg: GetMessage): DeadLetter {
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
