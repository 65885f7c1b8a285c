/**
 * recover-stuck-jobs against PostgreSQL and RabbitMQ: a job left `processing` after its worker lost the database
 * while writing the outcome (the broker dead-lettered its message) is taken back — retried through the outbox while
 * attempts remain, failed with a readable reason after the last one — and a job a live worker holds is left alone.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiKeyRepository,
  createDataSource,
  JobRepository,
  MaintenanceRepository,
  OutboxRepository,
  QUEUE_MAX_ATTEMPTS,
} from '@quire/job-model';
import { createLogger } from '@quire/logging';
import {
  AmqpConnection,
  ConfirmPublisher,
  declareQueueTopology,
  defineQueuePolicy,
  OutboxRelay,
  topologyNames,
} from '@quire/messaging';
import { LocalBlobStore } from '@quire/storage';
import { createTestEnvironment, type TestEnvironment } from '@quire/testing';
import { checkedResult, createJobContext } from '@quire/worker-runtime';
import { recoverStuckJobsHandler } from './handlers/recover-stuck-jobs.handler';

const logger = createLogger('recover-int', 'error', { silent: true });
const STUCK_AFTER_MS = 60_000;

describe('recover-stuck-jobs against PostgreSQL and RabbitMQ', () => {
  let env: TestEnvironment;
  let ds: DataSource;
  let jobs: JobRepository;
  let repo: MaintenanceRepository;
  let connection: AmqpConnection;
  let publisher: ConfirmPublisher;
  let relay: OutboxRelay;
  let tenantId: string;

  beforeAll(async () => {
    env = await createTestEnvironment();
    ds = createDataSource(env.database.url, { poolSize: 5 });
    await ds.initialize();
    jobs = new JobRepository(ds);
    repo = new MaintenanceRepository(ds);
    tenantId = (await new ApiKeyRepository(ds).ensureTenant('acme')).id;
    connection = new AmqpConnection({ url: env.vhost.url, connectionName: 'recover-int', logger });
    publisher = new ConfirmPublisher(connection);
    await publisher.start();
    await connection.start();
    const ch = await connection.current!.createChannel();
    await declareQueueTopology(
      ch,
      defineQueuePolicy({
        queue: 'compression',
        prefetch: 1,
        concurrency: 1,
        retryDelaysMs: [1000],
        maxAttempts: QUEUE_MAX_ATTEMPTS.compression,
        deliveryLimit: 3,
        softTimeLimitMs: 1000,
        hardTimeLimitMs: 2000,
      }),
    );
    await ch.close();
    relay = new OutboxRelay(new OutboxRepository(ds), publisher, logger, 60_000);
  });
  afterAll(async () => {
    await relay?.stop();
    await connection?.close();
    await ds?.destroy();
    await env?.cleanup();
  });

  /**
   * A compress job whose worker claimed attempt `attempt`, then lost the database while writing the outcome: the
   * message was redelivered until the broker's delivery limit dead-lettered it, and the row stayed `processing`
   * with the heartbeat of that moment (`heartbeatAgoMs` ago).
   */
  async function stuckJob(attempt: number, heartbeatAgoMs: number): Promise<string> {
    const job = await jobs.createWithOutbox({
      tenantId,
      type: 'compress',
      params: { preset: 'ebook' },
      inputs: [],
      correlationId: randomUUID(),
    });
    await relay.drainAll(); // the original message, consumed below
    const ch = await connection.current!.createChannel();
    try {
      const msg = await ch.get('compression', { noAck: false });
      if (!msg) throw new Error('the job message was not published');
      const body = JSON.parse(msg.content.toString()) as Record<string, unknown>;
      expect(body).toMatchObject({ jobId: job.id });
      await publisher.publish(topologyNames.deadLetterExchange, 'compression', body, {
        messageId: `${job.id}:dlq`,
      });
      ch.ack(msg);
    } finally {
      await ch.close();
    }
    await jobs.claim(job.id, randomUUID(), 30_000);
    await ds.query(
      `UPDATE job SET attempts = $2, heartbeat_at = now() - make_interval(secs => $3) WHERE id = $1`,
      [job.id, attempt, heartbeatAgoMs / 1000],
    );
    return job.id;
  }

  async function run(): Promise<Record<string, unknown>> {
    const created = await repo.createSystemJob({ type: 'recover-stuck-jobs' });
    const lease = randomUUID();
    const claimed = await jobs.claim(created.job.id, lease, 30_000);
    const ctx = createJobContext<'recover-stuck-jobs'>({
      job: claimed!.job,
      signal: new AbortController().signal,
      tempDir: path.join(os.tmpdir(), 'unused'),
      storage: new LocalBlobStore(env.storageDir),
      logger,
      progress: () => undefined,
    });
    let requeued = 0;
    // Checked against the type's result schema, as the consumer does before completing.
    const result = checkedResult(
      'recover-stuck-jobs',
      await recoverStuckJobsHandler({
        repo,
        jobs,
        stuckAfterMs: STUCK_AFTER_MS,
        onRequeued: () => requeued++,
      })(ctx),
    );
    await jobs.complete(created.job.id, lease, result);
    if (requeued > 0) await relay.drainAll();
    return result;
  }

  it('retries a stuck job through the outbox while attempts remain, fails it after the last, leaves live ones alone', async () => {
    const retried = await stuckJob(2, 10 * 60_000);
    const exhausted = await stuckJob(QUEUE_MAX_ATTEMPTS.compression, 10 * 60_000);
    const live = await stuckJob(1, 5_000);

    const result = await run();
    expect(result).toMatchObject({
      stuckAfterMs: STUCK_AFTER_MS,
      recovered: { retrying: 1, failed: 1, cancelled: 0 },
    });

    expect(await jobs.findById(retried)).toMatchObject({
      status: 'retrying',
      leaseId: null,
      error: { code: 'WORKER_LOST', message: 'worker stopped responding during attempt 2 of 4; retrying' },
    });
    expect(await jobs.findById(exhausted)).toMatchObject({
      status: 'failed',
      error: { code: 'WORKER_LOST', message: 'worker stopped responding during attempt 4 of 4' },
    });
    expect((await jobs.findById(live))?.status).toBe('processing');
    for (const [id, to] of [
      [retried, 'retrying'],
      [exhausted, 'failed'],
    ] as const) {
      expect((await jobs.events(id)).at(-1)).toMatchObject({ fromStatus: 'processing', toStatus: to });
    }

    // The retried job's message is on its queue again, so a worker picks it up (the dead letters stay put).
    const ch = await connection.current!.createChannel();
    try {
      const msg = await ch.get('compression', { noAck: true });
      if (!msg) throw new Error('the retried job was not published again');
      expect(JSON.parse(msg.content.toString())).toMatchObject({ jobId: retried, type: 'compress' });
      expect(await ch.get('compression', { noAck: true })).toBe(false);
    } finally {
      await ch.close();
    }
    // A second run finds nothing left to take back.
    expect(await run()).toMatchObject({ recovered: { retrying: 0, failed: 0, cancelled: 0 } });
  });
});
