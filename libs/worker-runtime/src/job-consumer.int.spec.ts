/**
 * The job consumer's attempt logic against real PostgreSQL and RabbitMQ (a database and a vhost of their own):
 * stored params that no longer parse, results checked against their schema, cancellation by request, a lost lease
 * and shutdown, each ending the way the consumer maps it, with every resource of the attempt released.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { CancelledError } from '@quire/errors';
import {
  ApiKeyRepository,
  createDataSource,
  JobRepository,
  type JobEntity,
  type JobResult,
  type JobStatus,
  type LeaseWrite,
} from '@quire/job-model';
import { createLogger } from '@quire/logging';
import {
  AmqpConnection,
  ConfirmPublisher,
  defineQueuePolicy,
  QueueConsumer,
  topologyNames,
} from '@quire/messaging';
import { LocalBlobStore } from '@quire/storage';
import { createTestEnvironment, type TestEnvironment } from '@quire/testing';
import { createJobConsumerHandlers } from './job-consumer';
import type { JobContext } from './job-handler';

const logger = createLogger('job-consumer-int', 'error', { silent: true });
const HEARTBEAT_MS = 50;

/** The real repository, counting heartbeat writes per job (a leaked heartbeat timer keeps counting). */
class CountingJobRepository extends JobRepository {
  readonly heartbeats = new Map<string, number>();
  override heartbeat(jobId: string, leaseId: string): Promise<LeaseWrite> {
    this.heartbeats.set(jobId, (this.heartbeats.get(jobId) ?? 0) + 1);
    return super.heartbeat(jobId, leaseId);
  }
}

type Behaviour = (ctx: JobContext<'compress'>) => Promise<JobResult<'compress'>>;

const validResult = (ctx: JobContext<'compress'>): JobResult<'compress'> => ({
  preset: ctx.params.preset,
  inputBytes: 10,
  outputBytes: 5,
  ratio: 0.5,
  pages: 1,
  keptOriginal: false,
  outputs: [
    {
      name: 'a.compressed.pdf',
      key: `jobs/${ctx.job.id}/output/a.compressed.pdf`,
      bytes: 5,
      pages: 1,
      contentType: 'application/pdf',
    },
  ],
});

/** Works until the attempt is aborted, checking in between like a real handler. */
const untilAborted =
  (thrown: unknown[]): Behaviour =>
  async (ctx) => {
    try {
      for (;;) {
        ctx.checkpoint();
        await sleep(10);
      }
    } catch (err) {
      thrown.push(err);
      throw err;
    }
  };

