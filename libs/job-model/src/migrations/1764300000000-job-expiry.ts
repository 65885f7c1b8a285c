import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Retention (cleanup-expired-jobs): `expired_at` marks a finished job whose files were deleted (its row is kept
 * for history), and a partial index lets the cleanup find the next batch of unexpired finished jobs per status
 * without scanning the table.
 */
export class JobExpiry1764300000000 implements MigrationInterface {
  name = 'JobExpiry1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "job" ADD "expired_at" TIMESTAMP WITH TIME ZONE`);
    await q.query(
      `CREATE INDEX "job_retention_idx" ON "job" ("status", "finished_at") WHERE "expired_at" IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "job_retention_idx"`);
    await q.query(`ALTER TABLE "job" DROP COLUMN "expired_at"`);
  }
}
