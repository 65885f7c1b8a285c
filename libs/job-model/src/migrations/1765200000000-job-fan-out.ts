import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Fan-out of large documents (docs/architecture.md (fan-out)): a job above the page threshold is split into chunk
 * jobs, rows of `job` linked to it by `parent_id` (JobRepository.deleteFinished removes them with it), each holding its page range in `chunk`; the
 * parent records how many chunks it was split into in `chunks_total` (null: not split). Chunks are not in the
 * tenant's unfinished-job count, so the active-job index leaves them out.
 */
export class JobFanOut1765200000000 implements MigrationInterface {
  name = 'JobFanOut1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE "job" ADD "parent_id" uuid NULL, ` +
        `ADD "chunk" jsonb NULL, ADD "chunks_total" integer NULL`,
    );
    await q.query(`CREATE INDEX "job_parent_idx" ON "job" ("parent_id") WHERE "parent_id" IS NOT NULL`);
    await q.query(`DROP INDEX "job_tenant_active_idx"`);
    await q.query(
      `CREATE INDEX "job_tenant_active_idx" ON "job" ("tenant_id") ` +
        `WHERE "status" IN ('pending','processing','retrying') AND "parent_id" IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "job_tenant_active_idx"`);
    await q.query(
      `CREATE INDEX "job_tenant_active_idx" ON "job" ("tenant_id") ` +
        `WHERE "status" IN ('pending','processing','retrying')`,
    );
    await q.query(`DROP INDEX "job_parent_idx"`);
    await q.query(
      `ALTER TABLE "job" DROP COLUMN "chunks_total", DROP COLUMN "chunk", DROP COLUMN "parent_id"`,
    );
  }
}
