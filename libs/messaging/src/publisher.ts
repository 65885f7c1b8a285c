import type { ConfirmChannel, Options } from 'amqplib';
import { DependencyUnavailableError, UnroutableMessageError } from '@quire/errors';
import type { AmqpConnection } from './connection';

export interface PublishOptions {
  messageId: string;
  correlationId?: string;
  type?: string;
  headers?: Record<string, unknown>;
  /** Per-message TTL in ms (used for retry jitter). */
  expirationMs?: number;
}

/**
 * Publishes persistent JSON messages on a confirm channel with `mandatory`, resolving only when the broker has
 * confirmed the message AND routed it; an unroutable message (no queue bound) is an error, not a silent drop.
 */
export class ConfirmPublisher {
  private channel: ConfirmChannel | null = null;
  private readonly returned = new Set<string>();

  constructor(private readonly connection: AmqpConnection) {}

  /** Registers the channel setup; call once before publishing. */
  async start(): Promise<void> {
    await this.connection.addSetup(async (conn) => {
      const ch = await conn.createConfirmChannel();
      ch.on('return', (msg: { properties: { messageId?: string } }) => {
        if (msg.properties.messageId) this.returned.add(msg.properties.messageId);
      });
      ch.on('close', () => {
        if (this.channel === ch) this.channel = null;
      });
      ch.on('error', () => undefined);
      this.channel = ch;
    });
  }

  get ready(): boolean {
    return this.channel !== null;
  }

  async publish(exchange: string, routingKey: string, body: unknown, options: PublishOptions): Promise<void> {
    const ch = this.channel;
    if (!ch) throw new DependencyUnavailableError('message broker unavailable');
    const props: Options.Publish = {
      persistent: true,
      mandatory: true,
      contentType: 'application/json',
      messageId: options.messageId,
      timestamp: Math.floor(Date.now() / 1000),
    };
    if (options.correlationId) props.correlationId = options.correlationId;
    if (options.type) props.type = options.type;
    if (options.headers) props.headers = options.headers;
    if (options.expirationMs !== undefined) props.expiration = String(options.expirationMs);
    await new Promise<void>((resolve, reject) => {
      try {
        ch.publish(exchange, routingKey, Buffer.from(JSON.stringify(body)), props, (err) => {
          if (err)
            reject(new DependencyUnavailableError('broker did not confirm the message', { cause: err }));
          else resolve();
        });
      } catch (err) {
        reject(new DependencyUnavailableError('message broker unavailable', { cause: err }));
      }
    });
    if (this.returned.delete(options.messageId)) {
      throw new UnroutableMessageError(`message unroutable: no queue bound to ${exchange}/${routingKey}`);
    }
  }
}
