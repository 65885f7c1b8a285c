import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { topologyNames } from '@quire/messaging';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import { JobEntity, type JobError, type JobInput, type JobProgress } from '../entities/job.entity';
import { JobEventEntity } from '../entities/job-event.entity';
import { OutboxEntity } from '../entities/outbox.entity';
import { SYSTEM_TENANT } from '../entities/tenant.entity';
import { JOB_CATALOG, type JobType } from '../catalog/job-catalog';
import { isTerminal, sourcesOf, type JobStatus } from '../state-machine';
import { mapJobRow } from './job-row';
import { admitActiveJob } from './tenant-quota.repository';
import { cancelChunks, chunksOf, endParent, insertChunks, settleParent } from './fan-out';
import { progressCallbackCte, terminalCallbackCte } from './webhook.repository';

export interface NewJob {
  id?: string;
  tenantId: string;
  type: JobType;
  params: Record<string, unknown>;
  inputs: JobInput[];
  correlationId: string;
  idempotencyKey?: string | null;
  /** The submitting person (a JWT's user claim); absent for API-key callers. */
  submittedBy?: string | null;
  /**
   * The tenant's concurrent-job quota: refused with ActiveJobQuotaError when it already has this many unfinished
   * jobs (counted under a per-tenant transaction lock, so replicas cannot overshoot together).
   */
  maxActiveJobs?: number;
  /** Where this job's callbacks go (checked by the caller); null/absent: the tenant's default, if any. */
  callbackUrl?: string | null;
  /** Progress callbacks as well as the terminal ones. */
  callbackProgress?: boolean;
  /** W3C traceparent of the submission, carried in the job's messages. */
  traceparent?: string | null;
}

/** Where the relay publishes job messages: the exchange the worker topology binds every queue to. */
export const JOBS_EXCHANGE = topologyNames.jobsExchange;

export interface ClaimResult {
  job: JobEntity;
  /** The job was `processing` under a dead worker's lease and is taken over. */
  takeover: boolean;
  /** Takeovers so far, this one included: how many workers died holding this job. */
  takeovers: number;
}

export interface JobListFilter {
  status?: JobStatus;
  type?: string;
  limit: number;
  /** Opaque cursor from a previous page's `nextCursor`. */
  cursor?: string;
  /** Only the jobs this person submitted (a JWT caller whose role is `user`). */
  submittedBy?: string;
}

/** The code of the job error written when a worker stopped heartbeating and nobody else took the job back. */
export const WORKER_LOST = 'WORKER_LOST';

/** What `recoverStale` did with a job whose worker stopped responding. */
export type StaleRecovery =
  /** Attempts remain: back to `retrying`, its message queued again through the outbox. */
  | { outcome: 'retrying'; job: JobEntity }
  /** Its last attempt: `failed`, with a reason that says so. */
  | { outcome: 'failed'; job: JobEntity }
  /** Cancel had been requested: `cancelled` (no worker was left to see the request). */
  | { outcome: 'cancelled'; job: JobEntity };

/** Result of a write conditioned on a lease: `ok` false means the lease was lost (taken over or cancelled). */
export interface LeaseWrite {
  ok: boolean;
  cancelRequested: boolean;
}

/**
 * The only access to the `job` table. Every state change is one conditional
 * `UPDATE … WHERE id = $1 AND status IN (…) [AND lease_id = $2] RETURNING`, and writes its `job_event` row in the
 * same statement, so the history can never disagree with the job.
 */
export class JobRepository {
  constructor(private readonly ds: DataSource) {}

  /** Inserts the job, its first event and its outbox message in one transaction (the transactional outbox). */
  async createWithOutbox(input: NewJob): Promise<JobEntity> {
    const id = input.id ?? randomUUID();
    const queue = JOB_CATALOG[input.type].queue;
    return this.ds.transaction(async (em: EntityManager) => {
      if (input.maxActiveJobs !== undefined) await admitActiveJob(em, input.tenantId, input.maxActiveJobs);
      const row: QueryDeepPartialEntity<JobEntity> = {
        id,
        tenantId: input.tenantId,
        type: input.type,
        queue,
        status: 'pending',
        params: input.params,
        inputs: input.inputs,
        progress: { percent: 0, stage: 'queued', message: 'waiting for a worker' },
        correlationId: input.correlationId,
        idempotencyKey: input.idempotencyKey ?? null,
        submittedBy: input.submittedBy ?? null,
        callbackUrl: input.callbackUrl ?? null,
        callbackProgress: input.callbackProgress ?? false,
        traceparent: input.traceparent ?? null,
      } as QueryDeepPartialEntity<JobEntity>;
      await em.insert(JobEntity, row);
      await em.insert(JobEventEntity, {
        jobId: id,
        fromStatus: null,
        toStatus: 'pending',
        attempt: 0,
        leaseId: null,
        error: null,
      });
      await em.insert(OutboxEntity, {
        jobId: id,
        exchange: JOBS_EXCHANGE,
        routingKey: queue,
        payload: { jobId: id, type: input.type, correlationId: input.correlationId, ...traceOf(input) },
        properties: { messageId: `${id}:0`, correlationId: input.correlationId, type: input.type },
      });
      return em.findOneByOrFail(JobEntity, { id });
    });
  }

