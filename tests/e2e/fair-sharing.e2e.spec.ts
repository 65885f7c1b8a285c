/**
 * Fair sharing end to end (two gateway processes on one database + a compression-worker process, real
 * PostgreSQL/RabbitMQ/Ghostscript): each tenant limit answers 429 with Retry-After (413 QUOTA_EXCEEDED for storage)
 * and a message that says which limit, counted across both gateways (the event-stream cap is per gateway process);
 * a tenant at its limits does not slow another tenant down.
 *
 * Jobs meant to stay unfinished are `split` jobs: no conversion worker runs here, so they stay `pending`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyRepository, createDataSource } from '@quire/job-model';
import {
  createTestEnvironment,
  getFreePort,
  makeNumberedPdf,
  startApp,
  type StartedApp,
  type TestEnvironment,
} from '@quire/testing';
import { QuireClient } from './helpers';

const SPLIT = { mode: 'every', every: 1 };

describe('fair sharing between tenants (two gateways + compression-worker)', () => {
  let env: TestEnvironment;
  let work: string;
  let gateways: StartedApp[] = [];
  let worker: StartedApp;
  let ds: DataSource;
  const pdf = makeNumberedPdf(1);
  const keys = { rate: '', busy: '', storage: '', watcher: '', quiet: '' };
  /** A tenant's client on gateway 0 or 1. */
  const client = (tenant: keyof typeof keys, gateway: number) =>
    new QuireClient(gateways[gateway].url, keys[tenant]);

  beforeAll(async () => {
    env = await createTestEnvironment();
    work = await mkdtemp(path.join(os.tmpdir(), 'quire-fair-'));
    ds = createDataSource(env.database.url, { poolSize: 2 });
    await ds.initialize();
    const repo = new ApiKeyRepository(ds);
    const tenants: Record<string, string> = {};
    for (const name of Object.keys(keys) as Array<keyof typeof keys>) {
      const created = await repo.createKey(`fair-${name}`, 'user');
      keys[name] = created.key;
      tenants[name] = created.tenantId;
    }
    const overrides = {
      [tenants.rate]: { submitRate: 3 },
      [tenants.busy]: { maxActiveJobs: 2 },
      // Room for one stored upload of this PDF, not two.
      [tenants.storage]: { storageBytes: Math.floor(pdf.length * 1.5) + 600 },
      [tenants.watcher]: { maxEventStreams: 1 },
    };
    const common = {
      ...env.env,
      QUIRE_TEMP_DIR: path.join(work, 'tmp'),
      LOG_LEVEL: 'info',
      QUIRE_TENANT_LIMITS: JSON.stringify(overrides),
      QUIRE_TENANT_RATE_WINDOW_MS: '60000',
      QUIRE_TENANT_BUSY_RETRY_AFTER_MS: '5000',
    };
    const ports = [await getFreePort(), await getFreePort(), await getFreePort()];
    const started = await Promise.all([
      startApp('gateway', { ...common, PORT: String(ports[0]) }),
      startApp('gateway', { ...common, PORT: String(ports[1]) }),
      startApp('compression-worker', { ...common, PORT: String(ports[2]) }),
    ]);
    gateways = started.slice(0, 2);
    worker = started[2]!;
  });

  afterAll(async () => {
    await Promise.all([worker?.stop(), ...gateways.map((g) => g.stop())]);
    await ds?.destroy();
    await env?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const file = () => [{ name: 'one.pdf', data: pdf }];

  it('limits a tenant’s submissions per window across both gateways: 429 with Retry-After', async () => {
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await client('rate', i % 2).submit('split', file(), SPLIT));
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202]);
    for (const g of [1, 0]) {
      const over = await client('rate', g).submit('split', file(), SPLIT);
      expect(over.status).toBe(429);
      const retryAfter = Number(over.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(over.body).toMatchObject({
        error: {
          code: 'RATE_LIMITED',
          message: 'too many job submissions: at most 3 per minute for this tenant',
          details: { limit: 3, windowSeconds: 60 },
        },
      });
    }
    // Another tenant is not counted in that window.
    expect((await client('quiet', 1).submit('split', file(), SPLIT)).status).toBe(202);
  });

  it('caps a tenant’s unfinished jobs across both gateways; a cancelled one frees its slot', async () => {
    const first = await client('busy', 0).submit('split', file(), SPLIT);
    const second = await client('busy', 1).submit('split', file(), SPLIT);
    expect([first.status, second.status]).toEqual([202, 202]);
    for (const g of [0, 1]) {
      const over = await client('busy', g).submit('split', file(), SPLIT);
      expect(over.status).toBe(429);
      expect(over.headers.get('retry-after')).toBe('5');
      expect(over.body).toMatchObject({
        error: {
          code: 'RATE_LIMITED',
          message:
            'too many unfinished jobs: this tenant has 2 pending or running (limit 2); submit again when some have finished',
          details: { limit: 2, active: 2 },
        },
      });
    }
    // Cancelling a pending job ends it at once: the next submission fits again.
    const cancel = await fetch(`${gateways[1].url}/v1/jobs/${String(first.body.id)}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${keys.busy}` },
    });
    expect(cancel.status).toBe(200);
    expect((await client('busy', 0).submit('split', file(), SPLIT)).status).toBe(202);
    // Meanwhile another tenant's job runs to completion.
    const quiet = await client('quiet', 0).submit('compress', file(), { preset: 'ebook' });
    expect(quiet.status).toBe(202);
    expect((await client('quiet', 1).waitTerminal(String(quiet.body.id))).status).toBe('completed');
  });

  it('refuses an upload beyond the tenant’s storage quota with 413 QUOTA_EXCEEDED, before any job exists', async () => {
    const stored = await client('storage', 0).submit('split', file(), SPLIT);
    expect(stored.status).toBe(202);
    const over = await client('storage', 1).submit('split', file(), SPLIT);
    expect(over.status).toBe(413);
    expect(over.headers.get('retry-after')).toBeNull();
    const error = (over.body as { error: { code: string; message: string; details: Record<string, number> } })
      .error;
    expect(error.code).toBe('QUOTA_EXCEEDED');
    expect(error.message).toMatch(
      new RegExp(
        `^storage quota exceeded: this tenant stores ${pdf.length} bytes, the upload adds \\d+, the quota is ` +
          `${Math.floor(pdf.length * 1.5) + 600} bytes; delete finished jobs \\(DELETE /v1/jobs/\\{id\\}\\) to free space$`,
      ),
    );
    const list = await client('storage', 1).get('/v1/jobs?limit=100');
    expect((list.body as { items: unknown[] }).items).toHaveLength(1);
    // Deleting the stored job frees the space (a pending job is cancelled first, then deleted).
    for (let i = 0; i < 2; i++)
      await fetch(`${gateways[0].url}/v1/jobs/${String(stored.body.id)}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${keys.storage}` },
      });
    expect((await client('storage', 1).submit('split', file(), SPLIT)).status).toBe(202);
  });

  it('caps a tenant’s open event streams per gateway process with 429, and frees the slot when one closes', async () => {
    const job = await client('watcher', 0).submit('split', file(), SPLIT);
    expect(job.status).toBe(202);
    const events = (g: number, signal?: AbortSignal) =>
      fetch(`${gateways[g].url}/v1/jobs/${String(job.body.id)}/events`, {
        headers: { authorization: `Bearer ${keys.watcher}` },
        signal,
      });
    const open = new AbortController();
    const first = await events(0, open.signal);
    expect(first.status).toBe(200);
    const refused = await events(0);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(await refused.json()).toMatchObject({
      error: {
        code: 'RATE_LIMITED',
        message:
          'too many open event streams: at most 1 per tenant on this gateway; close one or poll GET /v1/jobs/{id}',
      },
    });
    // The cap is per process: the other gateway still has room; another tenant is not counted.
    const elsewhere = new AbortController();
    expect((await events(1, elsewhere.signal)).status).toBe(200);
    elsewhere.abort();
    open.abort();
    // The gateway notices the closed stream on its next poll (once a second).
    let again = 429;
    for (let i = 0; i < 20 && again === 429; i++) {
      await new Promise((r) => setTimeout(r, 250));
      const res = await events(0, AbortSignal.timeout(3_000)).catch(() => null);
      again = res?.status ?? 0;
      if (res?.status === 200) await res.body?.cancel().catch(() => undefined);
    }
    expect(again).toBe(200);
  });
});
