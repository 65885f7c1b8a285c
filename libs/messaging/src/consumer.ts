import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { CancelledError, TimeoutError, toQuireError, type QuireError } from '@quire/errors';
import type { Logger } from '@quire/logging';
import type { AmqpConnection } from './connection';
import { recheckTierMs, topologyNames, type QueuePolicy } from './policy';
import type { ConfirmPublisher } from './publisher';
import { decideDisposition, type Disposition } from './retry-decision';
import { declareQueueTopology } from './topology';

export const ATTEMPT_HEADER = 'x-quire-attempt';
export const REASON_HEADER = 'x-quire-reason';

/** One message as the handler sees it. */
export interface Delivery {
  body: unknown;
  messageId: string | undefined;
  correlationId: string | undefined;
  type: string | undefined;
  headers: Record<string, unknown>;
  redelivered: boolean;
  /** Quorum queues count deliveries (crashes included) in `x-delivery-count`. */
  deliveryCount: number;
  /** Attempt number carried by the message (1 for a fresh message, +1 per retry). */
  attempt: number;
}

export interface HandlerContext {
  /** Aborted at the policy's soft time limit (reason: TimeoutError), on shutdown past the grace period, or by the handler's owner. */
  signal: AbortSignal;
  /** The handler reports the real attempt number (e.g. from the job row) so retry decisions use it. */
  setAttempt(attempt: number): void;
}

/**
 * - `done`: ack.
 * - `recheck`: another worker holds the job; look again after the first retry tier (no attempt is spent), so a job
 *   whose worker dies later is not stranded.
 */
export type HandleResult = 'done' | 'recheck';

export interface ConsumerHandlers {
  handle(delivery: Delivery, ctx: HandlerContext): Promise<HandleResult>;
  /** Record the retry (job → retrying) before the message moves to the retry queue. */
  onRetry(
    delivery: Delivery,
    error: QuireError,
    disposition: Extract<Disposition, { kind: 'retry' }>,
  ): Promise<void>;
  /** Record the failure (job → failed) before the message is acked or dead-lettered. */
  onFail(
    delivery: Delivery,
    error: QuireError,
    disposition: Extract<Disposition, { kind: 'fail' }>,
  ): Promise<void>;
}

export interface ConsumerOptions {
  connection: AmqpConnection;
  publisher: ConfirmPublisher;
  policy: QueuePolicy;
  handlers: ConsumerHandlers;
  logger: Logger;
  /** Wait before requeueing a message whose outcome could not be recorded (DB/broker down). Default 2 s. */
  requeueDelayMs?: number;
}

/**
 * The consumer runtime: declares the policy's topology on every (re)connect, consumes with prefetch = concurrency,
 * enforces soft/hard time limits, and maps every outcome to ack / retry / dead-letter in one place.
 * Deliveries belong to the channel they came on: after a reconnect, stale deliveries are dropped (never acked on
 * the new channel) and the broker redelivers them; the job lease makes that safe.
 */
export class QueueConsumer {
  private channel: Channel | null = null;
  private consumerTag: string | null = null;
  private stopping = false;
  private readonly inFlight = new Map<number, { controller: AbortController; done: Promise<void> }>();
  private seq = 0;

  constructor(private readonly options: ConsumerOptions) {}

  get activeCount(): number {
    return this.inFlight.size;
  }

  get consuming(): boolean {
    return this.channel !== null && this.consumerTag !== null;
  }

  async start(): Promise<void> {
    await this.options.connection.addSetup((conn) => this.openChannel(conn));
  }

  private async openChannel(conn: ChannelModel): Promise<void> {
    const ch = await conn.createChannel();
    ch.on('error', (err: Error) => this.options.logger.warn('consumer channel error', { err: err.message }));
    ch.on('close', () => {
      if (this.channel !== ch) return;
      this.channel = null;
      this.consumerTag = null;
      // The broker can close just this channel (e.g. consumer_timeout, a precondition failure) while the connection
      // lives on; reopen it, or this process would silently stop consuming. Connection loss is the connection's job.
      if (!this.stopping && this.options.connection.current === conn) {
        this.options.logger.warn('consumer channel closed by the broker; reopening');
        setTimeout(() => {
          if (!this.stopping && this.options.connection.current === conn) {
            this.openChannel(conn).catch((err: unknown) =>
              this.options.logger.error('could not reopen the consumer channel', { err: String(err) }),
            );
          }
        }, 1_000);
      }
    });
    await declareQueueTopology(ch, this.options.policy);
    if (this.stopping) return;
    await ch.prefetch(this.options.policy.prefetch);
    this.channel = ch;
    const { consumerTag } = await ch.consume(this.options.policy.queue, (msg) => {
      if (msg) this.track(ch, msg);
    });
    this.consumerTag = consumerTag;
    this.options.logger.info('consuming', {
      queue: this.options.policy.queue,
      prefetch: this.options.policy.prefetch,
    });
  }

