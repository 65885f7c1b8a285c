import amqp from 'amqplib';
import { DependencyUnavailableError } from '@quire/errors';
import { topologyNames } from './policy';

/**
 * `http://user:pass@host:port` → a credential-free base URL and a Basic authorization header. Node's fetch()
 * refuses URLs that carry credentials, so they travel in the header instead. Without credentials in the URL,
 * `fallback` is used (e.g. those of the AMQP URL).
 */
export function parseManagementUrl(
  managementUrl: string,
  fallback: { user: string; password: string } = { user: 'guest', password: 'guest' },
): { baseUrl: string; user: string; authorization: string } {
  const u = new URL(managementUrl);
  const user = u.username ? decodeURIComponent(u.username) : fallback.user;
  const password = u.password ? decodeURIComponent(u.password) : fallback.password;
  u.username = '';
  u.password = '';
  return {
    baseUrl: u.toString().replace(/\/+$/, ''),
    user,
    authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
  };
}

/** The vhost an AMQP URL points at (`amqp://h/` and `amqp://h` are the default vhost `/`). */
export function vhostOfAmqpUrl(amqpUrl: string): string {
  const raw = new URL(amqpUrl).pathname.replace(/^\//, '');
  return raw === '' ? '/' : decodeURIComponent(raw);
}

/** One queue as the management API reports it. */
export interface ManagedQueue {
  name: string;
  /** Ready + unacknowledged. */
  messages: number;
  ready: number;
  unacked: number;
  consumers: number;
}

/** Depth and consumers of a work queue and of its dead-letter queue. */
export interface QueueHealth {
  queue: string;
  /** False when the queue does not exist (no worker of it has started yet). */
  declared: boolean;
  messages: number;
  ready: number;
  unacked: number;
  consumers: number;
  deadLetters: number;
}

/**
 * A small client of the RabbitMQ management HTTP API (queue depths, consumers). The management API refreshes its
 * numbers every `collect_statistics_interval` (5 s by default), so they may lag the broker by that much.
 */
export class RabbitManagementClient {
  private readonly base: string;
  private readonly authorization: string;

  /** `managementUrl` may carry credentials (`http://user:pass@host:15672`); they are moved to a header. */
  constructor(
    managementUrl: string,
    private readonly options: {
      timeoutMs?: number;
      fallbackCredentials?: { user: string; password: string };
    } = {},
  ) {
    const parsed = parseManagementUrl(managementUrl, options.fallbackCredentials);
    this.base = parsed.baseUrl;
    this.authorization = parsed.authorization;
  }

  /** Every queue of a vhost. */
  async queues(vhost: string): Promise<ManagedQueue[]> {
    const columns = 'name,messages,messages_ready,messages_unacknowledged,consumers';
    const rows = await this.get<Array<Record<string, unknown>>>(
      `queues/${encodeURIComponent(vhost)}?columns=${columns}`,
    );
    return rows.map((r) => ({
      name: String(r.name),
      messages: num(r.messages),
      ready: num(r.messages_ready),
      unacked: num(r.messages_unacknowledged),
      consumers: num(r.consumers),
    }));
  }

  /** Depth, consumers and dead-letter depth (`<queue>.dlq`) of each named work queue. */
  async queueHealth(vhost: string, queues: readonly string[]): Promise<QueueHealth[]> {
    const all = new Map((await this.queues(vhost)).map((q) => [q.name, q]));
    return queues.map((queue) => {
      const q = all.get(queue);
      const dlq = all.get(topologyNames.deadLetterQueue(queue));
      return {
        queue,
        declared: q !== undefined,
        messages: q?.messages ?? 0,
        ready: q?.ready ?? 0,
        unacked: q?.unacked ?? 0,
        consumers: q?.consumers ?? 0,
        deadLetters: dlq?.messages ?? 0,
      };
    });
  }

  private async get<T>(apiPath: string): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.base}/api/${apiPath}`, {
        headers: { authorization: this.authorization, accept: 'application/json' },
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5_000),
      });
    } catch (err) {
      throw new DependencyUnavailableError('RabbitMQ management API unreachable', { cause: err });
    }
    if (!res.ok) {
      const text = await res.text().catch(() => '');
      throw new DependencyUnavailableError(`RabbitMQ management API answered ${res.status}`, {
        cause: text.slice(0, 200),
      });
    }
    return (await res.json()) as T;
  }
}

/**
 * Opens a fresh AMQP connection and channel, then closes them: proves the broker accepts clients right now and
 * measures how long that takes. Never throws.
 */
export async function probeBroker(
  amqpUrl: string,
  timeoutMs = 5_000,
): Promise<{ ok: boolean; latencyMs: number; error?: string }> {
  const started = process.hrtime.bigint();
  const elapsed = () => Math.round((Number(process.hrtime.bigint() - started) / 1e6) * 10) / 10;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  const attempt = (async () => {
    const conn = await amqp.connect(amqpUrl, {
      timeout: timeoutMs,
      clientProperties: { connection_name: 'quire-health-probe' },
    });
    try {
      const ch = await conn.createChannel();
      await ch.close();
    } finally {
      await conn.close().catch(() => undefined);
    }
  })();
  try {
    await Promise.race([attempt, timeout]);
    return { ok: true, latencyMs: elapsed() };
  } catch (err) {
    attempt.catch(() => undefined);
    return { ok: false, latencyMs: elapsed(), error: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}
