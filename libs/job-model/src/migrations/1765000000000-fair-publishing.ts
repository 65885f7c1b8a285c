import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Fair publishing (docs/architecture.md §11 (tenancy and fair sharing)): the outbox relay holds a tenant's messages back
 * while it already has its cap of unclaimed messages in a queue, and must learn at once when one is claimed.
 * - `outbox_job_unsent_idx`: "does this job still have an unsent message?" (held-back jobs are not counted as
 *   in the broker);
 * - `outbox_turn`: when each tenant was last published to each queue (equally served tenants take turns);
 * - a trigger that notifies `quire_outbox_slot` (payload: the queue) whenever a job leaves `pending`/`retrying`
 *   (claimed, cancelled, failed unclaimed) or `processing` (finished: a slot of a queue's dispatch window): every
 *   relay process LISTENs and publishes the next held-back row.
 *   A trigger, not application code, so no path that frees a slot can forget to say so.
 */
export class FairPublishing1765000000000 implements MigrationInterface {
  name = 'FairPublishing1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX "outbox_job_unsent_idx" ON "outbox" ("job_id") WHERE "sent_at" IS NULL`);
    await q.query(
      `CREATE TABLE "outbox_turn" ("tenant_id" uuid NOT NULL, "queue" character varying(64) NOT NULL, ` +
        `"last_published_at" TIMESTAMP WITH TIME ZONE NOT NULL, ` +
        `CONSTRAINT "PK_outbox_turn" PRIMARY KEY ("tenant_id", "queue"))`,
    );
    await q.query(`
      CREATE FUNCTION quire_outbox_slot_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('quire_outbox_slot', NEW.queue);
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER job_outbox_slot_notify AFTER UPDATE OF status ON job
        FOR EACH ROW
        WHEN (OLD.status IN ('pending', 'retrying', 'processing') AND NEW.status IS DISTINCT FROM OLD.status)
        EXECUTE FUNCTION quire_outbox_slot_notify()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER job_outbox_slot_notify ON job`);
    await q.query(`DROP FUNCTION quire_outbox_slot_notify()`);
    await q.query(`DROP TABLE "outbox_turn"`);
    await q.query(`DROP INDEX "outbox_job_unsent_idx"`);
  }
}
