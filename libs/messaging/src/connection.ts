import { EventEmitter } from 'node:events';
import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import type { Logger } from '@quire/logging';

export interface AmqpConnectionOptions {
  url: string;
  /** Shown in the management UI's connection list. */
  connectionName: string;
  logger: Logger;
  /** First reconnect delay; doubles up to `maxReconnectDelayMs`. Default 500 ms. */
  initialReconnectDelayMs?: number;
  /** Default 10 s. */
  maxReconnectDelayMs?: number;
  /** AMQP heartbeat in seconds. Default 15. */
  heartbeatSeconds?: number;
}

/** Runs on every (re)connect, so topology and consumers are re-declared after the broker comes back. */
export type SetupFn = (connection: ChannelModel) => Promise<void>;

/**
 * One AMQP connection that reconnects with exponential backoff and re-runs every registered setup function
 * on each connect (the amqp-connection-manager pattern). Emits `connected` and `disconnected`.
 */
export class AmqpConnection extends EventEmitter {
  private connection: ChannelModel | null = null;
  private readonly setups: SetupFn[] = [];
  private closing = false;
  private connecting: Promise<void> | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private delayMs: number;

  constructor(private readonly options: AmqpConnectionOptions) {
    super();
    this.delayMs = options.initialReconnectDelayMs ?? 500;
  }

  get isConnected(): boolean {
    return this.connection !== null;
  }

  /** The live connection, or null while disconnected. */
  get current(): ChannelModel | null {
    return this.connection;
  }

  /** Registers a setup function; runs it now if connected. */
  async addSetup(fn: SetupFn): Promise<void> {
    this.setups.push(fn);
    if (this.connection) await fn(this.connection);
  }

  /** Starts connecting; resolves on the first successful connect (retrying until then). */
  start(): Promise<void> {
    this.connecting ??= new Promise<void>((resolve) => {
      this.once('connected', () => resolve());
      void this.connectLoop();
    });
    return this.connecting;
  }

  /** Resolves once connected (immediately if already). */
  waitForConnection(): Promise<void> {
    if (this.connection) return Promise.resolve();
    return new Promise((resolve) => this.once('connected', () => resolve()));
  }

  private async connectLoop(): Promise<void> {
    if (this.closing) return;
    try {
      const conn = await amqp.connect(this.options.url, {
        heartbeat: this.options.heartbeatSeconds ?? 15,
        clientProperties: { connection_name: this.options.connectionName },
      });
      conn.on('error', (err: Error) =>
        this.options.logger.warn('amqp connection error', { err: err.message }),
      );
      conn.on('close', () => this.onClose());
      this.connection = conn;
      for (const setup of this.setups) await setup(conn);
      this.delayMs = this.options.initialReconnectDelayMs ?? 500;
      this.options.logger.info('amqp connected', { connectionName: this.options.connectionName });
      this.emit('connected');
    } catch (err) {
      this.options.logger.warn('amqp connect failed; will retry', {
        err: (err as Error).message,
        retryInMs: this.delayMs,
      });
      if (this.connection) {
        const c = this.connection;
        this.connection = null;
        await c.close().catch(() => undefined);
      }
      this.scheduleReconnect();
    }
  }

  private onClose(): void {
    if (!this.connection) return;
    this.connection = null;
    this.emit('disconnected');
    if (this.closing) return;
    this.options.logger.warn('amqp connection closed; reconnecting');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closing || this.reconnectTimer) return;
    const delay = this.delayMs;
    this.delayMs = Math.min(this.delayMs * 2, this.options.maxReconnectDelayMs ?? 10_000);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.connectLoop();
    }, delay);
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const conn = this.connection;
    this.connection = null;
    if (conn) await conn.close().catch(() => undefined);
  }

  /** A fresh confirm channel on the current connection; throws when disconnected. */
  async createConfirmChannel(): Promise<ConfirmChannel> {
    if (!this.connection) throw new Error('amqp not connected');
    return this.connection.createConfirmChannel();
  }
}
