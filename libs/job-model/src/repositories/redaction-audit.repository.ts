import type { DataSource } from 'typeorm';

/** Who asked for a redaction (written when the gateway accepts the job). */
export interface RedactionAuditSubmission {
  jobId: string;
  tenantId: string;
  /** The API key's id (or `jwt:…` for a signed-in person), as the principal carries it. */
  keyId: string;
  submittedBy: string | null;
  mode: 'redact' | 'detect';
  sourceJobId: string | null;
}

/** What the job found and changed: counts only, never a value. */
export interface RedactionAuditOutcome {
  counts: Record<string, number>;
  pages: Array<{ page: number; counts: Record<string, number> }>;
  pagesChanged: number[];
}

export interface RedactionAuditRecord extends RedactionAuditSubmission {
  createdAt: Date;
  completedAt: Date | null;
  outcome: RedactionAuditOutcome | null;
}

interface Row {
  job_id: string;
  tenant_id: string;
  key_id: string;
  submitted_by: string | null;
  mode: 'redact' | 'detect';
  source_job_id: string | null;
  created_at: Date;
  completed_at: Date | null;
  counts: Record<string, number> | null;
  pages: RedactionAuditOutcome['pages'] | null;
  pages_changed: number[] | null;
}

/** The redaction audit trail (table `redaction_audit`, docs/architecture.md §13 (redaction)). */
export class RedactionAuditRepository {
  constructor(private readonly ds: DataSource) {}

  async recordSubmission(s: RedactionAuditSubmission): Promise<void> {
    await this.ds.query(
      `INSERT INTO redaction_audit (job_id, tenant_id, key_id, submitted_by, mode, source_job_id)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (job_id) DO NOTHING`,
      [s.jobId, s.tenantId, s.keyId, s.submittedBy, s.mode, s.sourceJobId],
    );
  }

  /**
   * Sets the outcome of a completed job. Upserts: should the gateway's insert have failed (it logs that and accepts
   * the job anyway), the record still exists, with the key recorded as unknown.
   */
  async recordOutcome(
    job: {
      id: string;
      tenantId: string;
      submittedBy: string | null;
      mode: 'redact' | 'detect';
      sourceJobId: string | null;
    },
    o: RedactionAuditOutcome,
  ): Promise<void> {
    await this.ds.query(
      `INSERT INTO redaction_audit (job_id, tenant_id, key_id, submitted_by, mode, source_job_id, completed_at,
                                    counts, pages, pages_changed)
       VALUES ($1, $2, '(not recorded)', $3, $4, $5, now(), $6::jsonb, $7::jsonb, $8::jsonb)
       ON CONFLICT (job_id) DO UPDATE SET completed_at = now(), counts = EXCLUDED.counts, pages = EXCLUDED.pages,
              pages_changed = EXCLUDED.pages_changed`,
      [
        job.id,
        job.tenantId,
        job.submittedBy,
        job.mode,
        job.sourceJobId,
        JSON.stringify(o.counts),
        JSON.stringify(o.pages),
        JSON.stringify(o.pagesChanged),
      ],
    );
  }

  /** The record of a job of this tenant; null for another tenant's or none. */
  async find(jobId: string, tenantId: string): Promise<RedactionAuditRecord | null> {
    const rows: Row[] = await this.ds.query(
      `SELECT * FROM redaction_audit WHERE job_id = $1 AND tenant_id = $2`,
      [jobId, tenantId],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      jobId: r.job_id,
      tenantId: r.tenant_id,
      keyId: r.key_id,
      submittedBy: r.submitted_by,
      mode: r.mode,
      sourceJobId: r.source_job_id,
      createdAt: r.created_at,
      completedAt: r.completed_at,
      outcome: r.counts
        ? { counts: r.counts, pages: r.pages ?? [], pagesChanged: r.pages_changed ?? [] }
        : null,
    };
  }
}
