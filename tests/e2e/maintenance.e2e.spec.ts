/**
 * Maintenance end to end: the gateway and the maintenance-worker as processes, real PostgreSQL and RabbitMQ.
 * Admin-run tasks, the scheduler firing on its own, the health report, retention answering 410, /metrics.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyRepository, createDataSource } from '@quire/job-model';
import {
  createTestEnvironment,
  getFreePort,
  startApp,
  type StartedApp,
  type TestEnvironment,
} from '@quire/testing';
import { QuireClient, type JobJson } from './helpers';

/** The bootstrap key: the platform operator's. */
const ADMIN_KEY = 'qk_e2e_maintenance_admin_0123456789abcdef';

describe('maintenance (gateway + maintenance-worker processes)', () => {
  let env: TestEnvironment;
  let work: string;
  let tempDir: string;
  let gateway: StartedApp;
  let worker: StartedApp;
  let admin: QuireClient;
  let user: QuireClient;
  let tenantAdmin: QuireClient;
  let ds: DataSource;

  beforeAll(async () => {
    env = await createTestEnvironment();
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'quire-maint-e2e-'));
    tempDir = path.join(work, 'tmp');
    const common = { ...env.env, QUIRE_TEMP_DIR: tempDir, LOG_LEVEL: 'info' };
    const gatewayPort = await getFreePort();
    [gateway, worker] = await Promise.all([
      startApp('gateway', { ...common, PORT: String(gatewayPort), QUIRE_BOOTSTRAP_API_KEY: ADMIN_KEY }),
      startApp('maintenance-worker', {
        ...common,
        PORT: String(await getFreePort()),
        QUIRE_SCHEDULE_CLEANUP_TEMP_FILES: 'off',
        QUIRE_SCHEDULE_CLEANUP_EXPIRED_JOBS: 'off',
        QUIRE_SCHEDULE_HEALTH_CHECK: '*/2 * * * * *',
        QUIRE_SCHEDULER_LEADER_RETRY_MS: '500',
        QUIRE_METRICS_REFRESH_MS: '500',
      }),
    ]);
    admin = new QuireClient(`http://127.0.0.1:${gatewayPort}`, ADMIN_KEY);
    ds = createDataSource(env.database.url, { poolSize: 2 });
    await ds.initialize();
    user = new QuireClient(
      admin.baseUrl,
      (await new ApiKeyRepository(ds).createKey('default', 'user', 'e2e-user')).key,
    );
    tenantAdmin = new QuireClient(
      admin.baseUrl,
      (await new ApiKeyRepository(ds).createKey('acme', 'admin', 'e2e-tenant-admin')).key,
    );
  });

  afterAll(async () => {
    await Promise.all([worker?.stop(), gateway?.stop()]);
    await ds?.destroy();
    await env?.cleanup();
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  async function post(client: QuireClient, urlPath: string, body?: unknown) {
    const res = await fetch(`${client.baseUrl}${urlPath}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${client.apiKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
  }

  /** Runs a task as an admin and waits for its job to finish (the admin reads the system tenant's job at /v1/jobs/{id}). */
  async function runTask(task: string, params?: unknown): Promise<JobJson> {
    const res = await post(admin, `/v1/admin/maintenance/${task}`, params);
    expect(res.status).toBe(202);
    expect(res.headers.get('location')).toBe(`/v1/jobs/${String(res.body.id)}`);
    return admin.waitTerminal(String(res.body.id), 60_000);
  }

  it('refuses maintenance routes to users and tenant admins (403: operator only) and to anonymous callers (401)', async () => {
    expect((await post(user, '/v1/admin/maintenance/health-check')).status).toBe(403);
    expect((await post(tenantAdmin, '/v1/admin/maintenance/health-check')).status).toBe(403);
    expect((await tenantAdmin.get('/v1/admin/health')).status).toBe(403);
    const health = await user.get('/v1/admin/health');
    expect(health.status).toBe(403);
    expect(health.body).toMatchObject({ error: { code: 'FORBIDDEN' } });
    const anonymous = await fetch(`${admin.baseUrl}/v1/admin/maintenance/health-check`, { method: 'POST' });
    expect(anonymous.status).toBe(401);
    await anonymous.arrayBuffer();
    const unknown = await post(admin, '/v1/admin/maintenance/defragment');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({
      error: {
        code: 'NOT_FOUND',
        details: {
          allowed: ['cleanup-temp-files', 'cleanup-expired-jobs', 'health-check', 'recover-stuck-jobs'],
        },
      },
    });
    expect((await post(admin, '/v1/admin/maintenance/cleanup-temp-files', { maxAgeHours: -1 })).status).toBe(
      400,
    );
    // Maintenance types are not public job types.
    expect((await user.submit('health-check', [])).status).toBe(404);
  });

  it('an admin-run health-check is a job like any other: 202 + job JSON, completed with the report, served at /v1/admin/health', async () => {
    const res = await post(admin, '/v1/admin/maintenance/health-check');
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({
      type: 'health-check',
      status: 'pending',
      attempts: 0,
      error: null,
      result: null,
      progress: { percent: 0 },
    });
    for (const field of ['id', 'createdAt', 'updatedAt']) expect(typeof res.body[field]).toBe('string');
    const id = String(res.body.id);

    const job = await admin.waitTerminal(id, 60_000);
    expect(job).toMatchObject({ status: 'completed', attempts: 1, error: null });
    const report = job.result as Record<string, unknown> & {
      queues: { available: boolean; items: Array<{ queue: string; declared: boolean; consumers: number }> };
    };
    expect(report).toMatchObject({
      broker: { reachable: true },
      database: { reachable: true },
      queues: { available: true },
    });
    // The worker's own queue is declared and consumed.
    expect(report.queues.items.find((q) => q.queue === 'maintenance')).toMatchObject({ declared: true });
    // Neither a user nor a tenant admin can see the system job.
    expect((await user.get(`/v1/jobs/${id}`)).status).toBe(404);
    expect((await tenantAdmin.get(`/v1/jobs/${id}`)).status).toBe(404);

    const health = await admin.get('/v1/admin/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ broker: { reachable: true }, database: { reachable: true } });
    expect(typeof (health.body as Record<string, unknown>).jobId).toBe('string');
    expect(Date.parse(String((health.body as Record<string, unknown>).reportedAt))).toBeGreaterThanOrEqual(
      Date.parse(job.createdAt),
    );
  });

  it('the scheduler fires on its own: scheduled health checks are listed with their results', async () => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const list = await admin.get('/v1/admin/maintenance/jobs?type=health-check&status=completed&limit=100');
      expect(list.status).toBe(200);
      const items = (list.body as { items: JobJson[] }).items;
      // The admin-run one plus at least two scheduled ones (every 2 s).
      if (items.length >= 3) {
        expect(items.every((j) => j.type === 'health-check' && j.result !== null)).toBe(true);
        break;
      }
      if (Date.now() > deadline)
        throw new Error(
          `only ${items.length} completed health checks after 30 s:\n${worker.output().slice(-3000)}`,
        );
      await new Promise((r) => setTimeout(r, 500));
    }
  });

  it('cleanup-expired-jobs: an expired job’s files are deleted and its downloads answer 410 with the expiry time', async () => {
    const tenantId = (
      await ds.query<Array<{ id: string }>>(`SELECT id FROM tenant WHERE name = 'default'`)
    )[0].id;
    const old = await seedCompleted(tenantId, 8);
    const recent = await seedCompleted(tenantId, 1);
    expect((await admin.get(`/v1/jobs/${old}/download`)).status).toBe(200);

    const job = await runTask('cleanup-expired-jobs');
    expect(job.status).toBe('completed');
    expect((job.result as { expired: Record<string, number> }).expired.completed).toBeGreaterThanOrEqual(1);

    for (const url of [`/v1/jobs/${old}/download`, `/v1/jobs/${old}/outputs/out.pdf`]) {
      const gone = await admin.get(url);
      expect(gone.status).toBe(410);
      const error = (
        gone.body as { error: { code: string; message: string; details: { expiredAt: string } } }
      ).error;
      expect(error.code).toBe('GONE');
      expect(Date.parse(error.details.expiredAt)).toBeGreaterThan(Date.now() - 120_000);
      expect(error.message).toContain(error.details.expiredAt);
    }
    const shown = (await admin.get(`/v1/jobs/${old}`)).body as Record<string, unknown> & {
      links: Record<string, string>;
    };
    expect(typeof shown.expiredAt).toBe('string');
    expect(shown.links.download).toBeUndefined();
    await expect(fs.access(path.join(env.storageDir, 'jobs', old))).rejects.toThrow();
    // The younger job is untouched.
    const kept = await admin.get(`/v1/jobs/${recent}/download`);
    expect(kept.status).toBe(200);
    expect((kept.body as Buffer).length).toBe(300);
  });

  it('cleanup-temp-files run by an admin frees old temp folders and reports what it freed', async () => {
    const stale = path.join(tempDir, randomUUID(), randomUUID());
    await fs.mkdir(stale, { recursive: true });
    await fs.writeFile(path.join(stale, 'input-0.pdf'), Buffer.alloc(4096));
    const t = new Date(Date.now() - 5 * 3_600_000);
    await fs.utimes(path.join(stale, 'input-0.pdf'), t, t);
    await fs.utimes(stale, t, t);
    await fs.utimes(path.dirname(stale), t, t);

    const job = await runTask('cleanup-temp-files');
    expect(job.status).toBe('completed');
    expect(job.result).toMatchObject({ maxAgeHours: 2 });
    expect((job.result as { filesFreed: number; bytesFreed: number }).filesFreed).toBeGreaterThanOrEqual(1);
    expect((job.result as { bytesFreed: number }).bytesFreed).toBeGreaterThanOrEqual(4096);
    await expect(fs.access(path.dirname(stale))).rejects.toThrow();
  });

  it('every app serves Prometheus /metrics: job counts, attempt durations, queue depth, scheduler, process metrics', async () => {
    const gw = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(gw).toMatch(/^quire_jobs\{.*type="health-check".*\} \d+/m);
    expect(gw).toMatch(/^quire_http_requests_total\{.*route="\/v1\/admin\/maintenance\/:task".*\} \d+/m);
    expect(gw).toMatch(/^process_cpu_user_seconds_total\{service="gateway"\}/m);

    const deadline = Date.now() + 30_000;
    let mw = '';
    for (;;) {
      mw = await (await fetch(`${worker.url}/metrics`)).text();
      // Queue figures come from the management API, which refreshes them every few seconds.
      if (/^quire_queue_consumers\{.*queue="maintenance".*\} [1-9]/m.test(mw) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(mw).toMatch(
      /^quire_job_attempt_duration_seconds_count\{.*type="health-check".*outcome="completed".*\} [1-9]/m,
    );
    expect(mw).toMatch(/^quire_job_attempts_total\{.*type="cleanup-expired-jobs".*\} 1/m);
    expect(mw).toMatch(/^quire_scheduler_leader\{service="maintenance-worker"\} 1/m);
    expect(mw).toMatch(/^quire_scheduler_ticks_total\{.*task="health-check".*outcome="fired".*\} [1-9]/m);
    expect(mw).toMatch(/^quire_queue_consumers\{.*queue="maintenance".*\} [1-9]/m);
    expect(mw).toMatch(/^quire_jobs\{.*status="completed".*\} \d+/m);
    expect(mw).toMatch(/^nodejs_eventloop_lag_seconds\{service="maintenance-worker"\}/m);
  });

  /** A completed compress job of `tenantId`, finished `ageDays` ago, with a 300-byte output in storage. */
  async function seedCompleted(tenantId: string, ageDays: number): Promise<string> {
    const id = randomUUID();
    const at = new Date(Date.now() - ageDays * 86_400_000);
    const key = `jobs/${id}/output/out.pdf`;
    await fs.mkdir(path.join(env.storageDir, 'jobs', id, 'output'), { recursive: true });
    await fs.writeFile(path.join(env.storageDir, key), Buffer.alloc(300, 7));
    await ds.query(
      `INSERT INTO job (id, tenant_id, type, queue, status, params, inputs, progress, attempts, result, correlation_id,
                        created_at, updated_at, started_at, finished_at)
       VALUES ($1, $2, 'compress', 'compression', 'completed', '{"preset":"ebook"}', '[]',
               '{"percent":100,"stage":"completed","message":"done"}', 1, $3::jsonb, $4, $5, $5, $5, $5)`,
      [id, tenantId, JSON.stringify({ outputs: [{ name: 'out.pdf', key, bytes: 300 }] }), `seed-${id}`, at],
    );
    return id;
  }
});
