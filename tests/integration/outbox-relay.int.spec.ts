/**
 * The outbox relay against a real PostgreSQL and RabbitMQ: a message no queue accepts yet (its worker was never
 * deployed) is deferred with backoff and never holds up rows bound for queues that exist; once its queue appears
 * it is delivered.
 */
import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { ApiKeyRepository, createDataSource, JobRepository, OutboxRepository } from '@quire/job-model';
import { createLogger } from '@quire/logging';
import {
  AmqpConnection,
  ConfirmPublisher,
  declareExchanges,
  OutboxRelay,
  topologyNames,
} from '@quire/messaging';
import { createTestDatabase, createTestVhost, type TestDatabase, type TestVhost } from '@quire/testing';

let db: TestDatabase;
let vhost: TestVhost;
let ds: DataSource;
let connection: AmqpConnection;

beforeAll(async () => {
  [db, vhost] = await Promise.all([createTestDatabase(), createTestVhost()]);
  ds = createDataSource(db.url, { poolSize: 4 });
  await ds.initialize();
  connection = new AmqpConnection({
    url: vhost.amqpUrl,
    connectionName: 'relay-test',
    logger: createLogger('t', 'error', { silent: true }),
  });
});

afterAll(async () => {
  await connection?.close();
  await ds?.destroy();
  await db?.drop();
  await vhost?.drop();
});

it('defers an unroutable row without blocking the rows behind it, and delivers it once its queue exists', async () => {
  const admin = await amqp.connect(vhost.amqpUrl);
  const ch = await admin.createChannel();
  await declareExchanges(ch);
  await ch.assertQueue('compression-test', { durable: true });
  await ch.bindQueue('compression-test', topologyNames.jobsExchange, 'compression');

  const jobs = new JobRepository(ds);
  // Fair publishing would hold this tenant to one unclaimed message; this test is about deferral.
  const outbox = new OutboxRepository(ds, { cap: 100 });
  const tenant = await new ApiKeyRepository(ds).ensureTenant('relay');
  const first = await jobs.createWithOutbox({
    tenantId: tenant.id,
    type: 'compress',
    params: {},
    inputs: [],
    correlationId: randomUUID(),
  });
  // The oldest unsent row goes to a queue nobody has declared yet.
  await ds.query(`UPDATE outbox SET routing_key = 'not-deployed' WHERE job_id = $1`, [first.id]);
  for (let i = 0; i < 3; i++) {
    await jobs.createWithOutbox({
      tenantId: tenant.id,
      type: 'compress',
      params: {},
      inputs: [],
      correlationId: randomUUID(),
    });
  }

  const publisher = new ConfirmPublisher(connection);
  await publisher.start();
  await connection.start();
  const logger = createLogger('relay-test', 'error', { silent: true });
  const relay = new OutboxRelay(outbox, publisher, logger, 60_000, 2);
  await relay.drainAll();

  expect((await ch.checkQueue('compression-test')).messageCount).toBe(3);
  const [row] = await ds.query<Array<{ publish_attempts: number; deferred: boolean }>>(
    `SELECT publish_attempts, not_before > now() AS deferred FROM outbox WHERE job_id = $1 AND sent_at IS NULL`,
    [first.id],
  );
  expect(row).toEqual({ publish_attempts: 1, deferred: true });

  // A pass right away leaves the deferred row alone.
  await relay.drainAll();
  expect(await ds.query(`SELECT publish_attempts FROM outbox WHERE job_id = $1`, [first.id])).toEqual([
    { publish_attempts: 1 },
  ]);

  // Its worker arrives; once the delay is over the message is delivered.
  await ch.assertQueue('late-test', { durable: true });
  await ch.bindQueue('late-test', topologyNames.jobsExchange, 'not-deployed');
  await ds.query(`UPDATE outbox SET not_before = now() WHERE job_id = $1`, [first.id]);
  await relay.drainAll();
  expect((await ch.checkQueue('late-test')).messageCount).toBe(1);
  expect(await outbox.countUnsent()).toBe(0);
  await admin.close();
});