  findById(id: string): Promise<JobEntity | null> {
    return this.ds.getRepository(JobEntity).findOneBy({ id });
  }

  /** The jobs among `ids` that exist (any tenant), by id. */
  async findByIds(ids: string[]): Promise<Map<string, JobEntity>> {
    const valid = [...new Set(ids)].filter((id) => UUID.test(id));
    if (valid.length === 0) return new Map();
    const rows = await this.ds.query<Record<string, unknown>[]>(
      `SELECT * FROM job WHERE id = ANY($1::uuid[])`,
      [valid],
    );
    return new Map(rows.map(mapJobRow).map((j) => [j.id, j]));
  }

  /**
   * Throughput per queue over the last `windowMs`: jobs (and fan-out chunks) that reached `completed` or `failed`,
   * per minute, every tenant. Served to operators beside the broker's depths; `job_retention_idx` (status,
   * finished_at) keeps it to the recent rows however large the table grows.
   */
  async finishedRates(
    windowMs: number,
  ): Promise<Map<string, { completedPerMinute: number; failedPerMinute: number }>> {
    const rows = await this.ds.query<Array<{ queue: string; status: string; count: string }>>(
      `SELECT queue, status, count(*)::text AS count FROM job
        WHERE status IN ('completed', 'failed') AND expired_at IS NULL
          AND finished_at > now() - make_interval(secs => $1::double precision / 1000)
        GROUP BY queue, status`,
      [windowMs],
    );
    const minutes = windowMs / 60_000;
    const rate = (n: number) => Math.round((n / minutes) * 100) / 100;
    const out = new Map<string, { completedPerMinute: number; failedPerMinute: number }>();
    for (const row of rows) {
      const entry = out.get(row.queue) ?? { completedPerMinute: 0, failedPerMinute: 0 };
      if (row.status === 'completed') entry.completedPerMinute = rate(Number(row.count));
      else entry.failedPerMinute = rate(Number(row.count));
      out.set(row.queue, entry);
    }
    return out;
  }

  /**
   * A job of another tenant is indistinguishable from a missing one; with `submittedBy`, so is a job of the same
   * tenant that another person submitted.
   */
  findForTenant(id: string, tenantId: string, submittedBy?: string): Promise<JobEntity | null> {
    return this.ds
      .getRepository(JobEntity)
      .findOneBy(submittedBy === undefined ? { id, tenantId } : { id, tenantId, submittedBy });
  }

  /** What an operator key may read at /v1/jobs: its own tenant's jobs and the `system` tenant's (maintenance) jobs. */
  async findForOperator(id: string, tenantId: string): Promise<JobEntity | null> {
    const rows = await this.ds.query<Record<string, unknown>[]>(
      `SELECT j.* FROM job j
        WHERE j.id = $1 AND (j.tenant_id = $2 OR j.tenant_id = (SELECT t.id FROM tenant t WHERE t.name = $3))`,
      [id, tenantId, SYSTEM_TENANT],
    );
    return rows[0] ? mapJobRow(rows[0]) : null;
  }

  findByIdempotencyKey(tenantId: string, idempotencyKey: string): Promise<JobEntity | null> {
    return this.ds.getRepository(JobEntity).findOneBy({ tenantId, idempotencyKey });
  }