  /**
   * Graceful stop: no new deliveries, in-flight jobs get `graceMs` to finish, then are aborted; their outcome is
   * still recorded and acked before the channel closes.
   */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    const ch = this.channel;
    if (ch && this.consumerTag) await ch.cancel(this.consumerTag).catch(() => undefined);
    this.consumerTag = null;
    const all = Promise.all([...this.inFlight.values()].map((f) => f.done));
    const timer = setTimeout(() => {
      // Retryable: the job is fine, this worker is going away (another one takes it from the retry queue).
      for (const f of this.inFlight.values()) f.controller.abort(CancelledError.because('shutdown'));
    }, graceMs);
    await all;
    clearTimeout(timer);
    if (ch) await ch.close().catch(() => undefined);
    this.channel = null;
  }

  private track(ch: Channel, msg: ConsumeMessage): void {
    const id = ++this.seq;
    const controller = new AbortController();
    const done = this.process(ch, msg, controller)
      .catch((err: unknown) => {
        this.options.logger.error('consumer bug: unhandled', { err: String(err) });
      })
      .finally(() => this.inFlight.delete(id));
    this.inFlight.set(id, { controller, done });
  }

  private async process(ch: Channel, msg: ConsumeMessage, controller: AbortController): Promise<void> {
    const { policy, handlers, logger } = this.options;
    const delivery = toDelivery(msg);
    let attempt = delivery.attempt;
    const ctx: HandlerContext = { signal: controller.signal, setAttempt: (n) => (attempt = n) };
    const soft = setTimeout(
      () =>
        controller.abort(new TimeoutError(`timed out after ${Math.round(policy.softTimeLimitMs / 1000)} s`)),
      policy.softTimeLimitMs,
    );
    let hardTimer: NodeJS.Timeout | undefined;
    const hard = new Promise<never>((_, reject) => {
      hardTimer = setTimeout(
        () =>
          reject(
            new TimeoutError(`hard time limit of ${Math.round(policy.hardTimeLimitMs / 1000)} s exceeded`),
          ),
        policy.hardTimeLimitMs,
      );
    });
    try {
      const result = await Promise.race([handlers.handle(delivery, ctx), hard]);
      if (result === 'recheck') await this.republishToRetry(delivery, msg, recheckTierMs(policy), attempt);
      this.ack(ch, msg);
    } catch (raw) {
      const error = toQuireError(raw);
      try {
        const disposition = decideDisposition(error, attempt, policy);
        if (disposition.kind === 'retry') {
          await handlers.onRetry(delivery, error, disposition);
          await this.republishToRetry(
            delivery,
            msg,
            disposition.tierMs,
            disposition.attempt,
            disposition.delayMs,
          );
        } else {
          await handlers.onFail(delivery, error, disposition);
          if (disposition.deadLetter) await this.deadLetter(delivery, msg, disposition.reason, attempt);
        }
        this.ack(ch, msg);
      } catch (recordErr) {
        // The outcome could not be recorded (database or broker down). Requeue after a pause: the redelivery
        // retries the whole attempt, and the quorum queue's delivery limit stops an endless loop.
        logger.error('could not record job outcome; requeueing', {
          err: String(recordErr),
          code: error.code,
        });
        await new Promise((r) => setTimeout(r, this.options.requeueDelayMs ?? 2_000));
        if (this.channel === ch) ch.reject(msg, true);
      }
    } finally {
      clearTimeout(soft);
      clearTimeout(hardTimer);
    }
  }

  private ack(ch: Channel, msg: ConsumeMessage): void {
    // A delivery from a closed channel must not be acked on another one; the broker redelivers it.
    if (this.channel === ch) ch.ack(msg);
  }

  private async republishToRetry(
    delivery: Delivery,
    msg: ConsumeMessage,
    tierMs: number,
    attempt: number,
    delayMs = tierMs,
  ): Promise<void> {
    const queue = topologyNames.retryQueue(this.options.policy.queue, tierMs);
    await this.options.publisher.publish('', queue, delivery.body, {
      messageId: `${delivery.messageId ?? 'msg'}:r${attempt}:${Date.now()}`,
      ...(delivery.correlationId ? { correlationId: delivery.correlationId } : {}),
      ...(delivery.type ? { type: delivery.type } : {}),
      headers: { ...stripBrokerHeaders(msg), [ATTEMPT_HEADER]: attempt },
      expirationMs: delayMs,
    });
  }

  private async deadLetter(
    delivery: Delivery,
    msg: ConsumeMessage,
    reason: string,
    attempt: number,
  ): Promise<void> {
    await this.options.publisher.publish(
      topologyNames.deadLetterExchange,
      this.options.policy.queue,
      delivery.body,
      {
        messageId: `${delivery.messageId ?? 'msg'}:dlq:${Date.now()}`,
        ...(delivery.correlationId ? { correlationId: delivery.correlationId } : {}),
        ...(delivery.type ? { type: delivery.type } : {}),
        headers: { ...stripBrokerHeaders(msg), [ATTEMPT_HEADER]: attempt, [REASON_HEADER]: reason },
      },
    );
  }
}

function stripBrokerHeaders(msg: ConsumeMessage): Record<string, unknown> {
  const headers = { ...(msg.properties.headers ?? {}) } as Record<string, unknown>;
  for (const k of Object.keys(headers))
    if (
      k.startsWith('x-death') ||
      k === 'x-delivery-count' ||
      k.startsWith('x-first-death') ||
      k.startsWith('x-last-death')
    )
      delete headers[k];
  return headers;
}

function toDelivery(msg: ConsumeMessage): Delivery {
  let body: unknown;
  try {
    body = JSON.parse(msg.content.toString('utf8'));
  } catch {
    body = null;
  }
  const headers = (msg.properties.headers ?? {}) as Record<string, unknown>;
  const attempt = Number(headers[ATTEMPT_HEADER] ?? 1);
  return {
    body,
    messageId: msg.properties.messageId as string | undefined,
    correlationId: msg.properties.correlationId as string | undefined,
    type: msg.properties.type as string | undefined,
    headers,
    redelivered: msg.fields.redelivered,
    deliveryCount: Number(headers['x-delivery-count'] ?? 0),
    attempt: Number.isFinite(attempt) && attempt >= 1 ? attempt : 1,
  };
}
