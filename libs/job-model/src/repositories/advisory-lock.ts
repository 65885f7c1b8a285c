import pg from 'pg';

/** First key of every Quire advisory lock ('QUIR'), so our locks never collide with another application's. */
const LOCK_NAMESPACE = 0x51554952;

/** A stable non-negative 31-bit key for a lock name (FNV-1a). */
export function advisoryLockKey(name: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(name, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h & 0x7fffffff;
}

export interface AdvisoryLockOptions {
  databaseUrl: string;
  /** Lock name; replicas that use the same name on the same database compete for it. */
  name: string;
  /** Shown in pg_stat_activity. */
  applicationName?: string;
}

/**
 * A session-level PostgreSQL advisory lock held on a dedicated connection (not the pool: a pooled connection
 * would carry the lock to whoever borrows it next). The holder is the leader; when its process dies or its
 * connection drops, PostgreSQL releases the lock and another replica's next `tryAcquire()` wins it.
 */
export class AdvisoryLock {
  private client: pg.Client | null = null;
  private connecting: Promise<pg.Client> | null = null;
  private holding = false;
  private readonly key: number;

  constructor(private readonly options: AdvisoryLockOptions) {
    this.key = advisoryLockKey(options.name);
  }

  /** True while this process believes it holds the lock (confirm with `verify()` before acting on it). */
  get held(): boolean {
    return this.holding;
  }

  /** Takes the lock if it is free; true when this process holds it (now or already). Never throws. */
  async tryAcquire(): Promise<boolean> {
    if (this.holding) return this.verify();
    try {
      const client = await this.session();
      const { rows } = await client.query<{ ok: boolean }>(
        'SELECT pg_try_advisory_lock($1::int, $2::int) AS ok',
        [LOCK_NAMESPACE, this.key],
      );
      this.holding = rows[0]?.ok === true;
      return this.holding;
    } catch {
      await this.dropSession();
      return false;
    }
  }

  /**
   * Asks the server whether this session still holds the lock (a terminated or partitioned session may not).
   * On any doubt the lock is considered lost and the session is dropped.
   */
  async verify(): Promise<boolean> {
    if (!this.holding || !this.client) return false;
    try {
      const { rows } = await this.client.query<{ held: boolean }>(
        `SELECT EXISTS (
           SELECT 1 FROM pg_locks
            WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted
              AND classid = $1::bigint::oid AND objid = $2::bigint::oid AND objsubid = 2
         ) AS held`,
        [LOCK_NAMESPACE, this.key],
      );
      if (rows[0]?.held === true) return true;
    } catch {
      // fall through: the session is unusable
    }
    await this.dropSession();
    return false;
  }

  /** Releases the lock (if held) and closes the dedicated connection. */
  async release(): Promise<void> {
    const client = this.client;
    if (client && this.holding) {
      await client
        .query('SELECT pg_advisory_unlock($1::int, $2::int)', [LOCK_NAMESPACE, this.key])
        .catch(() => undefined);
    }
    await this.dropSession();
  }

  private session(): Promise<pg.Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= (async () => {
      const client = new pg.Client({
        connectionString: this.options.databaseUrl,
        application_name: this.options.applicationName ?? 'quire-leader',
        connectionTimeoutMillis: 5_000,
        keepAlive: true,
        statement_timeout: 5_000,
      });
      // A broken session has lost its locks: forget it, the next tryAcquire() opens a new one.
      client.on('error', () => {
        if (this.client === client) {
          this.client = null;
          this.holding = false;
        }
      });
      await client.connect();
      this.client = client;
      return client;
    })().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private async dropSession(): Promise<void> {
    const client = this.client;
    this.client = null;
    this.holding = false;
    if (client) await client.end().catch(() => undefined);
  }
}