  /** Newest first, keyset-paginated on (created_at, id). */
  async listForTenant(
    tenantId: string,
    filter: JobListFilter,
  ): Promise<{ jobs: JobEntity[]; nextCursor: string | null }> {
    const qb = this.ds
      .getRepository(JobEntity)
      .createQueryBuilder('j')
      .where('j.tenant_id = :tenantId', { tenantId })
      // Chunk jobs are the platform's way of running one large job (docs/architecture.md (fan-out)): not listed.
      .andWhere('j.parent_id IS NULL')
      .orderBy('j.created_at', 'DESC')
      .addOrderBy('j.id', 'DESC')
      .limit(filter.limit + 1);
    if (filter.status) qb.andWhere('j.status = :status', { status: filter.status });
    if (filter.type) qb.andWhere('j.type = :type', { type: filter.type });
    if (filter.submittedBy !== undefined)
      qb.andWhere('j.submitted_by = :submittedBy', { submittedBy: filter.submittedBy });
    if (filter.cursor) {
      const c = decodeCursor(filter.cursor);
      qb.andWhere('(j.created_at, j.id) < (:cAt, :cId)', { cAt: c.createdAt, cId: c.id });
    }
    // The cursor keeps created_at to the microsecond, as PostgreSQL stores it: a JavaScript Date has milliseconds
    // only, and jobs created within one millisecond were skipped at a page boundary.
    qb.addSelect(`to_char(j.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`, 'cursor_at');
    const { entities: rows, raw } = await qb.getRawAndEntities<{ cursor_at: string }>();
    const page = rows.slice(0, filter.limit);
    const last = page[page.length - 1];
    const lastAt = raw[page.length - 1]?.cursor_at;
    return {
      jobs: page,
      nextCursor: rows.length > filter.limit && last && lastAt ? encodeCursor(lastAt, last.id) : null,
    };
  }

  events(jobId: string): Promise<JobEventEntity[]> {
    return this.ds.getRepository(JobEventEntity).find({ where: { jobId }, order: { id: 'ASC' } });
  }

  /**
   * Claims a job for one attempt with a fresh lease: pending/retrying → processing, or a takeover of a
   * `processing` job whose heartbeat is older than `staleAfterMs` (its worker died). Returns null when the
   * job is not claimable (terminal, cancelled, or held by a live worker).
   */
  async claim(jobId: string, leaseId: string, staleAfterMs: number): Promise<ClaimResult | null> {
    const claimed = await this.transitionWithSource({
      jobId,
      to: 'processing',
      from: ['pending', 'retrying'],
      set: `lease_id = $LEASE, attempts = j.attempts + 1, heartbeat_at = now(), next_attempt_at = NULL,
            started_at = COALESCE(j.started_at, now()), error = NULL`,
      extraWhere: `OR (prev.status = 'processing' AND j.heartbeat_at < now() - make_interval(secs => $STALE))`,
      params: { LEASE: leaseId, STALE: staleAfterMs / 1000 },
      eventLease: leaseId,
    });
    if (!claimed) return null;
    const takeover = claimed.fromStatus === 'processing';
    return { job: claimed.job, takeover, takeovers: takeover ? await this.countTakeovers(jobId) : 0 };
  }

