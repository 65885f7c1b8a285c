import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * API keys get an optional expiry (`expires_at`; revocation already had `revoked_at`), and the role column is
 * restricted to the three roles: `user`, `admin` (a tenant admin) and `operator` (the platform operator).
 */
export class ApiKeyLifecycle1764500000000 implements MigrationInterface {
  name = 'ApiKeyLifecycle1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "api_key" ADD "expires_at" TIMESTAMP WITH TIME ZONE`);
    await q.query(
      `ALTER TABLE "api_key" ADD CONSTRAINT "api_key_role_chk" CHECK ("role" IN ('user','admin','operator'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "api_key" DROP CONSTRAINT "api_key_role_chk"`);
    await q.query(`ALTER TABLE "api_key" DROP COLUMN "expires_at"`);
  }
}