describe('job consumer against PostgreSQL and RabbitMQ', () => {
  let env: TestEnvironment;
  let ds: DataSource;
  let jobs: CountingJobRepository;
  let tenantId: string;
  let tempRoot: string;
  let connection: AmqpConnection;
  let publisher: ConfirmPublisher;
  let consumer: QueueConsumer;
  let consumerHandlers: ReturnType<typeof createJobConsumerHandlers>;
  const behaviours = new Map<string, Behaviour>();
  const handlerRuns = new Map<string, number>();
  const attemptEnds: Array<{ type: string; outcome: string }> = [];
  const deadLetters: string[] = [];

  beforeAll(async () => {
    env = await createTestEnvironment();
    ds = createDataSource(env.database.url, { poolSize: 5 });
    await ds.initialize();
    jobs = new CountingJobRepository(ds);
    tenantId = (await new ApiKeyRepository(ds).ensureTenant('consumer-int')).id;
    tempRoot = await mkdtemp(path.join(os.tmpdir(), 'quire-consumer-int-'));
    const policy = defineQueuePolicy({
      queue: 'compression',
      prefetch: 2,
      concurrency: 2,
      retryDelaysMs: [60_000],
      maxAttempts: 3,
      deliveryLimit: 5,
      softTimeLimitMs: 30_000,
      hardTimeLimitMs: 40_000,
    });
    connection = new AmqpConnection({ url: env.vhost.url, connectionName: 'consumer-int', logger });
    publisher = new ConfirmPublisher(connection);
    await publisher.start();
    consumerHandlers = createJobConsumerHandlers({
      jobs,
      storage: new LocalBlobStore(env.storageDir),
      policy,
      logger,
      tempRoot,
      heartbeatMs: HEARTBEAT_MS,
      staleAfterMs: 30_000,
      handlers: {
        compress: (ctx) => {
          handlerRuns.set(ctx.job.id, (handlerRuns.get(ctx.job.id) ?? 0) + 1);
          return behaviours.get(ctx.job.id)!(ctx);
        },
      },
      onAttemptEnd: (type, outcome) => attemptEnds.push({ type, outcome }),
      onDeadLetter: (_queue, type) => deadLetters.push(type),
    });
    consumer = new QueueConsumer({ connection, publisher, policy, logger, handlers: consumerHandlers });
    await consumer.start();
    await connection.start();
  });
  afterAll(async () => {
    await consumer?.stop(1_000);
    await connection?.close();
    await ds?.destroy();
    await env?.cleanup();
    if (tempRoot) await rm(tempRoot, { recursive: true, force: true });
  });

  /** A compress job (its params optionally overwritten in the database afterwards) and its message. */
  async function submit(behaviour: Behaviour, storedParams?: unknown): Promise<JobEntity> {
    const job = await jobs.createWithOutbox({
      tenantId,
      type: 'compress',
      params: {},
      inputs: [],
      correlationId: randomUUID(),
    });
    if (storedParams !== undefined)
      await ds.query(`UPDATE job SET params = $2::jsonb WHERE id = $1`, [
        job.id,
        JSON.stringify(storedParams),
      ]);
    behaviours.set(job.id, behaviour);
    await publisher.publish(
      topologyNames.jobsExchange,
      'compression',
      { jobId: job.id, type: 'compress', correlationId: job.correlationId },
      { messageId: `${job.id}:0` },
    );
    return job;
  }

  async function waitFor(jobId: string, statuses: JobStatus[], timeoutMs = 20_000): Promise<JobEntity> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = await jobs.findById(jobId);
      if (job && statuses.includes(job.status)) return job;
      if (Date.now() > deadline)
        throw new Error(`job ${jobId} never reached ${statuses.join('|')} (${job?.status})`);
      await sleep(25);
    }
  }

  /** What an attempt leaves behind: a running entry (cancelJob finds it), a temp folder, a heartbeat timer. */
  async function expectAttemptReleased(jobId: string): Promise<void> {
    // The job's status is written before the attempt's `finally` runs: wait until the delivery is settled.
    for (let i = 0; i < 200 && consumer.activeCount > 0; i++) await sleep(25);
    expect(consumer.activeCount, 'deliveries in flight').toBe(0);
    // Soft: a leak reports all three at once.
    expect.soft(consumerHandlers.cancelJob(jobId), 'running entry').toBe(false);
    expect.soft(existsSync(path.join(tempRoot, jobId)), 'temp folder').toBe(false);
    const before = jobs.heartbeats.get(jobId) ?? 0;
    await sleep(HEARTBEAT_MS * 6);
    expect.soft(jobs.heartbeats.get(jobId) ?? 0, 'heartbeats after the attempt').toBe(before);
  }

  it('fails a job whose stored params no longer parse (VALIDATION_FAILED, no retry) and releases the attempt', async () => {
    const job = await submit((ctx) => Promise.resolve(validResult(ctx)), { preset: 'tiny' });
    const ended = await waitFor(job.id, ['failed', 'retrying', 'completed']);
    expect(ended.status).toBe('failed');
    expect(ended.error?.code).toBe('VALIDATION_FAILED');
    expect(ended.error?.message).toMatch(/^stored params no longer valid: preset: Invalid enum value/);
    expect(ended.attempts).toBe(1);
    expect(handlerRuns.get(job.id)).toBeUndefined();
    await expectAttemptReleased(job.id);
  });

  it('stores a result that matches its schema', async () => {
    const job = await submit((ctx) => Promise.resolve(validResult(ctx)));
    const done = await waitFor(job.id, ['completed', 'failed', 'retrying']);
    expect(done.status).toBe('completed');
    expect(done.result).toEqual({
      preset: 'lossless',
      inputBytes: 10,
      outputBytes: 5,
      ratio: 0.5,
      pages: 1,
      keptOriginal: false,
      outputs: [
        {
          name: 'a.compressed.pdf',
          key: `jobs/${job.id}/output/a.compressed.pdf`,
          bytes: 5,
          pages: 1,
          contentType: 'application/pdf',
        },
      ],
    });
    await expectAttemptReleased(job.id);
  });

  it('fails a result that breaks its schema at once (INTERNAL, dead-lettered), naming the fields', async () => {
    const dead = deadLetters.length;
    const job = await submit((ctx) =>
      Promise.resolve({
        ...validResult(ctx),
        ratio: 'half',
        surprise: true,
      } as unknown as JobResult<'compress'>),
    );
    const ended = await waitFor(job.id, ['failed', 'retrying', 'completed']);
    expect(ended.status).toBe('failed');
    expect(ended.error).toEqual({
      code: 'INTERNAL',
      message:
        'the compress worker returned a result that does not match its schema: ratio: Expected number, ' +
        'received string; (root): unknown field(s) "surprise"',
    });
    expect(ended.result).toBeNull();
    expect(ended.attempts).toBe(1);
    expect(deadLetters.slice(dead)).toEqual(['compress']);
    await expectAttemptReleased(job.id);
  });

  it('ends a job cancelled while processing as cancelled (by the typed reason)', async () => {
    const thrown: unknown[] = [];
    const job = await submit(untilAborted(thrown));
    await waitFor(job.id, ['processing']);
    await jobs.requestCancel(job.id, tenantId);
    const ended = await waitFor(job.id, ['cancelled', 'failed', 'retrying']);
    expect(ended.status).toBe('cancelled');
    expect(ended.error?.code).toBe('CANCELLED');
    expect(thrown).toHaveLength(1);
    expect(thrown[0]).toBeInstanceOf(CancelledError);
    expect((thrown[0] as CancelledError).reason).toBe('requested');
    expect(attemptEnds).toContainEqual({ type: 'compress', outcome: 'cancelled' });
    await expectAttemptReleased(job.id);
  });

  it('records nothing when another worker took the lease over', async () => {
    const thrown: unknown[] = [];
    const job = await submit(untilAborted(thrown));
    await waitFor(job.id, ['processing']);
    const otherLease = randomUUID();
    await ds.query(`UPDATE job SET lease_id = $2 WHERE id = $1`, [job.id, otherLease]);
    for (let i = 0; i < 200 && thrown.length === 0; i++) await sleep(25);
    expect((thrown[0] as CancelledError).reason).toBe('lease-lost');
    await sleep(200);
    const after = await jobs.findById(job.id);
    expect(after).toMatchObject({ status: 'processing', leaseId: otherLease, error: null });
    expect((await jobs.events(job.id)).map((e) => e.toStatus)).toEqual(['pending', 'processing']);
    await expectAttemptReleased(job.id);
  });

  // Last: it stops the consumer.
  it('retries a job the worker shut down on (CancelledError "shutdown" is retryable)', async () => {
    const thrown: unknown[] = [];
    const job = await submit(untilAborted(thrown));
    await waitFor(job.id, ['processing']);
    await consumer.stop(100);
    const ended = await waitFor(job.id, ['retrying', 'failed', 'cancelled']);
    expect(ended.status).toBe('retrying');
    expect(ended.error).toEqual({
      code: 'CANCELLED',
      message: 'the worker shut down before the job finished',
    });
    expect((thrown[0] as CancelledError).reason).toBe('shutdown');
    await expectAttemptReleased(job.id);
  });
});