  /** How many times a worker died holding this job (processing → processing transitions). */
  async countTakeovers(jobId: string): Promise<number> {
    const rows = await this.ds.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM job_event WHERE job_id = $1 AND from_status = 'processing' AND to_status = 'processing'`,
      [jobId],
    );
    return rows[0]?.n ?? 0;
  }

  /**
   * DELETE /v1/jobs/{id} on an unfinished job: `pending`/`retrying` → `cancelled` at once; a `processing` job gets
   * `cancel_requested` (its worker aborts at the next checkpoint). Returns the job afterwards, or null if absent.
   */
  async requestCancel(
    jobId: string,
    tenantId: string,
  ): Promise<{ job: JobEntity; immediate: boolean } | null> {
    const job = await this.findForTenant(jobId, tenantId);
    if (!job) return null;
    if (job.chunksTotal !== null) {
      // A fan-out parent waiting for its chunks has no worker to see a request: it ends now, its chunks with it.
      const ended = await this.ds.transaction(async (em) => {
        const parent = await endParent(em, jobId, 'cancelled', {
          code: 'CANCELLED',
          message: 'cancelled by request',
        });
        if (parent) await cancelChunks(em, jobId);
        return parent;
      });
      if (ended) return { job: ended, immediate: true };
    }
    const cancelled = await this.transition({
      jobId,
      to: 'cancelled',
      from: ['pending', 'retrying'],
      set: `finished_at = now(), next_attempt_at = NULL, error = jsonb_build_object('code', 'CANCELLED', 'message', 'cancelled by request')`,
      params: {},
    });
    if (cancelled) return { job: cancelled, immediate: true };
    const rows = await this.ds.query<[Record<string, unknown>[], number]>(
      `UPDATE job SET cancel_requested = true, updated_at = now() WHERE id = $1 AND status = 'processing' RETURNING *`,
      [jobId],
    );
    const row = rows[0]?.[0];
    if (row) return { job: mapJobRow(row), immediate: false };
    return { job: (await this.findById(jobId)) ?? job, immediate: false };
  }

  /**
   * Puts a `failed` or `cancelled` job back to `pending` and queues its message again, in one transaction
   * (POST /v1/jobs/{id}/retry, dead-letter replay). Returns null when the job is in another state.
   */
  async requeue(jobId: string, tenantId?: string): Promise<JobEntity | null> {
    return this.ds.transaction(async (em) => {
      const job = await this.transition({
        em,
        jobId,
        to: 'pending',
        from: ['failed', 'cancelled'],
        set: `error = NULL, result = NULL, lease_id = NULL, heartbeat_at = NULL, next_attempt_at = NULL,
              cancel_requested = false, finished_at = NULL, chunks_total = NULL,
              progress = jsonb_build_object('percent', 0, 'stage', 'queued', 'message', 'waiting for a worker')`,
        extraWhere: tenantId ? `AND j.tenant_id = $TENANT` : '',
        params: tenantId ? { TENANT: tenantId } : {},
      });
      if (!job) return null;
      // A fan-out parent runs again from the start (docs/architecture.md (fan-out)): its old chunks go.
      await em.query(`DELETE FROM job_event WHERE job_id IN (SELECT id FROM job WHERE parent_id = $1)`, [
        jobId,
      ]);
      await em.query(`DELETE FROM outbox WHERE job_id IN (SELECT id FROM job WHERE parent_id = $1)`, [jobId]);
      await em.query(`DELETE FROM job WHERE parent_id = $1`, [jobId]);
      await enqueueJobMessage(em, job);
      return job;
    });
  }

  /**
   * Queues the message of a `pending` or `retrying` job again (dead-letter replay: its message was dead-lettered
   * although the job never ended, so nothing else would bring it to a worker). No state changes, so no event; a
   * duplicate message is harmless (the lease decides who runs the job). Null when the job is in another state.
   */
  async republish(jobId: string): Promise<JobEntity | null> {
    return this.ds.transaction(async (em) => {
      const rows = await em.query<Record<string, unknown>[]>(
        `SELECT * FROM job WHERE id = $1 AND status IN ('pending', 'retrying') FOR UPDATE`,
        [jobId],
      );
      if (!rows[0]) return null;
      const job = mapJobRow(rows[0]);
      await enqueueJobMessage(em, job);
      return job;
    });
  }

  /**
   * Takes back a `processing` job whose heartbeat is older than `staleAfterMs`: its worker died, or the database
   * failed while the worker wrote the outcome and the broker has since dead-lettered the message, so no delivery
   * will ever bring the job back. With attempts left (of `maxAttempts`, the queue's policy) it goes back to
   * `retrying` and its message is queued again through the outbox; after its last attempt it is `failed` ("worker
   * stopped responding during attempt 3 of 3"); if a cancel was requested meanwhile, it is `cancelled`. One
   * transaction, conditional on the job still being stale under the same lease; each change is a state-machine
   * transition with its `job_event` row (carrying the abandoned lease). Null when the job is not (or no longer) stale.
   */
  async recoverStale(
    jobId: string,
    options: { staleAfterMs: number; maxAttempts: number },
  ): Promise<StaleRecovery | null> {
    return this.ds.transaction(async (em) => {
      const rows = await em.query<
        Array<{ attempts: number; cancel_requested: boolean; lease_id: string | null }>
      >(
        `SELECT attempts, cancel_requested, lease_id FROM job
          WHERE id = $1 AND status = 'processing'
            AND COALESCE(heartbeat_at, updated_at) < now() - make_interval(secs => $2)
          FOR UPDATE`,
        [jobId, options.staleAfterMs / 1000],
      );
      const row = rows[0];
      if (!row) return null;
      const base = {
        em,
        jobId,
        from: ['processing'] as JobStatus[],
        extraWhere: `AND j.lease_id IS NOT DISTINCT FROM $OLDLEASE::uuid`,
        ...(row.lease_id ? { eventLease: row.lease_id } : {}),
      };
      if (row.cancel_requested) {
        const job = await this.transition({
          ...base,
          to: 'cancelled',
          set: `finished_at = now(), lease_id = NULL, error = jsonb_build_object('code', 'CANCELLED', 'message', 'cancelled by request')`,
          params: { OLDLEASE: row.lease_id },
        });
        if (job?.parentId) await settleParent(em, job.parentId);
        return job ? { outcome: 'cancelled', job } : null;
      }
      const during = `worker stopped responding during attempt ${row.attempts} of ${options.maxAttempts}`;
      if (row.attempts >= options.maxAttempts) {
        const error: JobError = { code: WORKER_LOST, message: during };
        const job = await this.transition({
          ...base,
          to: 'failed',
          set: `error = $ERR::jsonb, finished_at = now(), lease_id = NULL`,
          params: { OLDLEASE: row.lease_id, ERR: JSON.stringify(error) },
          eventError: error,
        });
        if (job?.parentId) await settleParent(em, job.parentId);
        return job ? { outcome: 'failed', job } : null;
      }
      const error: JobError = { code: WORKER_LOST, message: `${during}; retrying` };
      const job = await this.transition({
        ...base,
        to: 'retrying',
        set: `error = $ERR::jsonb, next_attempt_at = now(), lease_id = NULL,
              progress = jsonb_build_object('percent', 0, 'stage', 'retrying', 'message', $MSG::text)`,
        params: { OLDLEASE: row.lease_id, ERR: JSON.stringify(error), MSG: `retrying: ${during}` },
        eventError: error,
      });
      if (!job) return null;
      await enqueueJobMessage(em, job);
      return { outcome: 'retrying', job };
    });
  }

  /** Removes a finished job's rows (job, history, outbox). Files are the caller's (storage) business. */
  async deleteFinished(jobId: string, tenantId: string): Promise<boolean> {
    return this.ds.transaction(async (em) => {
      // A fan-out parent's chunk rows go with it, their history and messages too.
      await em.query(
        `DELETE FROM job_event WHERE job_id IN (SELECT c.id FROM job c JOIN job p ON p.id = c.parent_id
          WHERE p.id = $1 AND p.tenant_id = $2 AND p.status IN ('completed', 'failed', 'cancelled'))`,
        [jobId, tenantId],
      );
      await em.query(
        `DELETE FROM outbox WHERE job_id IN (SELECT c.id FROM job c JOIN job p ON p.id = c.parent_id
          WHERE p.id = $1 AND p.tenant_id = $2 AND p.status IN ('completed', 'failed', 'cancelled'))`,
        [jobId, tenantId],
      );
      await em.query(
        `DELETE FROM job c USING job p WHERE c.parent_id = p.id
            AND p.id = $1 AND p.tenant_id = $2 AND p.status IN ('completed', 'failed', 'cancelled')`,
        [jobId, tenantId],
      );
      const res = await em.query<[unknown[], number]>(
        `DELETE FROM job WHERE id = $1 AND tenant_id = $2 AND status IN ('completed', 'failed', 'cancelled')`,
        [jobId, tenantId],
      );
      if (res[1] === 0) return false;
      await em.query(`DELETE FROM job_event WHERE job_id = $1`, [jobId]);
      await em.query(`DELETE FROM outbox WHERE job_id = $1`, [jobId]);
      await em.query(
        `DELETE FROM webhook_attempt WHERE delivery_id IN (SELECT id FROM webhook_delivery WHERE job_id = $1)`,
        [jobId],
      );
      await em.query(`DELETE FROM webhook_delivery WHERE job_id = $1`, [jobId]);
      return true;
    });
  }

  /** Refreshes the heartbeat; tells the worker whether it still holds the lease and whether cancel was requested. */
  async heartbeat(jobId: string, leaseId: string): Promise<LeaseWrite> {
    return this.leaseWrite(jobId, leaseId, 'heartbeat_at = now()', []);
  }

  /**
   * Saves progress; a job that asked for progress callbacks gets its pending progress callback written (or brought
   * up to date) in the same statement (docs/architecture.md (webhooks)).
   */
  async saveProgress(jobId: string, leaseId: string, progress: JobProgress): Promise<LeaseWrite> {
    const rows = await this.ds.query<Array<{ cancel_requested: boolean }>>(
      `WITH upd AS (
         UPDATE job SET progress = $3::jsonb, heartbeat_at = now(), updated_at = now()
          WHERE id = $1 AND lease_id = $2 AND status = 'processing'
         RETURNING *
       )${progressCallbackCte('upd')}
       SELECT cancel_requested FROM upd`,
      [jobId, leaseId, JSON.stringify(progress)],
    );
    const row = rows[0];
    return row ? { ok: true, cancelRequested: row.cancel_requested } : { ok: false, cancelRequested: false };
  }

  complete(jobId: string, leaseId: string, result: Record<string, unknown>): Promise<JobEntity | null> {
    return this.ending((em) =>
      this.transition({
        em,
        jobId,
        to: 'completed',
        leaseId,
        set: `result = $RESULT::jsonb, finished_at = now(), lease_id = NULL, progress = jsonb_build_object('percent', 100, 'stage', 'completed', 'message', 'done')`,
        params: { RESULT: JSON.stringify(result) },
      }),
    );
  }

  /**
   * Splits the job held under `leaseId` into chunk jobs covering `ranges` and releases it to wait for them
   * (docs/architecture.md (fan-out)). Null when the lease was lost or the job is split already.
   */
  fanOut(
    jobId: string,
    leaseId: string,
    ranges: ReadonlyArray<{ index: number; first: number; last: number }>,
  ): Promise<JobEntity[] | null> {
    return this.ds.transaction((em) => insertChunks(em, jobId, leaseId, ranges));
  }

  /** A fan-out parent's chunk jobs, in page order. */
  chunksOf(parentId: string): Promise<JobEntity[]> {
    return chunksOf(this.ds.manager, parentId);
  }

  /**
   * Runs a write that may end a job in a transaction and, when the job ended is a chunk, moves its parent on in
   * the same transaction (so a parent can neither miss a chunk's end nor act on it twice).
   */
  private ending(write: (em: EntityManager) => Promise<JobEntity | null>): Promise<JobEntity | null> {
    return this.ds.transaction(async (em) => {
      const job = await write(em);
      if (job?.parentId && ['completed', 'failed', 'cancelled'].includes(job.status)) {
        await settleParent(em, job.parentId);
      }
      return job;
    });
  }

  /** Ends an attempt as failed (non-retryable error or retries exhausted). */
  fail(jobId: string, leaseId: string, error: JobError): Promise<JobEntity | null> {
    return this.ending((em) =>
      this.transition({
        em,
        jobId,
        to: 'failed',
        leaseId,
        set: `error = $ERR::jsonb, finished_at = now(), lease_id = NULL`,
        params: { ERR: JSON.stringify(error) },
        eventError: error,
      }),
    );
  }

  /** Fails a job no worker holds (e.g. a message for a job type the worker does not handle). */
  failUnclaimed(jobId: string, error: JobError): Promise<JobEntity | null> {
    return this.ending((em) =>
      this.transition({
        em,
        jobId,
        to: 'failed',
        from: ['pending', 'retrying'],
        set: `error = $ERR::jsonb, finished_at = now()`,
        params: { ERR: JSON.stringify(error) },
        eventError: error,
      }),
    );
  }

  scheduleRetry(
    jobId: string,
    leaseId: string,
    error: JobError,
    nextAttemptAt: Date,
  ): Promise<JobEntity | null> {
    return this.transition({
      jobId,
      to: 'retrying',
      leaseId,
      set: `error = $ERR::jsonb, next_attempt_at = $NEXT, lease_id = NULL,
            progress = jsonb_build_object('percent', 0, 'stage', 'retrying', 'message', $MSG::text)`,
      params: { ERR: JSON.stringify(error), NEXT: nextAttemptAt, MSG: `retrying after: ${error.message}` },
      eventError: error,
    });
  }

  markCancelled(jobId: string, leaseId: string): Promise<JobEntity | null> {
    return this.ending((em) =>
      this.transition({
        em,
        jobId,
        to: 'cancelled',
        leaseId,
        set: `finished_at = now(), lease_id = NULL, error = jsonb_build_object('code', 'CANCELLED', 'message', 'cancelled by request')`,
        params: {},
      }),
    );
  }

  private async leaseWrite(
    jobId: string,
    leaseId: string,
    set: string,
    extra: unknown[],
  ): Promise<LeaseWrite> {
    const rows = await this.ds.query<[Array<{ cancel_requested: boolean }>, number]>(
      `UPDATE job SET ${set}, updated_at = now()
        WHERE id = $1 AND lease_id = $2 AND status = 'processing'
        RETURNING cancel_requested`,
      [jobId, leaseId, ...extra],
    );
    const row = rows[0]?.[0];
    return row ? { ok: true, cancelRequested: row.cancel_requested } : { ok: false, cancelRequested: false };
  }

  /**
   * One conditional UPDATE plus its event row. `$NAME` placeholders in `set`/`extraWhere` are bound from `params`.
   * With `leaseId`, the job must be `processing` under that lease; otherwise it must be in `from`
   * (default: every status the state machine allows to reach `to`).
   */
  private async transition(spec: TransitionSpec): Promise<JobEntity | null> {
    return (await this.transitionWithSource(spec))?.job ?? null;
  }

  private async transitionWithSource(
    spec: TransitionSpec,
  ): Promise<{ job: JobEntity; fromStatus: JobStatus } | null> {
    const values: unknown[] = [spec.jobId];
    const bind = (v: unknown) => `$${values.push(v)}`;
    const substitute = (sql: string) =>
      sql.replace(/\$([A-Z]+)/g, (_m, name: string) => bind(spec.params[name]));
    const set = substitute(spec.set);
    const extra = spec.extraWhere ? substitute(spec.extraWhere) : '';
    const from = spec.from ?? (spec.leaseId ? ['processing'] : sourcesOf(spec.to));
    const fromParam = bind(from);
    const leaseCond = spec.leaseId ? `AND j.lease_id = ${bind(spec.leaseId)}` : '';
    const eventError = bind(spec.eventError ? JSON.stringify(spec.eventError) : null);
    const sql = `
      WITH prev AS (SELECT id, status FROM job WHERE id = $1 FOR UPDATE),
      upd AS (
        UPDATE job j SET ${set}, status = '${spec.to}', updated_at = now()
          FROM prev
         WHERE j.id = prev.id AND ((prev.status = ANY(${fromParam}::varchar[]) ${leaseCond}) ${extra})
        RETURNING j.*, prev.status AS from_status
      ),
      ev AS (
        INSERT INTO job_event (job_id, from_status, to_status, attempt, lease_id, error)
        SELECT id, from_status, status, attempts, ${(spec.eventLease ?? spec.leaseId) ? bind(spec.eventLease ?? spec.leaseId) + '::uuid' : 'lease_id'}, ${eventError}::jsonb FROM upd
      )${isTerminal(spec.to) ? terminalCallbackCte('upd') : ''}
      SELECT * FROM upd`;
    const rows = await (spec.em ?? this.ds).query<Record<string, unknown>[]>(sql, values);
    const row = rows[0];
    return row ? { job: mapJobRow(row), fromStatus: row.from_status as JobStatus } : null;
  }
}

/** One conditional state change; see `transition`. */
interface TransitionSpec {
  jobId: string;
  to: JobStatus;
  from?: JobStatus[];
  leaseId?: string;
  set: string;
  extraWhere?: string;
  params: Record<string, unknown>;
  eventError?: JobError;
  eventLease?: string;
  em?: EntityManager;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Queues a job's message again through the outbox (in the caller's transaction); the id counts its events. */
async function enqueueJobMessage(em: EntityManager, job: JobEntity): Promise<void> {
  const events = await em.count(JobEventEntity, { where: { jobId: job.id } });
  await em.insert(OutboxEntity, {
    jobId: job.id,
    exchange: JOBS_EXCHANGE,
    routingKey: job.queue,
    payload: { jobId: job.id, type: job.type, correlationId: job.correlationId, ...traceOf(job) },
    properties: { messageId: `${job.id}:${events}`, correlationId: job.correlationId, type: job.type },
  });
}

/** The job's W3C traceparent in the message body, which the worker continues (docs/architecture.md (tracing)). */
function traceOf(job: { traceparent?: string | null }): { traceparent?: string } {
  return job.traceparent ? { traceparent: job.traceparent } : {};
}

function encodeCursor(createdAt: string, id: string): string {
  return Buffer.from(`${createdAt}|${id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: string; id: string } {
  const [createdAt, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (!createdAt || !id || Number.isNaN(Date.parse(createdAt))) throw new InvalidCursorError();
  return { createdAt, id };
}

export class InvalidCursorError extends Error {
  constructor() {
    super('invalid cursor');
  }
}
