import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { JobEntity } from '../entities/job.entity';
import { SYSTEM_TENANT, TenantEntity } from '../entities/tenant.entity';
import type { JobType } from '../catalog/job-catalog';
import type { JobStatus } from '../state-machine';
import { JobRepository } from './job.repository';
import { mapJobRow } from './job-row';

export { SYSTEM_TENANT };

export interface SystemJobRequest {
  type: JobType;
  /** Validated params of the type (the caller validates with `jobParamSchemas`). Default `{}`. */
  params?: Record<string, unknown>;
  /** Default: a fresh UUID. */
  correlationId?: string;
  /**
   * Deduplicates creations: a second request with the same key returns the first job with `created: false`
   * (the scheduler uses `schedule:<task>:<tick>`, so a tick fires once even if two replicas both try).
   */
  idempotencyKey?: string;
}

/** A job that is `processing` but whose worker stopped heartbeating. */
export interface StaleJob {
  id: string;
  type: string;
  queue: string;
  attempts: number;
  heartbeatAt: Date | null;
}

export type RetentionMode = 'mark' | 'delete';

/**
 * Database access of the maintenance tasks and the admin routes: system jobs, retention batches, stale jobs,
 * job counts for metrics, the latest health report. Every query is here; handlers never see an EntityManager.
 */
export class MaintenanceRepository {
  private tenantId: Promise<string> | null = null;
  private readonly jobs: JobRepository;

  constructor(private readonly ds: DataSource) {
    this.jobs = new JobRepository(ds);
  }

