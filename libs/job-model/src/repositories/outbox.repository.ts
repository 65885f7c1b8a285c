import type { DataSource } from 'typeorm';
import type { RelayMessage } from '@quire/messaging';

/** First key of the relay's per-queue transaction locks ('QOBX'), apart from every other advisory lock. */
const OUTBOX_LOCK_NAMESPACE = 0x514f4258;

/** An outbox row: what the relay publishes, plus how often publishing it was tried. */
export interface OutboxMessage extends RelayMessage {
  publishAttempts: number;
}

/** What the publish callback of `drain` reports: the ids sent, and those to set aside for a while (unroutable). */
export interface OutboxPublishOutcome {
  sent: string[];
  deferred?: string[];
}

/** The longest a deferred row waits before the relay tries it again. */
const MAX_DEFER_SECONDS = 30;

/**
 * How many of one tenant's messages may sit in one queue unclaimed (published, its job still `pending`, or a due
 * `retrying`) before the relay holds the tenant's next ones back in the outbox: 1, the worker prefetch of every
 * Quire queue (concurrency 1). A newcomer then waits behind at most one message per busy tenant, while a lone
 * tenant loses no throughput: its next message is published the moment a worker claims the previous one, a whole
 * job's duration before that worker asks for more (docs/architecture.md §11 (tenancy and fair sharing)).
 */
export const DEFAULT_FAIR_PUBLISH_CAP = 1;

/** A `processing` job whose heartbeat is older than this has no live worker: it holds no slot of the window. */
const DEFAULT_STALE_AFTER_MS = 30_000;

/** The per-(tenant, queue) cap of unclaimed messages, with per-queue overrides (e.g. a queue with many consumers). */
export interface FairPublishing {
  cap: number;
  capByQueue?: Record<string, number>;
  /**
   * Optional dispatch window per queue: the jobs of a queue unclaimed or running (all tenants) at most; set it to
   * the queue's worker slots (replicas × concurrency) and a message is published only when a worker is free to
   * take it, so a newcomer waits for the first worker to free up, never behind a queued message of a busy
   * tenant. Costs a relay round trip (claim → publish → delivery) per job; a queue left out has no window.
   */
  windowByQueue?: Record<string, number>;
  /** A `processing` job with an older heartbeat holds no slot of the window (its worker is gone). Default 30 s. */
  staleAfterMs?: number;
}

/** The channel every relay LISTENs on: a job left `pending`/`retrying`, so its tenant has a free slot in `queue`. */
export const OUTBOX_SLOT_CHANNEL = 'quire_outbox_slot';

/** What one drain did. */
export interface DrainOutcome {
  sent: number;
  /** Rows whose publish failed (broker trouble): the relay stops and the sweep tries again. */
  pending: number;
  deferred: number;
  /** Rows of jobs that are no longer waiting (cancelled while held back, or gone): marked sent, not published. */
  dropped: number;
}

/** The only access to the `outbox` table. */
export class OutboxRepository {
  private readonly capByQueue: string;

  private readonly windowByQueue: string;

  constructor(
    private readonly ds: DataSource,
    private readonly fairness: FairPublishing = { cap: DEFAULT_FAIR_PUBLISH_CAP },
  ) {
    this.capByQueue = JSON.stringify(fairness.capByQueue ?? {});
    this.windowByQueue = JSON.stringify(fairness.windowByQueue ?? {});
  }

