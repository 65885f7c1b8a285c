import type { Logger } from '@quire/logging';
import type { ConfirmPublisher } from '@quire/messaging';
import type { OutboxMessage, OutboxRepository } from '@quire/job-model';

/**
 * Publishes outbox rows with publisher confirms and marks them sent (ARCHITECTURE §4). `nudge()` publishes right
 * after a job is created; a periodic sweep re-publishes anything left behind (broker down, gateway restarted).
 * Rows are locked with SKIP LOCKED, so several gateway replicas can run relays side by side.
 */
export class OutboxRelay {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly publisher: ConfirmPublisher,
    private readonly logger: Logger,
    private readonly sweepMs: number,
    private readonly batchSize = 100,
  ) {}

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
      const { sent, pending } = await this.outbox.drain(this.batchSize, (rows) => this.publishAll(rows));
      if (pending > 0 || sent < this.batchSize) return;
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  private async publishAll(rows: OutboxMessage[]): Promise<string[]> {
    const sent: string[] = [];
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
        this.logger.warn('outbox publish failed; will retry', { jobId: row.jobId, err: String(err) });
        break;
      }
    }
    return sent;
  }
}