  /** The id of the `system` tenant (created on first use). */
  systemTenantId(): Promise<string> {
    this.tenantId ??= (async () => {
      await this.ds.query(`INSERT INTO tenant (id, name) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, [
        randomUUID(),
        SYSTEM_TENANT,
      ]);
      return (await this.ds.getRepository(TenantEntity).findOneByOrFail({ name: SYSTEM_TENANT })).id;
    })().catch((err: unknown) => {
      this.tenantId = null;
      throw err;
    });
    return this.tenantId;
  }

  /**
   * Creates a maintenance job of the system tenant through the transactional outbox (JobRepository.createWithOutbox):
   * job row, first event and outbox message in one transaction. With an idempotency key already used, returns the
   * existing job and `created: false`.
   */
  async createSystemJob(request: SystemJobRequest): Promise<{ job: JobEntity; created: boolean }> {
    const tenantId = await this.systemTenantId();
    const key = request.idempotencyKey ?? null;
    if (key) {
      const existing = await this.jobs.findByIdempotencyKey(tenantId, key);
      if (existing) return { job: existing, created: false };
    }
    try {
      const job = await this.jobs.createWithOutbox({
        tenantId,
        type: request.type,
        params: request.params ?? {},
        inputs: [],
        correlationId: request.correlationId ?? randomUUID(),
        idempotencyKey: key,
      });
      return { job, created: true };
    } catch (err) {
      // Two creators raced on the same key (e.g. two scheduler replicas in a leadership hand-over): one wins.
      if (key && isUniqueViolation(err)) {
        const existing = await this.jobs.findByIdempotencyKey(tenantId, key);
        if (existing) return { job: existing, created: false };
      }
      throw err;
    }
  }

  /** The newest completed job of a type in the system tenant (e.g. the latest health report). */
  async latestCompleted(type: JobType): Promise<JobEntity | null> {
    const tenantId = await this.systemTenantId();
    return this.ds.getRepository(JobEntity).findOne({
      where: { tenantId, type, status: 'completed' },
      order: { createdAt: 'DESC', id: 'DESC' },
    });
  }

  /**
   * One retention batch: locks up to `limit` finished jobs of `status` with `finished_at < finishedBefore` that are not
   * expired yet (`FOR UPDATE SKIP LOCKED`, so two cleanups never take the same rows), hands their ids to
   * `removeFiles`, which returns the ids whose files are gone, and then marks those jobs expired (`mark`) or deletes
   * them with their events and outbox rows (`delete`, which also takes rows an earlier `mark` run kept) — all in one
   * transaction, so a crash half-way leaves the rest for the next run. Returns the ids handled and how many were
   * selected (fewer than `limit`: nothing older is left).
   */
  async expireBatch(options: {
    status: JobStatus;
    finishedBefore: Date;
    limit: number;
    mode: RetentionMode;
    removeFiles: (jobIds: string[]) => Promise<string[]>;
  }): Promise<{ expired: string[]; selected: number }> {
    return this.ds.transaction(async (em) => {
      // In `delete` mode, rows an earlier `mark` run kept are deleted too (their files are gone already).
      const rows = await em.query<Array<{ id: string }>>(
        `SELECT id FROM job
          WHERE status = $1 AND finished_at < $2 ${options.mode === 'mark' ? 'AND expired_at IS NULL' : ''}
          ORDER BY finished_at
          LIMIT $3
          FOR UPDATE SKIP LOCKED`,
        [options.status, options.finishedBefore, options.limit],
      );
      if (rows.length === 0) return { expired: [], selected: 0 };
      const done = await options.removeFiles(rows.map((r) => r.id));
      if (done.length > 0) {
        if (options.mode === 'mark') {
          await em.query(`UPDATE job SET expired_at = now(), updated_at = now() WHERE id = ANY($1::uuid[])`, [
            done,
          ]);
        } else {
          await em.query(`DELETE FROM job_event WHERE job_id = ANY($1::uuid[])`, [done]);
          await em.query(`DELETE FROM outbox WHERE job_id = ANY($1::uuid[])`, [done]);
          await em.query(`DELETE FROM job WHERE id = ANY($1::uuid[])`, [done]);
        }
      }
      return { expired: done, selected: rows.length };
    });
  }

  /** Which of `jobIds` are `processing` right now (their temp files must not be touched). */
  async processingAmong(jobIds: string[]): Promise<Set<string>> {
    if (jobIds.length === 0) return new Set();
    const rows = await this.ds.query<Array<{ id: string }>>(
      `SELECT id FROM job WHERE id = ANY($1::uuid[]) AND status = 'processing'`,
      [jobIds],
    );
    return new Set(rows.map((r) => r.id));
  }

  /** Which of these ids have a job row at all (any status, any tenant). */
  async existingAmong(jobIds: string[]): Promise<Set<string>> {
    if (jobIds.length === 0) return new Set();
    const rows = await this.ds.query<Array<{ id: string }>>(`SELECT id FROM job WHERE id = ANY($1::uuid[])`, [
      jobIds,
    ]);
    return new Set(rows.map((r) => r.id));
  }

  /** Jobs in `processing` whose heartbeat is older than `staleAfterMs` (oldest first, at most `limit`), and their count. */
  async staleProcessing(staleAfterMs: number, limit = 50): Promise<{ count: number; jobs: StaleJob[] }> {
    const params = [staleAfterMs / 1000];
    const [countRows, rows] = await Promise.all([
      this.ds.query<Array<{ n: number }>>(
        `SELECT count(*)::int AS n FROM job WHERE status = 'processing' AND heartbeat_at < now() - make_interval(secs => $1)`,
        params,
      ),
      this.ds.query<Array<Record<string, unknown>>>(
        `SELECT * FROM job WHERE status = 'processing' AND heartbeat_at < now() - make_interval(secs => $1)
          ORDER BY heartbeat_at LIMIT $2`,
        [...params, limit],
      ),
    ]);
    return {
      count: countRows[0]?.n ?? 0,
      jobs: rows.map(mapJobRow).map((j) => ({
        id: j.id,
        type: j.type,
        queue: j.queue,
        attempts: j.attempts,
        heartbeatAt: j.heartbeatAt,
      })),
    };
  }

  /** Jobs by type and status, expired ones excluded (the `quire_jobs` gauge). */
  async countByTypeAndStatus(): Promise<Array<{ type: string; status: string; count: number }>> {
    return this.ds.query<Array<{ type: string; status: string; count: number }>>(
      `SELECT type, status, count(*)::int AS count FROM job WHERE expired_at IS NULL GROUP BY type, status ORDER BY type, status`,
    );
  }

  /** Round trip to the database, in milliseconds. Throws when it is unreachable. */
  async ping(): Promise<number> {
    const started = process.hrtime.bigint();
    await this.ds.query('SELECT 1');
    return Number(process.hrtime.bigint() - started) / 1e6;
  }
}

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; driverError?: { code?: string } } | null;
  return e?.driverError?.code === '23505' || e?.code === '23505';
}