  /**
   * Publishes fairly (docs/architecture.md §11 (tenancy and fair sharing)), in one transaction:
   * 1. takes the transaction advisory lock of each queue with rows to publish that no other relay is publishing
   *    (`pg_try_advisory_xact_lock`): per queue, one relay at a time counts and publishes, so the cap holds across
   *    every gateway replica and the maintenance scheduler; queues held by another relay are skipped (it has them);
   * 2. marks sent, without publishing, the rows of jobs no longer waiting (cancelled while held back);
   * 3. ranks each (tenant, queue)'s unsent rows oldest first and admits a row while its tenant's unclaimed messages
   *    in that queue plus its rank stay within the cap; admitted rows go out least-served tenant first (that sum
   *    plus the tenant's running jobs there; between equals, the tenant published longest ago: `outbox_turn`), so
   *    a queue's workers see the tenants' jobs interleaved, not one tenant's backlog first; a queue with a
   *    dispatch window takes only as many as the window has free (its jobs unclaimed or running, all tenants);
   * 4. locks them (`FOR UPDATE SKIP LOCKED`), hands them to `publish`, marks the ids it returns as sent.
   * Held-back rows simply stay unsent: their jobs are `pending`, cancellable, and published when a slot frees.
   * `olderThanMs` lets the sweeper leave fresh rows to the immediate relay. Deferred (unroutable) rows wait
   * 2^attempts seconds (at most 30 s) before they are handed out again.
   */
  async drain(
    limit: number,
    publish: (rows: OutboxMessage[]) => Promise<OutboxPublishOutcome>,
    options: { olderThanMs?: number } = {},
  ): Promise<DrainOutcome> {
    const none: DrainOutcome = { sent: 0, pending: 0, deferred: 0, dropped: 0 };
    return this.ds.transaction(async (em) => {
      const olderThan = (options.olderThanMs ?? 0) / 1000;
      const keys = await em.query<Array<{ routing_key: string }>>(
        `SELECT DISTINCT routing_key FROM outbox
          WHERE sent_at IS NULL AND created_at <= now() - make_interval(secs => $1)
            AND (not_before IS NULL OR not_before <= now())`,
        [olderThan],
      );
      if (keys.length === 0) return none;
      const locked = await em.query<Array<{ key: string }>>(
        `SELECT key FROM unnest($1::text[]) AS key
          WHERE pg_try_advisory_xact_lock($2::int, hashtext('quire:outbox-queue:' || key))`,
        [keys.map((k) => k.routing_key), OUTBOX_LOCK_NAMESPACE],
      );
      const queues = locked.map((k) => k.key);
      if (queues.length === 0) return none;
      const droppedRows = await em.query<[unknown[], number]>(
        `UPDATE outbox o SET sent_at = now()
          WHERE o.sent_at IS NULL AND o.routing_key = ANY($1::text[])
            AND NOT EXISTS (SELECT 1 FROM job j WHERE j.id = o.job_id AND j.status IN ('pending', 'retrying'))`,
        [queues],
      );
      const dropped = droppedRows[1];
      const rows = await em.query<Array<Record<string, unknown>>>(
        `WITH ranked AS (
           SELECT o.id, o.routing_key, j.tenant_id,
                  row_number() OVER (PARTITION BY j.tenant_id, o.routing_key ORDER BY o.id) AS rank
             FROM outbox o JOIN job j ON j.id = o.job_id
            WHERE o.sent_at IS NULL AND o.routing_key = ANY($1::text[])
              AND o.created_at <= now() - make_interval(secs => $2)
              AND (o.not_before IS NULL OR o.not_before <= now())
         ),
         unclaimed AS (
           SELECT j.tenant_id, j.queue, count(*) AS n
             FROM job j
            WHERE j.queue = ANY($1::text[])
              AND (j.status = 'pending'
                   OR (j.status = 'retrying' AND (j.next_attempt_at IS NULL OR j.next_attempt_at <= now())))
              AND NOT EXISTS (SELECT 1 FROM outbox u WHERE u.job_id = j.id AND u.sent_at IS NULL)
            GROUP BY j.tenant_id, j.queue
         ),
         running AS (
           SELECT j.tenant_id, j.queue, count(*) AS n
             FROM job j
            WHERE j.queue = ANY($1::text[]) AND j.status = 'processing'
              AND j.heartbeat_at > now() - make_interval(secs => $7)
            GROUP BY j.tenant_id, j.queue
         ),
         occupied AS (
           SELECT queue, sum(n) AS n FROM (SELECT queue, n FROM unclaimed UNION ALL SELECT queue, n FROM running) x
            GROUP BY queue
         ),
         admitted AS (
           SELECT r.id, r.routing_key, r.rank + coalesce(u.n, 0) + coalesce(p.n, 0) AS position,
                  t.last_published_at AS turn
             FROM ranked r
             LEFT JOIN unclaimed u ON u.tenant_id = r.tenant_id AND u.queue = r.routing_key
             LEFT JOIN running p ON p.tenant_id = r.tenant_id AND p.queue = r.routing_key
             LEFT JOIN outbox_turn t ON t.tenant_id = r.tenant_id AND t.queue = r.routing_key
            WHERE r.rank + coalesce(u.n, 0) <= coalesce(($3::jsonb ->> r.routing_key)::int, $4::int)
         ),
         windowed AS (
           SELECT a.id, a.position, a.turn,
                  row_number() OVER (PARTITION BY a.routing_key ORDER BY a.position, a.turn NULLS FIRST, a.id) AS slot,
                  ($6::jsonb ->> a.routing_key)::int - coalesce(q.n, 0) AS free
             FROM admitted a LEFT JOIN occupied q ON q.queue = a.routing_key
         ),
         picked AS (
           SELECT id, position, turn FROM windowed
            WHERE free IS NULL OR slot <= free
            ORDER BY position, turn NULLS FIRST, id
            LIMIT $5
         )
         SELECT o.id, o.job_id, o.exchange, o.routing_key, o.payload, o.properties, o.publish_attempts
           FROM outbox o JOIN picked a ON a.id = o.id
          WHERE o.sent_at IS NULL
          ORDER BY a.position, a.turn NULLS FIRST, o.id
          FOR UPDATE OF o SKIP LOCKED`,
        [
          queues,
          olderThan,
          this.capByQueue,
          this.fairness.cap,
          limit,
          this.windowByQueue,
          (this.fairness.staleAfterMs ?? DEFAULT_STALE_AFTER_MS) / 1000,
        ],
      );
      if (rows.length === 0) return { ...none, dropped };
      const messages: OutboxMessage[] = rows.map((r) => ({
        id: String(r.id),
        jobId: r.job_id as string,
        exchange: r.exchange as string,
        routingKey: r.routing_key as string,
        payload: r.payload as Record<string, unknown>,
        properties: r.properties as Record<string, unknown>,
        publishAttempts: r.publish_attempts as number,
      }));
      const { sent: sentIds, deferred = [] } = await publish(messages);
      if (sentIds.length > 0) {
        await em.query(`UPDATE outbox SET sent_at = now() WHERE id = ANY($1::bigint[])`, [sentIds]);
        // Their tenants just had their turn in these queues.
        await em.query(
          `INSERT INTO outbox_turn (tenant_id, queue, last_published_at)
           SELECT tenant_id, routing_key, clock_timestamp()
             FROM (SELECT DISTINCT j.tenant_id, o.routing_key
                     FROM outbox o JOIN job j ON j.id = o.job_id WHERE o.id = ANY($1::bigint[])) served
           ON CONFLICT (tenant_id, queue) DO UPDATE SET last_published_at = excluded.last_published_at`,
          [sentIds],
        );
      }
      if (deferred.length > 0) {
        await em.query(
          `UPDATE outbox SET publish_attempts = publish_attempts + 1,
                  not_before = now() + make_interval(secs => least(power(2, publish_attempts), $2))
            WHERE id = ANY($1::bigint[])`,
          [deferred, MAX_DEFER_SECONDS],
        );
      }
      const failed = messages
        .filter((m) => !sentIds.includes(m.id) && !deferred.includes(m.id))
        .map((m) => m.id);
      if (failed.length > 0) {
        await em.query(
          `UPDATE outbox SET publish_attempts = publish_attempts + 1 WHERE id = ANY($1::bigint[])`,
          [failed],
        );
      }
      // Deferred rows are not "pending": the next batch may hold rows other queues accept.
      return { sent: sentIds.length, pending: failed.length, deferred: deferred.length, dropped };
    });
  }

  /** Queues a message for an existing job (retry or dead-letter replay). */
  async enqueue(message: Omit<OutboxMessage, 'id' | 'publishAttempts'>): Promise<void> {
    await this.ds.query(
      `INSERT INTO outbox (job_id, exchange, routing_key, payload, properties) VALUES ($1, $2, $3, $4::jsonb, $5::jsonb)`,
      [
        message.jobId,
        message.exchange,
        message.routingKey,
        JSON.stringify(message.payload),
        JSON.stringify(message.properties),
      ],
    );
  }

  async countUnsent(): Promise<number> {
    const rows = await this.ds.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL`,
    );
    return rows[0]?.n ?? 0;
  }
}
