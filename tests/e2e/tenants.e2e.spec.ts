/**
 * Tenants and roles end to end (gateway + compression-worker processes, real PostgreSQL/RabbitMQ/Ghostscript):
 * another tenant's job is indistinguishable from a missing one on every route; a tenant admin sees and replays only
 * its own tenant's dead letters and runs nothing queue-wide; the platform operator sees every tenant; API keys
 * created, expired and revoked from the command line, refused with one identical 401 that only the logs tell apart.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import amqp from 'amqplib';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyRepository, createDataSource } from '@quire/job-model';
import {
  createTestEnvironment,
  getFreePort,
  makeNumberedPdf,
  REPO_ROOT,
  startApp,
  type StartedApp,
  type TestEnvironment,
} from '@quire/testing';
import { QuireClient, type JobJson } from './helpers';

const run = promisify(execFile);
const OPERATOR_KEY = 'qk_e2e_tenants_operator_0123456789abcdef';

interface Answer {
  status: number;
  body: unknown;
}

describe('tenants and roles (gateway + compression-worker processes)', () => {
  let env: TestEnvironment;
  let work: string;
  let gateway: StartedApp;
  let worker: StartedApp;
  let ds: DataSource;
  let baseUrl: string;
  const keys: Record<'aUser' | 'aAdmin' | 'bUser' | 'bAdmin', string> = {
    aUser: '',
    aAdmin: '',
    bUser: '',
    bAdmin: '',
  };
  let jobA: JobJson;
  let jobB: JobJson;

  beforeAll(async () => {
    env = await createTestEnvironment();
    work = await mkdtemp(path.join(os.tmpdir(), 'quire-tenants-'));
    const common = { ...env.env, QUIRE_TEMP_DIR: path.join(work, 'tmp'), LOG_LEVEL: 'info' };
    const port = await getFreePort();
    [gateway, worker] = await Promise.all([
      startApp('gateway', { ...common, PORT: String(port), QUIRE_BOOTSTRAP_API_KEY: OPERATOR_KEY }),
      startApp('compression-worker', { ...common, PORT: String(await getFreePort()) }),
    ]);
    baseUrl = `http://127.0.0.1:${port}`;
    ds = createDataSource(env.database.url, { poolSize: 2 });
    await ds.initialize();
    const repo = new ApiKeyRepository(ds);
    keys.aUser = (await repo.createKey('tenant-a', 'user')).key;
    keys.aAdmin = (await repo.createKey('tenant-a', 'admin')).key;
    keys.bUser = (await repo.createKey('tenant-b', 'user')).key;
    keys.bAdmin = (await repo.createKey('tenant-b', 'admin')).key;
    const a = new QuireClient(baseUrl, keys.aUser);
    const b = new QuireClient(baseUrl, keys.bUser);
    const [subA, subB] = await Promise.all([
      a.submit('compress', [{ name: 'a.pdf', data: makeNumberedPdf(2) }]),
      b.submit('compress', [{ name: 'b.pdf', data: makeNumberedPdf(2) }]),
    ]);
    jobA = await a.waitTerminal(String(subA.body.id));
    jobB = await b.waitTerminal(String(subB.body.id));
    expect([jobA.status, jobB.status]).toEqual(['completed', 'completed']);
  });

  afterAll(async () => {
    await Promise.all([worker?.stop(), gateway?.stop()]);
    await ds?.destroy();
    await env?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function call(key: string | null, method: string, urlPath: string, body?: unknown): Promise<Answer> {
    const res = await fetch(`${baseUrl}${urlPath}`, {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON (SSE, a file) */
    }
    return { status: res.status, body: parsed };
  }

  /** The answer with the job id masked, so answers about two different ids can be compared. */
  const masked = (answer: Answer, id: string) =>
    JSON.parse(JSON.stringify(answer).replaceAll(id, '<id>')) as Answer;

  it('tenant B (user or admin) cannot read, download, watch, cancel, delete or retry tenant A’s job: 404, identical to a missing job', async () => {
    const outputName = (jobA.result as { outputs: Array<{ name: string }> }).outputs[0].name;
    const missing = randomUUID();
    const routes: Array<[string, (id: string) => string]> = [
      ['GET', (id) => `/v1/jobs/${id}`],
      ['GET', (id) => `/v1/jobs/${id}/result`],
      ['GET', (id) => `/v1/jobs/${id}/download`],
      ['GET', (id) => `/v1/jobs/${id}/outputs/${encodeURIComponent(outputName)}`],
      ['GET', (id) => `/v1/jobs/${id}/events`],
      ['DELETE', (id) => `/v1/jobs/${id}`],
      ['POST', (id) => `/v1/jobs/${id}/retry`],
    ];
    for (const key of [keys.bUser, keys.bAdmin]) {
      for (const [method, url] of routes) {
        const foreign = await call(key, method, url(jobA.id));
        const absent = await call(key, method, url(missing));
        expect(foreign.status, `${method} ${url(':id')}`).toBe(404);
        expect(masked(foreign, jobA.id), `${method} ${url(':id')}`).toEqual(masked(absent, missing));
      }
      const list = await call(key, 'GET', '/v1/jobs?limit=100');
      expect((list.body as { items: JobJson[] }).items.map((j) => j.id)).toEqual([jobB.id]);
    }
    // A's job is untouched and still A's.
    const own = await call(keys.aUser, 'GET', `/v1/jobs/${jobA.id}`);
    expect(own).toMatchObject({ status: 200, body: { status: 'completed' } });
    expect((await call(keys.aUser, 'GET', `/v1/jobs/${jobA.id}/download`)).status).toBe(200);
  });

  it('SSE of a finished job sends its final state once and ends at once', async () => {
    const started = Date.now();
    const res = await call(keys.aUser, 'GET', `/v1/jobs/${jobA.id}/events`);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(res.status).toBe(200);
    const events = String(res.body)
      .split('\n\n')
      .filter((e) => e.startsWith('event: job'));
    expect(events).toHaveLength(1);
    const data = JSON.parse(
      events[0]
        .split('\n')
        .find((l) => l.startsWith('data: '))!
        .slice(6),
    ) as JobJson;
    expect(data).toMatchObject({ id: jobA.id, status: 'completed' });
  });

  it('a tenant admin sees and replays only its own tenant’s dead letters; the operator sees all; only the operator purges', async () => {
    // Both jobs' messages end up in the dead-letter queue (as after a delivery limit).
    const conn = await amqp.connect(env.vhost.url);
    try {
      const ch = await conn.createConfirmChannel();
      for (const job of [jobA, jobB]) {
        ch.publish(
          'quire.dlx',
          'compression',
          Buffer.from(JSON.stringify({ jobId: job.id, type: 'compress', correlationId: job.id })),
          {
            persistent: true,
            messageId: `${job.id}:dlq`,
          },
        );
      }
      await ch.waitForConfirms();
    } finally {
      await conn.close();
    }
    const listed = async (key: string) =>
      (
        (await call(key, 'GET', '/v1/admin/dead-letters/compression')).body as {
          items: Array<{ jobId: string }>;
        }
      ).items
        .map((i) => i.jobId)
        .sort();

    expect(await listed(keys.aAdmin)).toEqual([jobA.id]);
    expect(await listed(keys.bAdmin)).toEqual([jobB.id]);
    expect(await listed(OPERATOR_KEY)).toEqual([jobA.id, jobB.id].sort());
    expect((await call(keys.aUser, 'GET', '/v1/admin/dead-letters/compression')).status).toBe(403);

    // A's admin cannot replay B's dead letter: as if there were none; it stays.
    const foreign = await call(keys.aAdmin, 'POST', '/v1/admin/dead-letters/compression/replay', {
      jobId: jobB.id,
    });
    expect(foreign.status).toBe(404);
    // Replay-all by A's admin handles A's dead letter only (its job completed: removed, nothing queued).
    const all = await call(keys.aAdmin, 'POST', '/v1/admin/dead-letters/compression/replay', {});
    expect(all).toMatchObject({
      status: 200,
      body: {
        replayed: [],
        outcomes: [
          { jobId: jobA.id, action: 'dropped', status: 'completed', reason: 'job already completed' },
        ],
      },
    });
    expect(await listed(OPERATOR_KEY)).toEqual([jobB.id]);

    // Queue-wide operations and maintenance are the operator's.
    for (const [method, url, body] of [
      ['DELETE', '/v1/admin/dead-letters/compression', undefined],
      ['GET', '/v1/admin/queues', undefined],
      ['GET', '/v1/admin/health', undefined],
      ['GET', '/v1/admin/maintenance/jobs', undefined],
      ['POST', '/v1/admin/maintenance/health-check', {}],
    ] as const) {
      const refused = await call(keys.bAdmin, method, url, body);
      expect(refused, `${method} ${url}`).toMatchObject({
        status: 403,
        body: { error: { code: 'FORBIDDEN' } },
      });
    }
    expect(await call(OPERATOR_KEY, 'DELETE', '/v1/admin/dead-letters/compression')).toMatchObject({
      status: 200,
      body: { purged: 1 },
    });
    expect((await call(OPERATOR_KEY, 'GET', '/v1/admin/queues')).status).toBe(200);
  });

  it('maintenance params are bounded: no tiny or huge ages, no unknown fields', async () => {
    for (const params of [
      { maxAgeHours: 0.01 },
      { maxAgeHours: 100_000 },
      { maxAgeHours: 2, path: '/etc' },
    ]) {
      const res = await call(OPERATOR_KEY, 'POST', '/v1/admin/maintenance/cleanup-temp-files', params);
      expect(res, JSON.stringify(params)).toMatchObject({
        status: 400,
        body: { error: { code: 'VALIDATION_FAILED' } },
      });
    }
    // A tenant's job is not readable through the operator's system-job access either.
    expect((await call(OPERATOR_KEY, 'GET', `/v1/jobs/${jobA.id}`)).status).toBe(404);
  });

  it('keys from the command line: an operator key with an expiry; revoked and expired keys get the same 401 as unknown ones, told apart in the logs', async () => {
    const cli = async (script: string, ...args: string[]) => {
      const { stdout } = await run(
        process.execPath,
        ['--import', 'tsx', `apps/gateway/src/cli/${script}.ts`, ...args],
        {
          cwd: REPO_ROOT,
          // The command needs PATH etc.; its database is this file's.
          env: { ...process.env, QUIRE_DATABASE_URL: env.database.url },
        },
      );
      return JSON.parse(stdout) as Record<string, unknown>;
    };
    const created = await cli(
      'create-api-key',
      '--tenant',
      'ops',
      '--role',
      'operator',
      '--name',
      'e2e',
      '--expires-in',
      '1d',
    );
    expect(created).toMatchObject({
      tenant: 'ops',
      role: 'operator',
      prefix: String(created.apiKey).slice(0, 10),
    });
    expect(Date.parse(String(created.expiresAt)) - Date.now()).toBeGreaterThan(23 * 3_600_000);
    const operatorKey = String(created.apiKey);
    expect((await call(operatorKey, 'GET', '/v1/admin/queues')).status).toBe(200);
    expect(await listedDeadLetterCount(operatorKey)).toBe(0);

    const expiring = await new ApiKeyRepository(ds).createKey('tenant-a', 'user', 'short', {
      expiresAt: new Date(Date.now() + 60_000),
    });
    expect((await call(expiring.key, 'GET', '/v1/jobs')).status).toBe(200);
    await ds.query(`UPDATE api_key SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      expiring.id,
    ]);

    expect(await cli('revoke-api-key', '--id', String(created.id))).toMatchObject({
      id: created.id,
      revoked: true,
    });
    const unknownKey = `qk_${'x'.repeat(43)}`;
    const answers = await Promise.all(
      [unknownKey, operatorKey, expiring.key].map((k) => call(k, 'GET', '/v1/admin/queues')),
    );
    expect(answers.map((a) => a.status)).toEqual([401, 401, 401]);
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);

    const listing = await cli('list-api-keys', '--tenant', 'ops');
    expect(listing).toMatchObject({ items: [{ id: created.id, role: 'operator', name: 'e2e' }] });
    expect(JSON.stringify(listing)).not.toContain(operatorKey);

    const deadline = Date.now() + 5_000;
    let refusals: Array<Record<string, unknown>> = [];
    while (refusals.length < 3 && Date.now() < deadline) {
      refusals = gateway
        .output()
        .split('\n')
        .filter((l) => l.includes('"API key refused"'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(refusals.map((r) => r.reason).sort()).toEqual(['expired', 'revoked', 'unknown']);
    expect(refusals.find((r) => r.reason === 'revoked')).toMatchObject({
      keyId: created.id,
      keyPrefix: created.prefix,
    });
    expect(refusals.find((r) => r.reason === 'expired')).toMatchObject({ keyId: expiring.id });
    expect(gateway.output()).not.toContain(operatorKey);
  });

  async function listedDeadLetterCount(key: string): Promise<number> {
    const res = await call(key, 'GET', '/v1/admin/dead-letters/compression');
    return (res.body as { items: unknown[] }).items.length;
  }
});
