import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Jobs remember who submitted them when the caller is a person signed in through the company's identity provider
 * (a JWT's user claim): `submitted_by`, null for API-key callers. The index serves "my jobs, newest first".
 */
export class JobSubmitter1764700000000 implements MigrationInterface {
  name = 'JobSubmitter1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "job" ADD "submitted_by" character varying(255)`);
    await q.query(
      `CREATE INDEX "job_tenant_submitter_idx" ON "job" ("tenant_id", "submitted_by", "created_at")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "job_tenant_submitter_idx"`);
    await q.query(`ALTER TABLE "job" DROP COLUMN "submitted_by"`);
  }
}
