/**
 * Jobs stuck in `processing` (gateway, compression-worker and maintenance-worker as processes; real PostgreSQL,
 * RabbitMQ and Ghostscript). The worker reaches PostgreSQL through a proxy this test controls, so the database
 * "fails" for it while it writes a job's result: the message is redelivered until the broker's delivery limit
 * dead-letters it, and the row stays `processing`. Dead-letter replay must bring such a job back (it used to ack and
 * drop the message), and the maintenance worker's recover-stuck-jobs must take it back on its own.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import amqp from 'amqplib';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDataSource, type JobEventEntity } from '@quire/job-model';
import {
  createTestEnvironment,
  getFreePort,
  makeNumberedPdf,
  startApp,
  type StartedApp,
  type TestEnvironment,
} from '@quire/testing';
import { QuireClient, type JobJson } from './helpers';

const OPERATOR_KEY = 'qk_e2e_stuck_jobs_operator_0123456789abcdef';
/** Big enough that Ghostscript works on it for a few seconds, so the database can fail mid-job. */
const SLOW_PDF = makeNumberedPdf(30, 700);

/** A TCP proxy to PostgreSQL that can drop every connection and refuse new ones until restored. */
class DatabaseProxy {
  private readonly sockets = new Set<net.Socket>();
  private down = false;
  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(target: { host: string; port: number }): Promise<DatabaseProxy> {
    const port = await getFreePort();
    let proxy: DatabaseProxy | null = null;
    const server = net.createServer((client) => {
      if (!proxy || proxy.down) {
        client.destroy();
        return;
      }
      const upstream = net.connect(target.port, target.host);
      for (const s of [client, upstream]) {
        proxy.sockets.add(s);
        s.on('close', () => proxy?.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    proxy = new DatabaseProxy(server, port);
    return proxy;
  }

  /** The database "fails": open connections drop, new ones are closed at once. */
  cut(): void {
    this.down = true;
    for (const s of this.sockets) s.destroy();
  }

  restore(): void {
    this.down = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

describe('stuck jobs (gateway + compression-worker + maintenance-worker processes)', () => {
  let env: TestEnvironment;
  let work: string;
  let proxy: DatabaseProxy;
  let proxiedEnv: Record<string, string>;
  let gateway: StartedApp;
  let worker: StartedApp;
  let maintenance: StartedApp | undefined;
  let operator: QuireClient;
  let ds: DataSource;

  beforeAll(async () => {
    env = await createTestEnvironment();
    work = await mkdtemp(path.join(os.tmpdir(), 'quire-stuck-'));
    const db = new URL(env.database.url);
    proxy = await DatabaseProxy.start({ host: db.hostname, port: Number(db.port) });
    const proxiedUrl = new URL(env.database.url);
    proxiedUrl.hostname = '127.0.0.1';
    proxiedUrl.port = String(proxy.port);
    const common = {
      ...env.env,
      QUIRE_TEMP_DIR: path.join(work, 'tmp'),
      LOG_LEVEL: 'info',
      QUIRE_STALE_AFTER_MS: '1500',
    };
    proxiedEnv = {
      ...common,
      QUIRE_DATABASE_URL: proxiedUrl.toString(),
      QUIRE_HEARTBEAT_MS: '300',
      QUIRE_RETRY_DELAYS_MS: '1000,1000,1000',
    };
    const port = await getFreePort();
    [gateway, worker] = await Promise.all([
      startApp('gateway', { ...common, PORT: String(port), QUIRE_BOOTSTRAP_API_KEY: OPERATOR_KEY }),
      startApp('compression-worker', { ...proxiedEnv, PORT: String(await getFreePort()) }),
    ]);
    operator = new QuireClient(`http://127.0.0.1:${port}`, OPERATOR_KEY);
    ds = createDataSource(env.database.url, { poolSize: 2 });
    await ds.initialize();
  });

  afterAll(async () => {
    proxy?.restore();
    await Promise.all([worker?.stop(), gateway?.stop(), maintenance?.stop()]);
    await proxy?.close();
    await ds?.destroy();
    await env?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function post(urlPath: string, body: unknown) {
    const res = await fetch(`${operator.baseUrl}${urlPath}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${OPERATOR_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  async function deadLetter(id: string) {
    const res = await operator.get('/v1/admin/dead-letters/compression');
    expect(res.status).toBe(200);
    return (
      res.body as { items: Array<{ jobId: string; jobStatus: string; deadLetteredBy: string }> }
    ).items.find((i) => i.jobId === id);
  }

  async function until<T>(
    what: string,
    probe: () => Promise<T | undefined | false>,
    timeoutMs = 120_000,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value) return value;
      if (Date.now() > deadline)
        throw new Error(`${what}: not after ${timeoutMs} ms\n${worker.output().slice(-4000)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  const events = (id: string) =>
    ds.query<Array<Pick<JobEventEntity, 'error'> & { from_status: string | null; to_status: string }>>(
      `SELECT from_status, to_status, error FROM job_event WHERE job_id = $1 ORDER BY id`,
      [id],
    );

  /**
   * A compress job whose worker loses the database mid-job: its result cannot be written, the message is
   * dead-lettered by the broker's delivery limit, and the row is left `processing`. The database comes back after.
   */
  async function stuckJob(): Promise<string> {
    const res = await operator.submit('compress', [{ name: 'slow.pdf', data: SLOW_PDF }], {
      preset: 'screen',
    });
    expect(res.status).toBe(202);
    const id = String(res.body.id);
    await until('processing', async () => (await operator.job(id)).status === 'processing');
    proxy.cut();
    try {
      const dl = await until('dead-lettered by the broker', () => deadLetter(id));
      expect(dl).toMatchObject({ deadLetteredBy: 'broker' });
      expect((await operator.job(id)).status).toBe('processing');
    } finally {
      proxy.restore();
    }
    return id;
  }

  it('replaying the dead letter of a job stuck in processing takes it back and the job completes (it used to be dropped)', async () => {
    const id = await stuckJob();
    // Nothing else will bring it back: still processing a while later.
    await new Promise((r) => setTimeout(r, 2_000));
    expect((await operator.job(id)).status).toBe('processing');

    const replay = await post('/v1/admin/dead-letters/compression/replay', { jobId: id });
    expect(replay).toMatchObject({
      status: 200,
      body: {
        replayed: [id],
        skipped: [],
        outcomes: [{ jobId: id, action: 'recovered', status: 'retrying' }],
      },
    });
    const job = await operator.waitTerminal(id, 120_000);
    expect(job).toMatchObject({ status: 'completed', attempts: 2 });
    expect(await events(id)).toContainEqual({
      from_status: 'processing',
      to_status: 'retrying',
      error: { code: 'WORKER_LOST', message: 'worker stopped responding during attempt 1 of 4; retrying' },
    });
    expect(await deadLetter(id)).toBeUndefined();
  });

  it('recover-stuck-jobs takes a stuck job back on its own, and the job completes', async () => {
    // The maintenance worker shares the failing database with the compression worker, as in a real outage.
    maintenance = await startApp('maintenance-worker', {
      ...proxiedEnv,
      PORT: String(await getFreePort()),
      QUIRE_SCHEDULE_CLEANUP_TEMP_FILES: 'off',
      QUIRE_SCHEDULE_CLEANUP_EXPIRED_JOBS: 'off',
      QUIRE_SCHEDULE_HEALTH_CHECK: 'off',
      QUIRE_SCHEDULE_RECOVER_STUCK_JOBS: '*/2 * * * * *',
      QUIRE_STUCK_AFTER_MS: '4000',
      QUIRE_SCHEDULER_LEADER_RETRY_MS: '500',
      QUIRE_OUTBOX_SWEEP_MS: '500',
    });
    const id = await stuckJob();
    const job: JobJson = await operator.waitTerminal(id, 120_000);
    expect(job.status).toBe('completed');
    expect(await events(id)).toContainEqual({
      from_status: 'processing',
      to_status: 'retrying',
      error: { code: 'WORKER_LOST', message: 'worker stopped responding during attempt 1 of 4; retrying' },
    });
    // Its dead letter is now that of a completed job: replay removes it without queueing anything.
    expect(await post('/v1/admin/dead-letters/compression/replay', { jobId: id })).toMatchObject({
      status: 200,
      body: { replayed: [], outcomes: [{ jobId: id, action: 'dropped', reason: 'job already completed' }] },
    });
  });

  it('replaying the dead letter of a retrying job whose message was lost queues it again', async () => {
    const res = await operator.submit('compress', [{ name: 'a.pdf', data: makeNumberedPdf(2) }]);
    const id = String(res.body.id);
    expect((await operator.waitTerminal(id)).status).toBe('completed');
    // As if its retry message had been dead-lettered: `retrying`, and only a dead letter left.
    await ds.query(
      `UPDATE job SET status = 'retrying', result = NULL, finished_at = NULL, next_attempt_at = now() WHERE id = $1`,
      [id],
    );
    const conn = await amqp.connect(env.vhost.url);
    try {
      const ch = await conn.createConfirmChannel();
      ch.publish(
        'quire.dlx',
        'compression',
        Buffer.from(JSON.stringify({ jobId: id, type: 'compress', correlationId: id })),
        {
          persistent: true,
          messageId: `${id}:dlq`,
        },
      );
      await ch.waitForConfirms();
    } finally {
      await conn.close();
    }
    expect(await post('/v1/admin/dead-letters/compression/replay', { jobId: id })).toMatchObject({
      status: 200,
      body: { replayed: [id], outcomes: [{ jobId: id, action: 'republished', status: 'retrying' }] },
    });
    expect(await operator.waitTerminal(id, 60_000)).toMatchObject({ status: 'completed', attempts: 2 });
  });
});
