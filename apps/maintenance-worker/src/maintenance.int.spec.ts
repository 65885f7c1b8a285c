import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiKeyRepository,
  createDataSource,
  JobRepository,
  MaintenanceRepository,
  SYSTEM_TENANT,
  type JobEntity,
  type JobResult,
  type JobStatus,
  type JobType,
} from '@quire/job-model';
import { createLogger } from '@quire/logging';
import {
  AmqpConnection,
  ConfirmPublisher,
  declareQueueTopology,
  defineQueuePolicy,
  probeBroker,
  RabbitManagementClient,
  topologyNames,
} from '@quire/messaging';
import { jobKeys, LocalBlobStore } from '@quire/storage';
import { createTestEnvironment, type TestEnvironment } from '@quire/testing';
import { checkedResult, createJobContext, type JobHandler } from '@quire/worker-runtime';
import { cleanupExpiredJobsHandler, DEFAULT_RETENTION_DAYS } from './handlers/cleanup-expired-jobs.handler';
import { cleanupTempFilesHandler } from './handlers/cleanup-temp-files.handler';
import { healthCheckHandler, type HealthReport } from './handlers/health-check.handler';

const logger = createLogger('maintenance-int', 'error', { silent: true });
const DAY = 86_400_000;
const HOUR = 3_600_000;

