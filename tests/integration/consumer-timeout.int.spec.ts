/**
 * RabbitMQ closes a channel whose delivery stays unacked past `consumer_timeout` (a classic Celery failure with
 * long jobs). Our broker config raises it to 1 h, above every hard limit; this test runs its own broker with a
 * 2 s timeout, checked every second (channel_tick_interval, 60 s by default), and proves what happens then:
 * - the broker really closes the consumer's channel: 406 PRECONDITION_FAILED, "delivery acknowledgement … timed out";
 * - the consumer reopens its channel and keeps consuming;
 * - the broker redelivers the message; the job is held by the first attempt's live lease, so the redelivery is
 *   parked in the first retry tier ("recheck") instead of running the job a second time;
 * - the first attempt finishes, its result stands, and its ack (on the dead channel) is dropped;
 * - the parked copy comes back, finds the job completed and is acked: nothing is left in any queue.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import amqp from 'amqplib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import winston from 'winston';
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
import { startRabbitMQ, type RabbitMQServer } from '@quire/dev-infra';
import { createJobConsumerHandlers } from '@quire/worker-runtime';

const CONSUMER_TIMEOUT_MS = 2_000;
/** The handler outlives the timeout by a wide margin: the broker acts within timeout + one tick (≈ 3 s). */
const JOB_MS = 12_000;
const RECHECK_MS = 1_000;

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
      consumerTimeoutMs: CONSUMER_TIMEOUT_MS,
      channelTickIntervalMs: 1_000,
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

interface LogLine {
  message: string;
  level: string;
  err?: string;
  at: number;
}

/** The consumer's own log, as objects: what it saw of the broker (channel errors) and what it decided. */
function capturingLogger() {
  const lines: LogLine[] = [];
  const logger = createLogger('ct-test', 'info');
  logger.clear().add(
    new winston.transports.Stream({
      stream: new Writable({
        write(chunk: Buffer, _encoding, done) {
          const parsed = JSON.parse(chunk.toString('utf8')) as Omit<LogLine, 'at'>;
          lines.push({ ...parsed, at: Date.now() });
          done();
        },
      }),
    }),
  );
  return { logger, lines };
}

async function queueDepths(url: string, queues: string[]): Promise<Record<string, number>> {
  const conn = await amqp.connect(url);
  try {
    const ch = await conn.createChannel();
    const depths: Record<string, number> = {};
    for (const q of queues) depths[q] = (await ch.checkQueue(q)).messageCount;
    return depths;
  } finally {
    await conn.close();
  }
}

it('consumer_timeout: the broker closes the channel, the redelivery is parked, the job completes exactly once', async () => {
  const { logger, lines } = capturingLogger();
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
    retryDelaysMs: [RECHECK_MS],
    jitter: 0,
    maxAttempts: 2,
    deliveryLimit: 5,
    softTimeLimitMs: 150_000,
    hardTimeLimitMs: 160_000,
  });
  let handlerRuns = 0;
  let handlerStartedAt = 0;
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
    staleAfterMs: 30_000,
    handlers: {
      compress: async (ctx) => {
        handlerRuns++;
        handlerStartedAt = Date.now();
        await sleep(JOB_MS, undefined, { signal: ctx.signal });
        const output = { name: 'slept.pdf', bytes: 1, pages: 1, contentType: 'application/pdf' as const };
        return {
          preset: ctx.params.preset,
          inputBytes: 1,
          outputBytes: 1,
          ratio: 1,
          pages: 1,
          keptOriginal: true,
          outputs: [{ ...output, key: `jobs/${ctx.job.id}/output/slept.pdf` }],
        };
      },
    },
  });
  const consumer = new QueueConsumer({ connection, publisher, policy, logger, handlers });
  try {
    await consumer.start();
    await connection.start();
    await publisher.publish(
      topologyNames.jobsExchange,
      'compression',
      { jobId: job.id, type: 'compress', correlationId: job.correlationId },
      { messageId: 'ct-1' },
    );

    const deadline = Date.now() + 60_000;
    let current = await jobs.findById(job.id);
    while (current?.status !== 'completed' && Date.now() < deadline) {
      await sleep(250);
      current = await jobs.findById(job.id);
    }
    expect(current?.status).toBe('completed');
    expect(current?.result).toMatchObject({ keptOriginal: true, outputs: [{ name: 'slept.pdf' }] });

    // 1. The broker closed the consumer's channel for the unacked delivery, while the job was running.
    const closed = lines.find((l) => l.message === 'consumer channel error');
    expect(closed?.err).toMatch(/406/);
    expect(closed?.err).toMatch(/PRECONDITION_FAILED/);
    expect(closed?.err).toMatch(/delivery acknowledgement on channel \d+ timed out/);
    expect(closed!.at - handlerStartedAt).toBeGreaterThanOrEqual(CONSUMER_TIMEOUT_MS - 200);
    expect(closed!.at - handlerStartedAt).toBeLessThan(JOB_MS);
    // 2. The consumer reopened it.
    const reopening = lines.findIndex(
      (l) => l.message === 'consumer channel closed by the broker; reopening',
    );
    expect(reopening).toBeGreaterThan(-1);
    expect(lines.slice(reopening).some((l) => l.message === 'consuming')).toBe(true);
    // 3. The redelivery met the live lease and was parked, at least once before the job completed.
    const parked = lines.filter((l) => l.message === 'job held by another live worker; re-checking later');
    expect(parked.length).toBeGreaterThanOrEqual(1);
    expect(parked[0].at).toBeLessThan(handlerStartedAt + JOB_MS);

    // 4. The parked copy comes back after the job completed, is recognised as a duplicate and acked.
    const settle = Date.now() + 20_000;
    while (
      !lines.some((l) => l.message === 'duplicate delivery for a finished job; skipping') &&
      Date.now() < settle
    )
      await sleep(250);
    expect(lines.some((l) => l.message === 'duplicate delivery for a finished job; skipping')).toBe(true);
    await sleep(500);
    expect(
      await queueDepths(broker.amqpUrl, [
        'compression',
        topologyNames.retryQueue('compression', RECHECK_MS),
        topologyNames.deadLetterQueue('compression'),
      ]),
    ).toEqual({ compression: 0, 'compression.retry.1s': 0, 'compression.dlq': 0 });

    // Exactly one attempt ran and completed; the redeliveries never claimed the job.
    const events = await jobs.events(job.id);
    expect(events.filter((e) => e.toStatus === 'processing')).toHaveLength(1);
    expect(events.filter((e) => e.toStatus === 'completed')).toHaveLength(1);
    expect(handlerRuns).toBe(1);
    expect(consumer.consuming).toBe(true);
  } finally {
    await consumer.stop(1_000);
    await connection.close();
  }
}, 120_000);
