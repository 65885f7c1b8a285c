import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Tenants, API keys, jobs, their event history and the outbox. */
export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "tenant" (
        "id" uuid NOT NULL,
        "name" character varying(128) NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_tenant" PRIMARY KEY ("id")
      )`);
    await q.query(`CREATE UNIQUE INDEX "tenant_name_uq" ON "tenant" ("name")`);
    await q.query(`
      CREATE TABLE "api_key" (
        "id" uuid NOT NULL,
        "tenant_id" uuid NOT NULL,
        "key_hash" character(64) NOT NULL,
        "prefix" character varying(16) NOT NULL,
        "role" character varying(16) NOT NULL,
        "name" character varying(128) NOT NULL DEFAULT '',
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "revoked_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "PK_api_key" PRIMARY KEY ("id")
      )`);
    await q.query(`CREATE UNIQUE INDEX "api_key_hash_uq" ON "api_key" ("key_hash")`);
    await q.query(`
      CREATE TABLE "job" (
        "id" uuid NOT NULL,
        "tenant_id" uuid NOT NULL,
        "type" character varying(64) NOT NULL,
        "queue" character varying(64) NOT NULL,
        "status" character varying(16) NOT NULL,
        "params" jsonb NOT NULL,
        "inputs" jsonb NOT NULL,
        "progress" jsonb NOT NULL,
        "attempts" integer NOT NULL DEFAULT 0,
        "error" jsonb,
        "result" jsonb,
        "lease_id" uuid,
        "heartbeat_at" TIMESTAMP WITH TIME ZONE,
        "next_attempt_at" TIMESTAMP WITH TIME ZONE,
        "cancel_requested" boolean NOT NULL DEFAULT false,
        "correlation_id" character varying(128) NOT NULL,
        "idempotency_key" character varying(255),
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "started_at" TIMESTAMP WITH TIME ZONE,
        "finished_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "PK_job" PRIMARY KEY ("id"),
        CONSTRAINT "job_status_chk" CHECK ("status" IN ('pending','processing','retrying','completed','failed','cancelled'))
      )`);
    await q.query(`CREATE INDEX "job_tenant_created_idx" ON "job" ("tenant_id", "created_at", "id")`);
    await q.query(`CREATE INDEX "job_status_heartbeat_idx" ON "job" ("status", "heartbeat_at")`);
    await q.query(
      `CREATE UNIQUE INDEX "job_tenant_idempotency_uq" ON "job" ("tenant_id", "idempotency_key") WHERE "idempotency_key" IS NOT NULL`,
    );
    await q.query(`
      CREATE TABLE "job_event" (
        "id" BIGSERIAL NOT NULL,
        "job_id" uuid NOT NULL,
        "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "from_status" character varying(16),
        "to_status" character varying(16) NOT NULL,
        "attempt" integer NOT NULL,
        "lease_id" uuid,
        "error" jsonb,
        CONSTRAINT "PK_job_event" PRIMARY KEY ("id")
      )`);
    await q.query(`CREATE INDEX "job_event_job_idx" ON "job_event" ("job_id", "id")`);
    await q.query(`
      CREATE TABLE "outbox" (
        "id" BIGSERIAL NOT NULL,
        "job_id" uuid NOT NULL,
        "exchange" character varying(128) NOT NULL,
        "routing_key" character varying(128) NOT NULL,
        "payload" jsonb NOT NULL,
        "properties" jsonb NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "sent_at" TIMESTAMP WITH TIME ZONE,
        "publish_attempts" integer NOT NULL DEFAULT 0,
        CONSTRAINT "PK_outbox" PRIMARY KEY ("id")
      )`);
    await q.query(`CREATE INDEX "outbox_unsent_idx" ON "outbox" ("id") WHERE "sent_at" IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['outbox', 'job_event', 'job', 'api_key', 'tenant']) await q.query(`DROP TABLE "${t}"`);
  }
}
