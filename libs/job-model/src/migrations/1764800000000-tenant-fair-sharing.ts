import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Fair sharing between tenants (docs/architecture.md §11 (tenancy and fair sharing)): the `tenant_rate` window counters
 * every gateway replica shares, and a partial index that counts a tenant's unfinished jobs (the concurrent-job
 * quota) without touching its finished history.
 */
export class TenantFairSharing1764800000000 implements MigrationInterface {
  name = 'TenantFairSharing1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "tenant_rate" ("tenant_id" uuid NOT NULL, "scope" character varying(32) NOT NULL, ` +
        `"window_start" TIMESTAMP WITH TIME ZONE NOT NULL, "count" integer NOT NULL, ` +
        `CONSTRAINT "PK_tenant_rate" PRIMARY KEY ("tenant_id", "scope"))`,
    );
    await q.query(
      `CREATE INDEX "job_tenant_active_idx" ON "job" ("tenant_id") ` +
        `WHERE "status" IN ('pending','processing','retrying')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "job_tenant_active_idx"`);
    await q.query(`DROP TABLE "tenant_rate"`);
  }
}
