/**
 * Job callbacks against PostgreSQL and a local HTTP receiver (docs/architecture.md (webhooks)): the callback row is
 * written with the job's terminal state, sent signed, retried after a failed answer with every attempt recorded,
 * taken back after a dispatcher died holding it, and never sent to a refused address (literal, resolved, or behind a
 * redirect).
 */
import { randomUUID } from 'node:crypto';
import http, { type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ApiKeyRepository,
  createDataSource,
  JobRepository,
  presentJob,
  WebhookRepository,
  type JobEntity,
} from '@quire/job-model';
import { createLogger } from '@quire/logging';
import { createTestDatabase, type TestDatabase } from '@quire/testing';
import {
  AddressAllowList,
  generateWebhookSecret,
  parseSecretKey,
  sealSecret,
  verifySignature,
  type Resolver,
} from '@quire/webhooks';
import { WebhookDispatcher, type WebhookDispatcherOptions } from './webhook-dispatcher';

const logger = createLogger('webhook-int', 'error', { silent: true });
const KEY = parseSecretKey('ab'.repeat(32));

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A callback receiver on 127.0.0.1 that records every request and answers from a script (default 200). */
async function startReceiver() {
  const received: Received[] = [];
  const answers: Array<{ status: number; headers?: Record<string, string> }> = [];
  const server: Server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const answer = answers.shift() ?? { status: 200 };
      res.writeHead(answer.status, answer.headers).end(answer.status >= 400 ? 'receiver says no' : 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    received,
    answers,
    url: (path = '/hook') => `http://127.0.0.1:${port}${path}`,
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('webhook dispatcher against PostgreSQL and a local receiver', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let jobs: JobRepository;
  let webhooks: WebhookRepository;
  let tenantId: string;
  let secret: string;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let other: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = createDataSource(db.url, { poolSize: 5 });
    await ds.initialize();
    jobs = new JobRepository(ds);
    webhooks = new WebhookRepository(ds);
    tenantId = (await new ApiKeyRepository(ds).ensureTenant('acme')).id;
    secret = generateWebhookSecret();
    await webhooks.rotateSecret(tenantId, sealSecret(KEY, secret), 0);
    receiver = await startReceiver();
    other = await startReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    await other?.close();
    await ds?.destroy();
    await db?.drop();
  });
  beforeEach(async () => {
    // Each test sees only its own callbacks.
    await ds.query(`UPDATE webhook_delivery SET status = 'delivered' WHERE status IN ('pending', 'sending')`);
    receiver.received.length = 0;
    receiver.answers.length = 0;
    other.received.length = 0;
  });

  const dispatcher = (over: Partial<WebhookDispatcherOptions> = {}) =>
    new WebhookDispatcher({
      repo: webhooks,
      secretKey: KEY,
      allow: AddressAllowList.parse('127.0.0.1'),
      logger,
      pollMs: 20,
      batchSize: 8,
      timeoutMs: 2_000,
      maxAttempts: 3,
      backoff: { baseMs: 50, maxMs: 100 },
      ...over,
    });

  /** A compress job run to completion by a pretend worker, with the given callback settings. */
  async function completedJob(callback: {
    callbackUrl?: string;
    callbackProgress?: boolean;
  }): Promise<JobEntity> {
    const job = await jobs.createWithOutbox({
      tenantId,
      type: 'compress',
      params: { preset: 'ebook' },
      inputs: [],
      correlationId: `corr-${randomUUID()}`,
      ...callback,
    });
    const lease = randomUUID();
    expect(await jobs.claim(job.id, lease, 30_000)).not.toBeNull();
    const done = await jobs.complete(job.id, lease, { outputs: [] });
    expect(done?.status).toBe('completed');
    return done!;
  }

  it('writes the callback in the same statement as the terminal state, to the job URL or the tenant default', async () => {
    const own = await completedJob({ callbackUrl: receiver.url('/own') });
    expect(await webhooks.listForJob(own.id)).toMatchObject([
      { event: 'completed', url: receiver.url('/own'), status: 'pending', attempts: 0, history: [] },
    ]);
    const none = await completedJob({});
    expect(await webhooks.listForJob(none.id)).toEqual([]);

    await webhooks.setDefaultUrl(tenantId, receiver.url('/default'));
    try {
      const byDefault = await completedJob({});
      expect((await webhooks.listForJob(byDefault.id)).map((c) => c.url)).toEqual([receiver.url('/default')]);
      // A failure and a cancel are terminal too.
      const failing = await jobs.createWithOutbox({
        tenantId,
        type: 'compress',
        params: {},
        inputs: [],
        correlationId: 'c',
      });
      await jobs.failUnclaimed(failing.id, { code: 'VALIDATION_ERROR', message: 'nope' });
      const cancelled = await jobs.createWithOutbox({
        tenantId,
        type: 'compress',
        params: {},
        inputs: [],
        correlationId: 'c',
      });
      await jobs.requestCancel(cancelled.id, tenantId);
      expect((await webhooks.listForJob(failing.id)).map((c) => c.event)).toEqual(['failed']);
      expect((await webhooks.listForJob(cancelled.id)).map((c) => c.event)).toEqual(['cancelled']);
    } finally {
      await webhooks.setDefaultUrl(tenantId, null);
    }
  });

  it('sends the job JSON signed: the signature verifies, a tampered body or a replayed old timestamp does not', async () => {
    const job = await completedJob({ callbackUrl: receiver.url() });
    expect(await dispatcher().runOnce()).toBeGreaterThanOrEqual(1);
    const got = receiver.received.find((r) => r.headers['quire-job-id'] === job.id)!;
    expect(got).toBeDefined();
    expect(JSON.parse(got.body)).toEqual(JSON.parse(JSON.stringify(presentJob(job))));
    expect(JSON.parse(got.body)).toMatchObject({
      id: job.id,
      status: 'completed',
      correlationId: job.correlationId,
    });
    expect(got.headers).toMatchObject({
      'content-type': 'application/json',
      'quire-event': 'completed',
      'x-correlation-id': job.correlationId,
    });
    const header = String(got.headers['quire-signature']);
    expect(verifySignature(header, got.body, secret)).toMatchObject({ ok: true });
    expect(verifySignature(header, got.body.replace('"completed"', '"failed"'), secret)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    expect(verifySignature(header, got.body, secret, { nowSeconds: Date.now() / 1000 + 3600 })).toEqual({
      ok: false,
      reason: 'too-old',
    });
    const [callback] = await webhooks.listForJob(job.id);
    expect(callback).toMatchObject({
      status: 'delivered',
      attempts: 1,
      history: [{ statusCode: 200, error: null }],
    });
    expect(got.headers['quire-delivery-id']).toBe(callback.id);
  });

  it('retries after a 500 with backoff and succeeds; both attempts are recorded', async () => {
    const job = await completedJob({ callbackUrl: receiver.url() });
    receiver.answers.push({ status: 500 });
    const d = dispatcher();
    expect(await d.runOnce()).toBe(1);
    let [callback] = await webhooks.listForJob(job.id);
    expect(callback).toMatchObject({ status: 'pending', attempts: 1 });
    expect(callback.history[0]).toMatchObject({ statusCode: 500, error: 'answered 500: receiver says no' });
    expect(callback.nextAttemptAt!.getTime()).toBeGreaterThan(Date.now() - 1_000);
    // Not due yet right away (backoff), then due.
    await new Promise((r) => setTimeout(r, 150));
    expect(await d.runOnce()).toBe(1);
    [callback] = await webhooks.listForJob(job.id);
    expect(callback).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(callback.history.map((a) => a.statusCode)).toEqual([500, 200]);
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[0].headers['quire-delivery-id']).toBe(
      receiver.received[1].headers['quire-delivery-id'],
    );
  });

  it('gives up after the last attempt', async () => {
    const job = await completedJob({ callbackUrl: receiver.url() });
    receiver.answers.push({ status: 503 }, { status: 503 }, { status: 503 });
    const d = dispatcher({ backoff: { baseMs: 1, maxMs: 1 } });
    for (let i = 0; i < 3; i++) {
      await d.runOnce();
      await new Promise((r) => setTimeout(r, 20));
    }
    const [callback] = await webhooks.listForJob(job.id);
    expect(callback).toMatchObject({ status: 'failed', attempts: 3 });
    expect(callback.history.map((a) => a.statusCode)).toEqual([503, 503, 503]);
    expect(await d.runOnce()).toBe(0);
  });

  it('a dispatcher that dies holding a callback loses it not: another takes it back when the lock runs out', async () => {
    const job = await completedJob({ callbackUrl: receiver.url() });
    // What a dispatcher leaves when it is killed between taking a row and recording the attempt.
    const taken = await webhooks.claimDue(10, 300);
    expect(taken.map((t) => t.jobId)).toContain(job.id);
    const survivor = dispatcher();
    expect(await survivor.runOnce()).toBe(0); // still locked by the dead one
    await new Promise((r) => setTimeout(r, 400));
    expect(await survivor.runOnce()).toBe(1);
    const [callback] = await webhooks.listForJob(job.id);
    // Its attempt number counts the dead dispatcher's try (which may or may not have reached the receiver).
    expect(callback).toMatchObject({ status: 'delivered', attempts: 2, history: [{ statusCode: 200 }] });
    expect(receiver.received).toHaveLength(1);
  });

  it('a job that ends while no dispatcher runs is called back once one starts (the loop)', async () => {
    const job = await completedJob({ callbackUrl: receiver.url() });
    const d = dispatcher();
    d.start();
    try {
      await expect
        .poll(async () => (await webhooks.listForJob(job.id))[0]?.status, { timeout: 5_000 })
        .toBe('delivered');
    } finally {
      await d.close();
    }
  });

  it('coalesces progress callbacks: one pending row per job, carrying the latest progress', async () => {
    const job = await jobs.createWithOutbox({
      tenantId,
      type: 'compress',
      params: {},
      inputs: [],
      correlationId: 'p',
      callbackUrl: receiver.url(),
      callbackProgress: true,
    });
    const lease = randomUUID();
    await jobs.claim(job.id, lease, 30_000);
    for (const percent of [10, 20, 30])
      expect(
        (await jobs.saveProgress(job.id, lease, { percent, stage: 'compress', message: `${percent}%` })).ok,
      ).toBe(true);
    const pending = await webhooks.listForJob(job.id);
    expect(pending.map((c) => [c.event, c.status])).toEqual([['progress', 'pending']]);
    await dispatcher().runOnce();
    expect(JSON.parse(receiver.received[0].body)).toMatchObject({
      status: 'processing',
      progress: { percent: 30 },
    });
    expect(receiver.received[0].headers['quire-event']).toBe('progress');
    // The next progress opens a new row; a job without progress callbacks never gets one.
    await jobs.saveProgress(job.id, lease, { percent: 40, stage: 'compress', message: '40%' });
    expect((await webhooks.listForJob(job.id)).map((c) => c.status)).toEqual(['delivered', 'pending']);
  });

  describe('SSRF', () => {
    async function refusedAttempt(url: string, over: Partial<WebhookDispatcherOptions> = {}) {
      await webhooks.setDefaultUrl(tenantId, url); // the repository does not check; the dispatcher must
      try {
        const job = await completedJob({});
        await dispatcher(over).runOnce();
        const [callback] = await webhooks.listForJob(job.id);
        return callback;
      } finally {
        await webhooks.setDefaultUrl(tenantId, null);
      }
    }

    it.each([
      ['http://10.0.0.1/hook', 'private'],
      ['http://169.254.169.254/latest/meta-data/', 'link-local'],
      ['http://[::1]:9/hook', 'loopback'],
      ['http://[::ffff:10.0.0.1]:9/hook', 'private'],
      ['http://[::ffff:a9fe:a9fe]/', 'link-local'],
    ])('refuses the literal address %s at delivery, without retrying', async (url, why) => {
      const callback = await refusedAttempt(url);
      expect(callback).toMatchObject({ status: 'failed', attempts: 1 });
      expect(callback.history[0].error).toContain(why);
      expect(callback.history[0].statusCode).toBeNull();
    });

    it('refuses a loopback address not on the allow-list (127.0.0.1 itself when not allowed)', async () => {
      const callback = await refusedAttempt(receiver.url(), { allow: AddressAllowList.parse('') });
      expect(callback.history[0].error).toContain('loopback');
      expect(receiver.received).toHaveLength(0);
    });

    it('checks a host name after resolution: one resolving to 127.0.0.1 is refused unless allowed', async () => {
      const calls: string[] = [];
      const toLoopback: Resolver = (host) => {
        calls.push(host);
        return Promise.resolve([{ address: '127.0.0.1', family: 4 }]);
      };
      const url = `http://callbacks.example.test:${receiver.port}/hook`;
      const refused = await refusedAttempt(url, { resolve: toLoopback, allow: AddressAllowList.parse('') });
      expect(refused).toMatchObject({ status: 'failed' });
      expect(refused.history[0].error).toContain(
        'callbacks.example.test resolves to 127.0.0.1 is a loopback address',
      );
      expect(receiver.received).toHaveLength(0);

      // `localhost` through the system resolver: refused too.
      const local = await refusedAttempt(`http://localhost:${receiver.port}/hook`, {
        allow: AddressAllowList.parse(''),
      });
      expect(local.history[0].error).toMatch(/localhost resolves to .* loopback/);

      // Allowed: connected to the address that was checked (one resolution per attempt, no second lookup).
      calls.length = 0;
      const allowed = await refusedAttempt(url, { resolve: toLoopback });
      expect(allowed).toMatchObject({ status: 'delivered' });
      expect(calls).toEqual(['callbacks.example.test']);
      expect(receiver.received).toHaveLength(1);
    });

    it('refuses a name with any private answer (rebinding with mixed records)', async () => {
      const mixed: Resolver = () =>
        Promise.resolve([
          { address: '93.184.216.34', family: 4 },
          { address: '10.0.0.5', family: 4 },
        ]);
      const callback = await refusedAttempt('http://mixed.example.test/hook', { resolve: mixed });
      expect(callback.history[0].error).toContain('10.0.0.5 is a private address');
    });

    it('does not follow a redirect (to a private address or anywhere)', async () => {
      receiver.answers.push({ status: 302, headers: { location: other.url('/internal') } });
      const job = await completedJob({ callbackUrl: receiver.url() });
      await dispatcher().runOnce();
      const [callback] = await webhooks.listForJob(job.id);
      expect(callback.history[0]).toMatchObject({ statusCode: 302 });
      expect(callback.history[0].error).toContain('redirects are not followed');
      expect(other.received).toHaveLength(0);
    });
  });

  it('records why nothing was sent when the tenant has no signing secret', async () => {
    const lone = (await new ApiKeyRepository(ds).ensureTenant('no-secret')).id;
    const job = await jobs.createWithOutbox({
      tenantId: lone,
      type: 'compress',
      params: {},
      inputs: [],
      correlationId: 'x',
      callbackUrl: receiver.url(),
    });
    await jobs.failUnclaimed(job.id, { code: 'VALIDATION_ERROR', message: 'nope' });
    await dispatcher().runOnce();
    const [callback] = await webhooks.listForJob(job.id);
    expect(callback).toMatchObject({ status: 'pending', attempts: 1 });
    expect(callback.history[0].error).toContain('no webhook signing secret');
    expect(receiver.received).toHaveLength(0);
  });
});
