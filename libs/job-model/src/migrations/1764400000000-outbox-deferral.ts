import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An outbox row whose message no queue accepts yet (its worker was never deployed) is deferred with a growing
 * delay, so it neither spins the relay nor holds up the rows behind it that other queues would take.
 */
export class OutboxDeferral1764400000000 implements MigrationInterface {
  name = 'OutboxDeferral1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "outbox" ADD "not_before" TIMESTAMP WITH TIME ZONE`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "outbox" DROP COLUMN "not_before"`);
  }
}
