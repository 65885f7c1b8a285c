import type { DataSource, EntityManager } from 'typeorm';

/** The state of one tenant's request window after counting a request in it. */
export interface WindowCount {
  /** Requests in the current window, this one included. */
  count: number;
  /** Milliseconds until the window ends (a new one starts at zero). */
  resetInMs: number;
}

/** What a tenant holds right now, for its concurrent-job and storage quotas. */
export interface TenantUsage {
  /** Jobs in `pending`, `processing` or `retrying`. */
  activeJobs: number;
  /** Bytes of the inputs and stored outputs of its jobs whose files have not expired. */
  storedBytes: number;
}

/**
 * Per-tenant counters for fair sharing, kept in PostgreSQL so every gateway replica sees the same figures
 * (docs/architecture.md §11 (tenancy and fair sharing)). Time comes from the database clock: replicas with skewed
 * clocks still share one window.
 */
export class TenantQuotaRepository {
  constructor(private readonly ds: DataSource) {}

  /**
   * Counts one request in the tenant's fixed window of `windowMs` for `scope` and returns the window's count: one
   * atomic upsert, so concurrent requests on any replica each get a distinct count.
   */
  async countRequest(tenantId: string, scope: string, windowMs: number): Promise<WindowCount> {
    const rows: Array<{ count: number; reset_in_ms: string | number }> = await this.ds.query(
      `WITH w AS (
         SELECT to_timestamp(floor(extract(epoch FROM clock_timestamp()) * 1000 / $3::numeric) * $3::numeric / 1000) AS start
       )
       INSERT INTO tenant_rate (tenant_id, scope, window_start, count)
       SELECT $1, $2, w.start, 1 FROM w
       ON CONFLICT (tenant_id, scope) DO UPDATE SET
         count = CASE WHEN tenant_rate.window_start = EXCLUDED.window_start THEN tenant_rate.count + 1 ELSE 1 END,
         window_start = EXCLUDED.window_start
       RETURNING count,
         ceil(extract(epoch FROM (window_start + make_interval(secs => ($3::numeric / 1000)::float8) - clock_timestamp())) * 1000)
           AS reset_in_ms`,
      [tenantId, scope, windowMs],
    );
    const row = rows[0];
    if (!row) throw new Error('tenant_rate upsert returned no row');
    return { count: row.count, resetInMs: Math.max(0, Number(row.reset_in_ms)) };
  }

  /** Unfinished jobs of the tenant: one count on the partial index `job_tenant_active_idx`. */
  async countActiveJobs(tenantId: string): Promise<number> {
    const rows: Array<{ n: number }> = await this.ds.query(
      `SELECT count(*)::int AS n FROM job
        WHERE tenant_id = $1 AND status IN ('pending','processing','retrying') AND parent_id IS NULL`,
      [tenantId],
    );
    return rows[0]?.n ?? 0;
  }

  /**
   * Bytes the tenant stores: every input's `bytes` plus every stored output's `bytes` (`result.outputs[]`) of its
   * jobs whose files retention has not removed (`expired_at IS NULL`). Deleted jobs have no row and count nothing.
   */
  async storedBytes(tenantId: string): Promise<number> {
    const rows: Array<{ bytes: string | null }> = await this.ds.query(
      `SELECT coalesce(sum(
                (SELECT coalesce(sum((i->>'bytes')::bigint), 0) FROM jsonb_array_elements(
                   CASE WHEN jsonb_typeof(j.inputs) = 'array' THEN j.inputs ELSE '[]'::jsonb END) i)
              + (SELECT coalesce(sum((o->>'bytes')::bigint), 0) FROM jsonb_array_elements(
                   CASE WHEN jsonb_typeof(j.result->'outputs') = 'array' THEN j.result->'outputs' ELSE '[]'::jsonb END) o)
             ), 0)::text AS bytes
         FROM job j
        WHERE j.tenant_id = $1 AND j.expired_at IS NULL AND j.parent_id IS NULL`,
      [tenantId],
    );
    return Number(rows[0]?.bytes ?? 0);
  }

  /** Both quota figures (two queries, run concurrently). */
  async usage(tenantId: string): Promise<TenantUsage> {
    const [activeJobs, storedBytes] = await Promise.all([
      this.countActiveJobs(tenantId),
      this.storedBytes(tenantId),
    ]);
    return { activeJobs, storedBytes };
  }
}

/** The tenant already has `limit` unfinished jobs; `active` is the count that refused this one. */
export class ActiveJobQuotaError extends Error {
  constructor(
    readonly active: number,
    readonly limit: number,
  ) {
    super(`tenant has ${active} unfinished jobs (limit ${limit})`);
  }
}

/**
 * Inside the job's insert transaction: takes the tenant's quota lock (held to commit, so concurrent submissions on
 * any replica count one after the other) and refuses the job when the tenant already has `limit` unfinished jobs.
 */
export async function admitActiveJob(em: EntityManager, tenantId: string, limit: number): Promise<void> {
  await em.query(`SELECT pg_advisory_xact_lock(hashtextextended('tenant-active:' || $1, 0))`, [tenantId]);
  const rows: Array<{ n: number }> = await em.query(
    // Chunk jobs (docs/architecture.md (fan-out)) are the platform's, not the tenant's: a large document is one job.
    `SELECT count(*)::int AS n FROM job
      WHERE tenant_id = $1 AND status IN ('pending','processing','retrying') AND parent_id IS NULL`,
    [tenantId],
  );
  const active = rows[0]?.n ?? 0;
  if (active >= limit) throw new ActiveJobQuotaError(active, limit);
}
