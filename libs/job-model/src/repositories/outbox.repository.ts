import type { DataSource } from 'typeorm';
import type { RelayMessage } from '@quire/messaging';

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

/** The only access to the `outbox` table. */
export class OutboxRepository {
  constructor(private readonly ds: DataSource) {}

  /**
   * Locks up to `limit` unsent rows (`FOR UPDATE SKIP LOCKED`, so several gateway replicas never publish the same
   * row at once), hands them to `publish`, and marks as sent the ids it returns, all in one transaction.
   * `olderThanMs` lets the sweeper leave fresh rows to the immediate relay. Deferred rows wait 2^attempts seconds
   * (at most 30 s) before they are handed out again.
   */
  async drain(
    limit: number,
    publish: (rows: OutboxMessage[]) => Promise<OutboxPublishOutcome>,
    options: { olderThanMs?: number } = {},
  ): Promise<{ sent: number; pending: number; deferred: number }> {
    return this.ds.transaction(async (em) => {
      const rows = await em.query<Array<Record<string, unknown>>>(
        `SELECT id, job_id, exchange, routing_key, payload, properties, publish_attempts
           FROM outbox
          WHERE sent_at IS NULL AND created_at <= now() - make_interval(secs => $2)
            AND (not_before IS NULL OR not_before <= now())
          ORDER BY id
          LIMIT $1
          FOR UPDATE SKIP LOCKED`,
        [limit, (options.olderThanMs ?? 0) / 1000],
      );
      if (rows.length === 0) return { sent: 0, pending: 0, deferred: 0 };
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
      if (sentIds.length > 0)
        await em.query(`UPDATE outbox SET sent_at = now() WHERE id = ANY($1::bigint[])`, [sentIds]);
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
      return { sent: sentIds.length, pending: failed.length, deferred: deferred.length };
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
