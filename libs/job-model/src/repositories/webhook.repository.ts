import type { DataSource } from 'typeorm';
import type { JobEntity } from '../entities/job.entity';
import { TenantWebhookEntity, type CallbackEvent, type DeliveryStatus } from '../entities/webhook.entity';
import { mapJobRow } from './job-row';

/**
 * The callback row of a terminal transition, as a CTE over `source` (the `upd` of a job transition): the job's
 * own callback URL, or else its tenant's default; none when neither is set. Part of the transition's statement, so
 * the job's terminal state and its callback commit together (docs/architecture.md (webhooks)).
 */
export function terminalCallbackCte(source: string): string {
  return `,
      wh AS (
        INSERT INTO webhook_delivery (job_id, tenant_id, event, url, snapshot)
        SELECT u.id, u.tenant_id, u.status, COALESCE(u.callback_url, tw.callback_url), to_jsonb(u) - 'from_status'
          FROM ${source} u LEFT JOIN tenant_webhook tw ON tw.tenant_id = u.tenant_id
         WHERE u.parent_id IS NULL AND COALESCE(u.callback_url, tw.callback_url) IS NOT NULL
      )`;
}

/**
 * The progress callback of a progress write, for jobs that asked for it: one pending row per job, brought up to
 * date by newer progress until the dispatcher takes it (then the next progress opens a new row).
 */
export function progressCallbackCte(source: string): string {
  return `,
      wh AS (
        INSERT INTO webhook_delivery (job_id, tenant_id, event, url, snapshot)
        SELECT u.id, u.tenant_id, 'progress', COALESCE(u.callback_url, tw.callback_url), to_jsonb(u)
          FROM ${source} u LEFT JOIN tenant_webhook tw ON tw.tenant_id = u.tenant_id
         WHERE u.parent_id IS NULL AND u.callback_progress AND COALESCE(u.callback_url, tw.callback_url) IS NOT NULL
        ON CONFLICT (job_id) WHERE event = 'progress' AND status = 'pending'
        DO UPDATE SET snapshot = EXCLUDED.snapshot
      )`;
}

/** A callback taken by a dispatcher for one attempt. */
export interface DueDelivery {
  id: string;
  jobId: string;
  tenantId: string;
  event: CallbackEvent;
  url: string;
  /** The job as it was when the callback was written. */
  job: JobEntity;
  /** This attempt's number (1 for the first). */
  attempt: number;
}

export interface AttemptRecord {
  startedAt: Date;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
}

/** What becomes of a delivery after an attempt. */
export type DeliveryNext =
  { status: 'delivered' } | { status: 'failed' } | { status: 'pending'; nextAttemptAt: Date };

/** A job's callbacks with every attempt, for GET /v1/jobs/{id}/callbacks. */
export interface CallbackListing {
  id: string;
  event: CallbackEvent;
  url: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: Date | null;
  createdAt: Date;
  finishedAt: Date | null;
  history: AttemptRecord[];
}

/** Signing secrets of a tenant, sealed; the previous one only while it is still valid. */
export interface SealedSecrets {
  current: string | null;
  previous: string | null;
}

const JOB_DATE_COLUMNS = [
  'created_at',
  'updated_at',
  'heartbeat_at',
  'next_attempt_at',
  'started_at',
  'finished_at',
  'expired_at',
];

/** A `to_jsonb(job)` snapshot back to the entity (its timestamps are ISO strings there). */
export function jobFromSnapshot(snapshot: Record<string, unknown>): JobEntity {
  const row: Record<string, unknown> = { ...snapshot };
  for (const column of JOB_DATE_COLUMNS) {
    const value = row[column];
    row[column] = typeof value === 'string' ? new Date(value) : null;
  }
  return mapJobRow(row);
}

/** The callback outbox and the tenants' callback settings (docs/architecture.md (webhooks)). */
export class WebhookRepository {
  constructor(private readonly ds: DataSource) {}

  /**
   * Takes up to `limit` due callbacks for one attempt each: `pending` ones whose time has come, and `sending` ones
   * whose dispatcher's lock ran out (it died mid-delivery; at-least-once). SKIP LOCKED lets dispatchers share.
   */
  async claimDue(limit: number, lockMs: number): Promise<DueDelivery[]> {
    // An UPDATE … RETURNING answers [rows, affected count] through TypeORM's postgres driver.
    const [rows] = await this.ds.query<[Array<Record<string, unknown>>, number]>(
      `UPDATE webhook_delivery d
          SET status = 'sending', attempts = d.attempts + 1, locked_until = now() + make_interval(secs => $2)
        WHERE d.id IN (
          SELECT id FROM webhook_delivery
           WHERE (status = 'pending' AND next_attempt_at <= now()) OR (status = 'sending' AND locked_until < now())
           ORDER BY next_attempt_at, id
           LIMIT $1
           FOR UPDATE SKIP LOCKED)
        RETURNING d.id, d.job_id, d.tenant_id, d.event, d.url, d.snapshot, d.attempts`,
      [limit, lockMs / 1000],
    );
    return rows.map((r) => ({
      id: String(r.id),
      jobId: r.job_id as string,
      tenantId: r.tenant_id as string,
      event: r.event as CallbackEvent,
      url: r.url as string,
      job: jobFromSnapshot(r.snapshot as Record<string, unknown>),
      attempt: r.attempts as number,
    }));
  }