describe('maintenance tasks against PostgreSQL, RabbitMQ and real files', () => {
  let env: TestEnvironment;
  let ds: DataSource;
  let repo: MaintenanceRepository;
  let jobs: JobRepository;
  let storage: LocalBlobStore;
  let tenantId: string;
  let tempRoot: string;

  beforeAll(async () => {
    env = await createTestEnvironment();
    ds = createDataSource(env.database.url, { poolSize: 5 });
    await ds.initialize();
    repo = new MaintenanceRepository(ds);
    jobs = new JobRepository(ds);
    storage = new LocalBlobStore(env.storageDir);
    tenantId = (await new ApiKeyRepository(ds).ensureTenant('acme')).id;
    tempRoot = await fs.mkdtemp(path.join(os.tmpdir(), 'quire-maint-tmp-'));
  });
  afterAll(async () => {
    await ds?.destroy();
    await env?.cleanup();
    if (tempRoot) await fs.rm(tempRoot, { recursive: true, force: true });
  });

  /** A compress job of tenant acme in `status`, finished (or created, if unfinished) `ageDays` ago, with input and output files. */
  async function seedJob(status: JobStatus, ageDays: number): Promise<string> {
    const job = await jobs.createWithOutbox({
      tenantId,
      type: 'compress',
      params: { preset: 'ebook' },
      inputs: [],
      correlationId: randomUUID(),
    });
    const at = new Date(Date.now() - ageDays * DAY);
    const finished = ['completed', 'failed', 'cancelled'].includes(status);
    await ds.query(
      `UPDATE job SET status = $2, created_at = $3, updated_at = $3, started_at = $3, heartbeat_at = $3, finished_at = $4 WHERE id = $1`,
      [job.id, status, at, finished ? at : null],
    );
    await storage.write(jobKeys.input(job.id, 0), Readable.from([Buffer.alloc(1000, 1)]));
    if (status === 'completed')
      await storage.write(jobKeys.output(job.id, 'out.pdf'), Readable.from([Buffer.alloc(400, 2)]));
    return job.id;
  }

  /** Runs a maintenance handler the way the worker does: a system job, claimed (so it is `processing`), then completed. */
  async function runTask<T extends JobType>(
    type: T,
    handler: JobHandler<T>,
    params: Record<string, unknown> = {},
    job?: JobEntity,
  ) {
    const created = job ?? (await repo.createSystemJob({ type, params })).job;
    const lease = randomUUID();
    const claimed = job ? { job } : await jobs.claim(created.id, lease, 30_000);
    expect(claimed).not.toBeNull();
    const ctx = createJobContext<T>({
      job: claimed!.job,
      signal: new AbortController().signal,
      tempDir: path.join(tempRoot, created.id, lease),
      storage,
      logger,
      progress: () => undefined,
    });
    // Checked against the type's result schema, as the consumer does before completing.
    const result = checkedResult(type, await handler(ctx)) as JobResult<T>;
    if (!job) await jobs.complete(created.id, lease, result);
    return { job: claimed!.job, result };
  }

  const row = async (id: string) =>
    (
      await ds.query<Array<{ status: string; expired_at: Date | null }>>(
        `SELECT status, expired_at FROM job WHERE id = $1`,
        [id],
      )
    )[0];
  const filesOf = (id: string) => storage.list(jobKeys.root(id));

  it('cleanup-expired-jobs (mark): exactly the jobs past their status’s retention lose their files and get expired_at', async () => {
    const expired = {
      completed: [
        await seedJob('completed', 8),
        await seedJob('completed', 9),
        await seedJob('completed', 30),
      ],
      failed: [await seedJob('failed', 31)],
      cancelled: [await seedJob('cancelled', 7.5)],
    };
    const kept = [
      await seedJob('completed', 6),
      await seedJob('failed', 29),
      await seedJob('failed', 8),
      await seedJob('cancelled', 6),
      await seedJob('pending', 60),
      await seedJob('processing', 60),
      await seedJob('retrying', 60),
    ];
    const keptFiles = await Promise.all(kept.map(filesOf));
    expect(keptFiles.every((f) => f.length > 0)).toBe(true);

    const handler = cleanupExpiredJobsHandler({
      repo,
      retentionDays: DEFAULT_RETENTION_DAYS,
      mode: 'mark',
      batchSize: 2,
      maxBatches: 100,
    });
    const { result } = await runTask('cleanup-expired-jobs', handler);

    expect(result).toMatchObject({
      mode: 'mark',
      expired: { completed: 3, failed: 1, cancelled: 1 },
      jobsExpired: 5,
      fileErrors: 0,
      moreRemaining: false,
    });
    expect(result.bytesFreed).toBe(3 * 1400 + 1000 + 1000);
    for (const id of Object.values(expired).flat()) {
      const r = await row(id);
      expect(r.expired_at).toBeInstanceOf(Date);
      expect(await filesOf(id)).toEqual([]);
    }
    for (const [i, id] of kept.entries()) {
      expect((await row(id)).expired_at).toBeNull();
      expect(await filesOf(id)).toEqual(keptFiles[i]);
    }
    // History is kept for marked rows.
    expect((await jobs.events(expired.completed[0])).length).toBeGreaterThan(0);

    // A second run finds nothing more to do.
    const again = await runTask('cleanup-expired-jobs', handler);
    expect(again.result).toMatchObject({ jobsExpired: 0 });
  });

  it('cleanup-expired-jobs (delete): removes the rows, their history and outbox rows, in bounded batches', async () => {
    const old = [
      await seedJob('completed', 10),
      await seedJob('completed', 11),
      await seedJob('completed', 12),
    ];
    const young = await seedJob('completed', 1);
    const handler = cleanupExpiredJobsHandler({
      repo,
      retentionDays: DEFAULT_RETENTION_DAYS,
      mode: 'delete',
      batchSize: 1,
      maxBatches: 2,
    });
    const first = await runTask('cleanup-expired-jobs', handler);
    // Two batches of one per status and run: the rest waits for the next run.
    expect(first.result).toMatchObject({ moreRemaining: true });
    expect((first.result.expired as Record<string, number>).completed).toBe(2);

    const unbounded = cleanupExpiredJobsHandler({
      repo,
      retentionDays: DEFAULT_RETENTION_DAYS,
      mode: 'delete',
      batchSize: 1000,
      maxBatches: 100,
    });
    await runTask('cleanup-expired-jobs', unbounded);
    for (const id of old) {
      expect(await row(id)).toBeUndefined();
      expect(await jobs.events(id)).toEqual([]);
      expect(await ds.query(`SELECT 1 FROM outbox WHERE job_id = $1`, [id])).toEqual([]);
      expect(await filesOf(id)).toEqual([]);
    }
    expect(await row(young)).toMatchObject({ status: 'completed', expired_at: null });
    expect((await filesOf(young)).length).toBe(2);
    // Rows the earlier `mark` run kept are deleted once the mode is `delete`.
    const marked = await ds.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM job WHERE expired_at IS NOT NULL`,
    );
    expect(marked[0].n).toBe(0);
  });

  it('cleanup-temp-files: old temp folders and stale partial writes go, those of processing jobs and fresh ones stay', async () => {
    const put = async (rel: string, bytes: number, ageHours: number, base = tempRoot) => {
      const full = path.join(base, rel);
      await fs.mkdir(path.dirname(full), { recursive: true });
      await fs.writeFile(full, Buffer.alloc(bytes));
      const t = new Date(Date.now() - ageHours * HOUR);
      await fs.utimes(full, t, t);
      for (let dir = path.dirname(full); dir.length > base.length; dir = path.dirname(dir))
        await fs.utimes(dir, t, t);
    };
    const finished = await seedJob('completed', 0);
    const processing = await seedJob('processing', 0);
    await ds.query(`UPDATE job SET heartbeat_at = now() WHERE id = $1`, [processing]);
    await put(`${finished}/${randomUUID()}/input-0.pdf`, 2000, 5);
    await put(`${processing}/${randomUUID()}/input-0.pdf`, 3000, 5);
    await put(`${randomUUID()}/${randomUUID()}/fresh.pdf`, 100, 0.1);
    // Partial writes in storage: an old one of a finished job, an old one of a processing job, a fresh one.
    await put(`jobs/${finished}/output/x.pdf.partial-1-1`, 500, 3, env.storageDir);
    await put(`jobs/${processing}/output/y.pdf.partial-2-2`, 600, 3, env.storageDir);
    await put(`jobs/${finished}/output/z.pdf.partial-3-3`, 700, 1.5, env.storageDir);

    const handler = cleanupTempFilesHandler({ repo, tempRoot, maxAgeHours: 2 });
    const { job, result } = await runTask('cleanup-temp-files', handler);
    // The task's own temp folder (its job is processing while it runs) would be protected too.
    expect(job.status).toBe('processing');
    expect(result).toMatchObject({
      maxAgeHours: 2,
      filesFreed: 2,
      bytesFreed: 2500,
      tempFiles: { files: 1, bytes: 2000, protectedJobs: 1, errors: 0 },
      storagePartials: { files: 1, bytes: 500, protected: 1, errors: 0 },
    });
    const exists = (p: string) =>
      fs.access(p).then(
        () => true,
        () => false,
      );
    expect(await exists(path.join(tempRoot, finished))).toBe(false);
    expect(await exists(path.join(tempRoot, processing))).toBe(true);
    expect(await exists(path.join(env.storageDir, `jobs/${processing}/output/y.pdf.partial-2-2`))).toBe(true);
    expect(await exists(path.join(env.storageDir, `jobs/${finished}/output/z.pdf.partial-3-3`))).toBe(true);
    expect(await exists(path.join(env.storageDir, `jobs/${finished}/output/x.pdf.partial-1-1`))).toBe(false);
    // The job's real files are untouched.
    expect(await filesOf(finished)).toEqual([
      jobKeys.input(finished, 0),
      jobKeys.output(finished, 'out.pdf'),
    ]);

    // A job's maxAgeHours overrides the default: with 1 h (the least the params allow) the fresh partial goes too.
    const strict = await runTask('cleanup-temp-files', handler, { maxAgeHours: 1 });
    expect(strict.result).toMatchObject({ maxAgeHours: 1, storagePartials: { files: 1, bytes: 700 } });
  });

  it('health-check: real queue depth with no consumer, dead letters, stale jobs, and an early cleanup when the disk is "full"', async () => {
    const connection = new AmqpConnection({ url: env.vhost.url, connectionName: 'maint-int', logger });
    const publisher = new ConfirmPublisher(connection);
    await publisher.start();
    await connection.start();
    try {
      const policy = defineQueuePolicy({
        queue: 'compression',
        prefetch: 1,
        concurrency: 1,
        retryDelaysMs: [1000],
        maxAttempts: 2,
        deliveryLimit: 3,
        softTimeLimitMs: 1000,
        hardTimeLimitMs: 2000,
      });
      const ch = await connection.current!.createChannel();
      await declareQueueTopology(ch, policy);
      await ch.close();
      for (let i = 0; i < 3; i++) {
        await publisher.publish(
          topologyNames.jobsExchange,
          'compression',
          { jobId: randomUUID(), type: 'compress', correlationId: 'x' },
          { messageId: `m${i}` },
        );
      }
      await publisher.publish(
        topologyNames.deadLetterExchange,
        'compression',
        { jobId: randomUUID() },
        { messageId: 'dead' },
      );
    } finally {
      await connection.close();
    }
    const stale = await seedJob('processing', 0);
    await ds.query(`UPDATE job SET heartbeat_at = now() - interval '10 minutes' WHERE id = $1`, [stale]);

    const management = new RabbitManagementClient(env.env.QUIRE_RABBITMQ_MANAGEMENT_URL);
    let created = 0;
    const handler = healthCheckHandler({
      repo,
      probeBroker: () => probeBroker(env.vhost.url),
      queueHealth: (queues) => management.queueHealth(env.vhost.vhost, queues),
      tempRoot,
      storageDir: env.storageDir,
      diskFreeMinPercent: 100,
      staleAfterMs: 30_000,
      onJobCreated: () => created++,
    });

    // The management API refreshes its numbers every few seconds: poll until it has seen the messages.
    let report: HealthReport | undefined;
    const deadline = Date.now() + 30_000;
    let healthJob: JobEntity | undefined;
    for (;;) {
      const run = await runTask('health-check', handler);
      report = run.result;
      healthJob = run.job;
      const q = report.queues.items.find((i) => i.queue === 'compression');
      if (q?.messages === 3 && q.deadLetters === 1) break;
      if (Date.now() > deadline)
        throw new Error(`management API never showed the queue depth: ${JSON.stringify(report.queues)}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect(report.broker).toMatchObject({ reachable: true });
    expect(report.broker.latencyMs).toBeGreaterThan(0);
    expect(report.database).toMatchObject({ reachable: true });
    expect(report.queues.items.find((i) => i.queue === 'compression')).toEqual({
      queue: 'compression',
      declared: true,
      messages: 3,
      ready: 3,
      unacked: 0,
      consumers: 0,
      deadLetters: 1,
    });
    expect(report.queues.items.find((i) => i.queue === 'ocr')).toMatchObject({
      declared: false,
      messages: 0,
    });
    expect(report.problems).toEqual(
      expect.arrayContaining([
        'queue compression has 3 message(s) and no consumer',
        'queue compression has 1 dead letter(s)',
        expect.stringMatching(/^\d+ job\(s\) stuck in processing/),
        expect.stringMatching(/^temp filesystem .* has only/),
      ]),
    );
    expect(report.status).toBe('degraded');
    expect(report.staleJobs.jobs.map((j) => j.id)).toContain(stale);
    expect(report.disk.map((d) => d.role)).toEqual(['temp', 'storage']);
    expect(report.disk[0]).toMatchObject({ low: true });
    expect((report.disk[0] as { totalBytes: number }).totalBytes).toBeGreaterThan(0);

    // Low disk: one early cleanup-temp-files job of the system tenant, queued through the outbox.
    expect(report.earlyCleanup.triggered).toBe(true);
    const cleanupId = report.earlyCleanup.jobId!;
    const cleanup = await jobs.findById(cleanupId);
    expect(cleanup).toMatchObject({
      type: 'cleanup-temp-files',
      queue: 'maintenance',
      status: 'pending',
      tenantId: await repo.systemTenantId(),
    });
    expect(await ds.query(`SELECT routing_key FROM outbox WHERE job_id = $1`, [cleanupId])).toEqual([
      { routing_key: 'maintenance' },
    ]);
    expect(created).toBeGreaterThanOrEqual(1);
    // The same health-check job run again (a redelivery) does not queue a second cleanup.
    const rerun = await runTask('health-check', handler, {}, healthJob);
    expect(rerun.result.earlyCleanup.jobId).toBe(cleanupId);

    // GET /v1/admin/health serves the newest completed report.
    const latest = await repo.latestCompleted('health-check');
    expect(latest?.id).toBe(healthJob.id);
  });

  it('createSystemJob: the system tenant, the outbox, and one job per idempotency key', async () => {
    const key = `schedule:health-check:${new Date().toISOString()}`;
    const [a, b] = await Promise.all([
      repo.createSystemJob({ type: 'health-check', idempotencyKey: key }),
      repo.createSystemJob({ type: 'health-check', idempotencyKey: key }),
    ]);
    expect(a.job.id).toBe(b.job.id);
    expect([a.created, b.created].sort()).toEqual([false, true]);
    const tenant = await ds.query<Array<{ name: string }>>(
      `SELECT t.name FROM tenant t JOIN job j ON j.tenant_id = t.id WHERE j.id = $1`,
      [a.job.id],
    );
    expect(tenant).toEqual([{ name: SYSTEM_TENANT }]);
    expect(await ds.query(`SELECT count(*)::int AS n FROM outbox WHERE job_id = $1`, [a.job.id])).toEqual([
      { n: 1 },
    ]);
    // Operator keys read system jobs at /v1/jobs; the system tenant’s jobs are not any tenant’s own.
    expect((await jobs.findForOperator(a.job.id, tenantId))?.id).toBe(a.job.id);
    expect(await jobs.findForTenant(a.job.id, tenantId)).toBeNull();
  });
});
