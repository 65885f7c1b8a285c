import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One audit record per `redact` job (docs/architecture.md §13 (redaction)): who asked (tenant, API key or user) when
 * the gateway accepts the job; what was found (counts per type and per page, never the values) when the worker
 * completes it. No foreign key to `job`: the record outlives the job's retention.
 */
export class RedactionAudit1765100000000 implements MigrationInterface {
  name = 'RedactionAudit1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "redaction_audit" (
      "job_id" uuid PRIMARY KEY,
      "tenant_id" uuid NOT NULL,
      "key_id" varchar(255) NOT NULL,
      "submitted_by" varchar(255),
      "mode" varchar(16) NOT NULL,
      "source_job_id" uuid,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "completed_at" TIMESTAMP WITH TIME ZONE,
      "counts" jsonb,
      "pages" jsonb,
      "pages_changed" jsonb
    )`);
    await q.query(
      `CREATE INDEX "redaction_audit_tenant_idx" ON "redaction_audit" ("tenant_id", "created_at")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "redaction_audit"`);
  }
}
