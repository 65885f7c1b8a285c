import { UnroutableMessageError } from '@quire/errors';
import type { Logger } from '@quire/logging';
import type { ConfirmPublisher } from './publisher';

/** One outbox row as the relay needs it (the job model's OutboxMessage extends it). */
export interface RelayMessage {
  id: string;
  jobId: string;
  exchange: string;
  routingKey: string;
  payload: Record<string, unknown>;
  properties: Record<string, unknown>;
}

/**
 * Where the relay takes rows from: the job model's OutboxRepository. `drain` locks up to `limit` unsent rows
 * (FOR UPDATE SKIP LOCKED), hands them to `publish`, and marks as sent the ids it returns (and sets aside for a
 * while the ones it defers), in one transaction. It hands out only what fair publishing admits (each tenant's
 * share of each queue), so fewer than `limit` rows does not mean the outbox is empty.
 */
export interface OutboxSource {
  drain(
    limit: number,
    publish: (rows: RelayMessage[]) => Promise<{ sent: string[]; deferred?: string[] }>,
  ): Promise<{ sent: number; pending: number; deferred?: number }>;
}

/**
 * Publishes outbox rows with publisher confirms and marks them sent (docs/architecture.md §4). `nudge()` publishes right
 * after a job is created, and whenever a queue slot frees (the job model's OutboxWakeup: a worker claimed a job, so
 * a held-back message of its tenant may go; docs/architecture.md §11 (tenancy and fair sharing)); a periodic sweep
 * (every `sweepMs`) re-publishes anything left behind (broker down, process restarted, a missed wake-up). Rows are locked with SKIP LOCKED, so every process that writes outbox rows (the gateway, the
 * maintenance worker's scheduler) runs one, side by side, and each row is published by exactly one of them.
 */
export class OutboxRelay {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  /** Last time an unroutable routing key was reported, so a queue with no worker yet is logged once a minute. */
  private readonly unroutableWarned = new Map<string, number>();

  constructor(
    private readonly outbox: OutboxSource,
    private readonly publisher: ConfirmPublisher,
    private readonly logger: Logger,
    private readonly sweepMs: number,
    private readonly batchSize = 100,
  ) {}

  /** Starts the periodic sweep. */
  start(): void {
    this.timer = setInterval(() => this.nudge(), this.sweepMs);
  }

  /** Runs a drain now (coalesced with one already running). */
  nudge(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drainAll()
      .catch((err: unknown) => {
        this.logger.warn('outbox relay pass failed', { err: String(err) });
      })
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.nudge();
        }
      });
  }

  /** Drains until empty or the broker refuses. */
  async drainAll(): Promise<void> {
    if (!this.publisher.ready) return;
    for (;;) {
      const {
        sent,
        pending,
        deferred = 0,
      } = await this.outbox.drain(this.batchSize, (rows) => this.publishAll(rows));
      if (pending > 0 || sent + deferred < this.batchSize) return;
    }
  }

  /** Stops the sweep and waits for a pass in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Same as `stop()` (so the relay can be handed over as a closeable). */
  close(): Promise<void> {
    return this.stop();
  }

  private async publishAll(rows: RelayMessage[]): Promise<{ sent: string[]; deferred: string[] }> {
    const sent: string[] = [];
    const deferred: string[] = [];
    for (const row of rows) {
      try {
        const props = row.properties as { messageId?: string; correlationId?: string; type?: string };
        await this.publisher.publish(row.exchange, row.routingKey, row.payload, {
          messageId: props.messageId ?? `outbox-${row.id}`,
          ...(props.correlationId ? { correlationId: props.correlationId } : {}),
          ...(props.type ? { type: props.type } : {}),
        });
        sent.push(row.id);
      } catch (err) {
        if (err instanceof UnroutableMessageError) {
          // No queue bound for this job type yet (its worker never started): the row waits, but must not hold up
          // rows bound for other queues.
          const key = `${row.exchange}/${row.routingKey}`;
          const last = this.unroutableWarned.get(key) ?? 0;
          if (Date.now() - last > 60_000) {
            this.unroutableWarned.set(key, Date.now());
            this.logger.warn(
              'outbox message unroutable (no queue bound yet: is its worker deployed?); will retry',
              {
                jobId: row.jobId,
                routingKey: row.routingKey,
              },
            );
          }
          deferred.push(row.id);
          continue;
        }
        this.logger.warn('outbox publish failed; will retry', { jobId: row.jobId, err: String(err) });
        break;
      }
    }
    return { sent, deferred };
  }
}
