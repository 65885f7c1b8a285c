/**
 * RabbitMQ closes a channel whose delivery stays unacked past `consumer_timeout` (a classic Celery failure with
 * long jobs). Our broker config raises it to 1 h, above every hard limit; this test shortens it to 2 s (the broker
 * checks about once a minute) and proves a job that outlives it still completes exactly once: the consumer
 * reopens its channel, the redelivery finds the job held by a live lease and is parked, and the first attempt's
 * result stands.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { ApiKeyRepository, createDataSource, JobRepository } from '@quire/job-model';
import { createLogger } from '@quire/logging';
import {
  AmqpConnection,
  ConfirmPublisher,
  defineQueuePolicy,
  QueueConsumer,
  topologyNames,
} from '@quire/messaging';
import { LocalBlobStore } from '@quire/storage';
import { createTestDatabase, getFreePort, type TestDatabase } from '@quire/testing';
import { startRabbitMQ, type RabbitMQServer } from '@quire/dev-stack';
import { createJobConsumerHandlers } from '@quire/worker-runtime';

let broker: RabbitMQServer;
let db: TestDatabase;
let ds: DataSource;
let work: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'quire-ct-'));
  [broker, db] = await Promise.all([
    startRabbitMQ({
      dataDir: path.join(work, 'rabbit'),
      port: await getFreePort(),
      managementPort: await getFreePort(),
      distPort: await getFreePort(),
      nodeName: `quire-ct-${randomBytes(3).toString('hex')}@localhost`,
      consumerTimeoutMs: 2_000,
    }),
    createTestDatabase(),
  ]);
  ds = createDataSource(db.url, { poolSize: 5 });
  await ds.initialize();
});

afterAll(async () => {
  await ds?.destroy();
  await db?.drop();
  await broker?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

it('a job longer than consumer_timeout completes exactly once', async () => {
  const logger = createLogger('ct-test', 'error', { silent: true });
  const jobs = new JobRepository(ds);
  const tenant = await new ApiKeyRepository(ds).ensureTenant('ct');
  const job = await jobs.createWithOutbox({
    tenantId: tenant.id,
    type: 'compress',
    params: {},
    inputs: [],
    correlationId: randomUUID(),
  });
  const policy = defineQueuePolicy({
    queue: 'compression',
    prefetch: 1,
    concurrency: 1,
    retryDelaysMs: [3_000],
    maxAttempts: 2,
    deliveryLimit: 5,
    softTimeLimitMs: 150_000,
    hardTimeLimitMs: 160_000,
  });
  let handlerRuns = 0;
  const connection = new AmqpConnection({ url: broker.amqpUrl, connectionName: 'ct', logger });
  const publisher = new ConfirmPublisher(connection);
  await publisher.start();
  const handlers = createJobConsumerHandlers({
    jobs,
    storage: new LocalBlobStore(path.join(work, 'storage')),
    policy,
    logger,
    tempRoot: path.join(work, 'tmp'),
    heartbeatMs: 1_000,
    staleAfterMs: 10_000,
    handlers: {
      compress: async (ctx) => {
        handlerRuns++;
        await sleep(75_000, undefined, { signal: ctx.signal });
        return { slept: true };
      },
    },
  });
  const consumer = new QueueConsumer({ connection, publisher, policy, logger, handlers });
  await consumer.start();
  await connection.start();
  await publisher.publish(
    topologyNames.jobsExchange,
    'compression',
    { jobId: job.id, type: 'compress', correlationId: job.correlationId },
    { messageId: 'ct-1' },
  );

  const deadline = Date.now() + 150_000;
  let current = await jobs.findById(job.id);
  while (current?.status !== 'completed' && Date.now() < deadline) {
    await sleep(500);
    current = await jobs.findById(job.id);
  }
  expect(current?.status).toBe('completed');
  // Let the parked redelivery come back and be acked as a duplicate of a finished job.
  await sleep(5_000);
  const events = await jobs.events(job.id);
  expect(events.filter((e) => e.toStatus === 'completed')).toHaveLength(1);
  expect(events.filter((e) => e.toStatus === 'processing')).toHaveLength(1);
  expect(handlerRuns).toBe(1);
  expect(consumer.consuming).toBe(true);
  await consumer.stop(1_000);
  await connection.close();
}, 200_000);
