import pg from 'pg';
import { OUTBOX_SLOT_CHANNEL } from './outbox.repository';

export interface OutboxWakeupOptions {
  databaseUrl: string;
  /** Called on every notification, and after (re)connecting (notifications sent meanwhile are lost). */
  onWake: () => void;
  /** Told when the listening connection fails (it is reopened after `retryMs`). */
  onError?: (err: unknown) => void;
  applicationName?: string;
  /** Wait before reconnecting after the connection failed. Default 1 s. */
  retryMs?: number;
}

/**
 * Wakes the outbox relay when a queue slot frees (docs/architecture.md §11 (tenancy and fair sharing)): LISTENs on
 * `quire_outbox_slot`, which a trigger notifies whenever a job leaves `pending`/`retrying` (a worker claimed it,
 * it was cancelled, …), so a held-back message is published at once instead of at the next sweep. Every relay
 * process runs one; the periodic sweep stays the backstop when this connection is down.
 */
export class OutboxWakeup {
  private client: pg.Client | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly options: OutboxWakeupOptions) {}

  /** Connects and listens; resolves once listening (or once the first attempt failed and a retry is scheduled). */
  async start(): Promise<void> {
    await this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const client = this.client;
    this.client = null;
    if (client) await client.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({
      connectionString: this.options.databaseUrl,
      application_name: this.options.applicationName ?? 'quire-outbox-wakeup',
      connectionTimeoutMillis: 5_000,
      keepAlive: true,
    });
    client.on('notification', (msg) => {
      if (msg.channel === OUTBOX_SLOT_CHANNEL) this.options.onWake();
    });
    client.on('error', (err) => this.failed(client, err));
    client.on('end', () => this.failed(client, new Error('connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN ${OUTBOX_SLOT_CHANNEL}`);
    } catch (err) {
      this.failed(client, err);
      return;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.options.onWake();
  }

  private failed(client: pg.Client, err: unknown): void {
    if (this.closed || this.retryTimer) return;
    if (this.client !== null && this.client !== client) return;
    this.client = null;
    void client.end().catch(() => undefined);
    this.options.onError?.(err);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connect();
    }, this.options.retryMs ?? 1_000);
  }
}
