import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Job callbacks (docs/architecture.md (webhooks)): a job's callback URL and whether it wants progress callbacks,
 * the tenant's default URL and sealed signing secret, and the callback outbox (`webhook_delivery`) with every
 * attempt (`webhook_attempt`); and the job's W3C traceparent (tracing).
 */
export class Webhooks1765300000000 implements MigrationInterface {
  name = 'Webhooks1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "job" ADD "callback_url" character varying(2048)`);
    await q.query(`ALTER TABLE "job" ADD "callback_progress" boolean NOT NULL DEFAULT false`);
    // The W3C traceparent the job's work continues (docs/architecture.md (tracing)), for retries too.
    await q.query(`ALTER TABLE "job" ADD "traceparent" character varying(55)`);
    await q.query(
      `CREATE TABLE "tenant_webhook" ("tenant_id" uuid NOT NULL, "callback_url" character varying(2048), ` +
        `"secret_sealed" text, "previous_secret_sealed" text, "previous_valid_until" TIMESTAMP WITH TIME ZONE, ` +
        `"secret_rotated_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_tenant_webhook" PRIMARY KEY ("tenant_id"))`,
    );
    await q.query(
      `CREATE TABLE "webhook_delivery" ("id" BIGSERIAL NOT NULL, "job_id" uuid NOT NULL, "tenant_id" uuid NOT NULL, ` +
        `"event" character varying(16) NOT NULL, "url" character varying(2048) NOT NULL, "snapshot" jsonb NOT NULL, ` +
        `"status" character varying(16) NOT NULL DEFAULT 'pending', "attempts" integer NOT NULL DEFAULT 0, ` +
        `"next_attempt_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), ` +
        `"locked_until" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), ` +
        `"finished_at" TIMESTAMP WITH TIME ZONE, ` +
        `CONSTRAINT "webhook_delivery_status_chk" CHECK ("status" IN ('pending','sending','delivered','failed')), ` +
        `CONSTRAINT "PK_webhook_delivery" PRIMARY KEY ("id"))`,
    );
    await q.query(
      `CREATE INDEX "webhook_delivery_due_idx" ON "webhook_delivery" ("next_attempt_at") ` +
        `WHERE "status" IN ('pending','sending')`,
    );
    await q.query(`CREATE INDEX "webhook_delivery_job_idx" ON "webhook_delivery" ("job_id")`);
    await q.query(
      `CREATE UNIQUE INDEX "webhook_delivery_progress_uq" ON "webhook_delivery" ("job_id") ` +
        `WHERE "event" = 'progress' AND "status" = 'pending'`,
    );
    await q.query(
      `CREATE TABLE "webhook_attempt" ("id" BIGSERIAL NOT NULL, "delivery_id" bigint NOT NULL, ` +
        `"attempt" integer NOT NULL, "started_at" TIMESTAMP WITH TIME ZONE NOT NULL, "duration_ms" integer NOT NULL, ` +
        `"status_code" integer, "error" character varying(1024), CONSTRAINT "PK_webhook_attempt" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE INDEX "webhook_attempt_delivery_idx" ON "webhook_attempt" ("delivery_id")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "webhook_attempt"`);
    await q.query(`DROP TABLE "webhook_delivery"`);
    await q.query(`DROP TABLE "tenant_webhook"`);
    await q.query(`ALTER TABLE "job" DROP COLUMN "traceparent"`);
    await q.query(`ALTER TABLE "job" DROP COLUMN "callback_progress"`);
    await q.query(`ALTER TABLE "job" DROP COLUMN "callback_url"`);
  }
}