  /**
   * Records one attempt and what follows. The delivery is only moved on if it is still this attempt's (a
   * dispatcher that outlived its lock does not overwrite the one that took the row back); the attempt itself is
   * always recorded, since it happened.
   */
  async recordAttempt(delivery: DueDelivery, attempt: AttemptRecord, next: DeliveryNext): Promise<void> {
    await this.ds.transaction(async (em) => {
      await em.query(
        `INSERT INTO webhook_attempt (delivery_id, attempt, started_at, duration_ms, status_code, error)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [
          delivery.id,
          delivery.attempt,
          attempt.startedAt,
          attempt.durationMs,
          attempt.statusCode,
          attempt.error?.slice(0, 1024) ?? null,
        ],
      );
      await em.query(
        `UPDATE webhook_delivery
            SET status = $3::varchar, locked_until = NULL,
                next_attempt_at = COALESCE($4::timestamptz, next_attempt_at),
                finished_at = CASE WHEN $3::varchar IN ('delivered', 'failed') THEN now() ELSE NULL END
          WHERE id = $1 AND status = 'sending' AND attempts = $2`,
        [delivery.id, delivery.attempt, next.status, next.status === 'pending' ? next.nextAttemptAt : null],
      );
    });
  }

  /** Every callback of a job, oldest first, each with its attempts. */
  async listForJob(jobId: string): Promise<CallbackListing[]> {
    const deliveries = await this.ds.query<Array<Record<string, unknown>>>(
      `SELECT id, event, url, status, attempts, next_attempt_at, created_at, finished_at
         FROM webhook_delivery WHERE job_id = $1 ORDER BY id`,
      [jobId],
    );
    if (deliveries.length === 0) return [];
    const attempts = await this.ds.query<Array<Record<string, unknown>>>(
      `SELECT delivery_id, attempt, started_at, duration_ms, status_code, error
         FROM webhook_attempt WHERE delivery_id = ANY($1::bigint[]) ORDER BY id`,
      [deliveries.map((d) => String(d.id))],
    );
    return deliveries.map((d) => ({
      id: String(d.id),
      event: d.event as CallbackEvent,
      url: d.url as string,
      status: d.status as DeliveryStatus,
      attempts: d.attempts as number,
      nextAttemptAt: d.status === 'pending' ? (d.next_attempt_at as Date) : null,
      createdAt: d.created_at as Date,
      finishedAt: (d.finished_at ?? null) as Date | null,
      history: attempts
        .filter((a) => String(a.delivery_id) === String(d.id))
        .map((a) => ({
          startedAt: a.started_at as Date,
          durationMs: a.duration_ms as number,
          statusCode: (a.status_code ?? null) as number | null,
          error: (a.error ?? null) as string | null,
        })),
    }));
  }

  findTenantSettings(tenantId: string): Promise<TenantWebhookEntity | null> {
    return this.ds.getRepository(TenantWebhookEntity).findOneBy({ tenantId });
  }

  /** The sealed secrets the dispatcher signs with, per tenant (the previous one only while still valid). */
  async sealedSecrets(tenantIds: readonly string[]): Promise<Map<string, SealedSecrets>> {
    if (tenantIds.length === 0) return new Map();
    const rows = await this.ds.query<Array<Record<string, unknown>>>(
      `SELECT tenant_id, secret_sealed,
              CASE WHEN previous_valid_until > now() THEN previous_secret_sealed END AS previous
         FROM tenant_webhook WHERE tenant_id = ANY($1::uuid[])`,
      [[...new Set(tenantIds)]],
    );
    return new Map(
      rows.map((r) => [
        r.tenant_id as string,
        {
          current: (r.secret_sealed ?? null) as string | null,
          previous: (r.previous ?? null) as string | null,
        },
      ]),
    );
  }

  /** The tenant's default callback URL (null clears it). */
  async setDefaultUrl(tenantId: string, url: string | null): Promise<void> {
    await this.ds.query(
      `INSERT INTO tenant_webhook (tenant_id, callback_url) VALUES ($1, $2)
       ON CONFLICT (tenant_id) DO UPDATE SET callback_url = EXCLUDED.callback_url`,
      [tenantId, url],
    );
  }

  /**
   * Installs a new sealed secret. The one it replaces keeps signing (beside the new one) until `previousValidFor`
   * has passed, so receivers can switch over without refusing callbacks; 0 drops it at once (a leaked secret).
   */
  async rotateSecret(tenantId: string, sealed: string, previousValidForMs: number): Promise<void> {
    await this.ds.query(
      `INSERT INTO tenant_webhook (tenant_id, secret_sealed, secret_rotated_at) VALUES ($1, $2, now())
       ON CONFLICT (tenant_id) DO UPDATE SET
         previous_secret_sealed = CASE WHEN $3 > 0 THEN tenant_webhook.secret_sealed END,
         previous_valid_until = CASE WHEN $3 > 0 AND tenant_webhook.secret_sealed IS NOT NULL
                                     THEN now() + make_interval(secs => $3) END,
         secret_sealed = EXCLUDED.secret_sealed,
         secret_rotated_at = now()`,
      [tenantId, sealed, previousValidForMs / 1000],
    );
  }

  async tenantIdByName(name: string): Promise<string | null> {
    const rows = await this.ds.query<Array<{ id: string }>>(`SELECT id FROM tenant WHERE name = $1`, [name]);
    return rows[0]?.id ?? null;
  }
}
