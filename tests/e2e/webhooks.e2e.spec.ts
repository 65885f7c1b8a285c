/**
 * Job callbacks end to end (docs/architecture.md (webhooks)): gateway, compression-worker and maintenance-worker
 * (the dispatcher) as processes on real PostgreSQL/RabbitMQ/Ghostscript, the tenant secret made with the real
 * `webhook:rotate-secret` command, and a local receiver that refuses the first completed callback.
 */
import { execFile } from 'node:child_process';
import http, { type IncomingHttpHeaders, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  REPO_ROOT,
  createTestEnvironment,
  getFreePort,
  makeNumberedPdf,
  startApp,
  type StartedApp,
  type TestEnvironment,
} from '@quire/testing';
import { verifySignature } from '@quire/webhooks';
import { QuireClient } from './helpers';

const run = promisify(execFile);
const ADMIN_KEY = 'qk_e2e_bootstrap_key_webhooks_0123456789';
const SECRET_KEY = 'cd'.repeat(32);
/** For the refusal table (built before the receiver exists): never called, every row is refused first. */
const PUBLIC_URL = 'https://hooks.example.com/quire';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

describe('webhooks end to end (gateway + compression-worker + maintenance-worker)', () => {
  let env: TestEnvironment;
  let work: string;
  let apps: StartedApp[] = [];
  let client: QuireClient;
  let receiver: Server;
  let receiverUrl = '';
  const received: Received[] = [];
  let refusedFirstCompleted = false;

  beforeAll(async () => {
    env = await createTestEnvironment();
    work = await mkdtemp(path.join(os.tmpdir(), 'quire-e2e-webhooks-'));
    receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        // The first completed callback meets a receiver in trouble: it must be retried.
        if (req.headers['quire-event'] === 'completed' && !refusedFirstCompleted) {
          refusedFirstCompleted = true;
          res.writeHead(500).end('down for a moment');
          return;
        }
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/quire`;

    const common = {
      ...env.env,
      QUIRE_TEMP_DIR: path.join(work, 'tmp'),
      LOG_LEVEL: 'info',
      QUIRE_WEBHOOK_ALLOW_PRIVATE: '127.0.0.1',
    };
    const gatewayPort = await getFreePort();
    apps = await Promise.all([
      startApp('gateway', { ...common, PORT: String(gatewayPort), QUIRE_BOOTSTRAP_API_KEY: ADMIN_KEY }),
      startApp('compression-worker', { ...common, PORT: String(await getFreePort()) }),
      startApp('maintenance-worker', {
        ...common,
        PORT: String(await getFreePort()),
        QUIRE_SCHEDULER_ENABLED: 'false',
        QUIRE_WEBHOOK_SECRET_KEY: SECRET_KEY,
        QUIRE_WEBHOOK_POLL_MS: '100',
        QUIRE_WEBHOOK_BACKOFF_BASE_MS: '200',
        QUIRE_WEBHOOK_BACKOFF_MAX_MS: '400',
      }),
    ]);
    client = new QuireClient(`http://127.0.0.1:${gatewayPort}`, ADMIN_KEY);
  });

  afterAll(async () => {
    for (const app of apps.reverse()) await app.stop().catch(() => undefined);
    await new Promise<void>((resolve) => receiver?.close(() => resolve()));
    await env?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const options = (o: unknown) => JSON.stringify(o);

  async function submitWithOptions(opts: string, headers: Record<string, string> = {}) {
    const form = new FormData();
    form.append('file', new Blob([makeNumberedPdf(2, 60)], { type: 'application/pdf' }), 'in.pdf');
    form.append('params', JSON.stringify({ preset: 'ebook' }));
    form.append('options', opts);
    const res = await fetch(`${client.baseUrl}/v1/jobs/compress`, {
      method: 'POST',
      body: form,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, ...headers },
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  let secret = '';

  it('refuses a callback URL until the tenant has a signing secret, then the CLI makes one', async () => {
    const before = await submitWithOptions(options({ callbackUrl: receiverUrl }));
    expect(before.status).toBe(400);
    expect(JSON.stringify(before.body)).toContain('no webhook signing secret');

    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'apps/gateway/src/cli/webhook-rotate-secret.ts', '--tenant', 'default'],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, QUIRE_DATABASE_URL: env.database.url, QUIRE_WEBHOOK_SECRET_KEY: SECRET_KEY },
      },
    );
    const printed = JSON.parse(stdout.trim()) as { tenant: string; webhookSecret: string };
    expect(printed.tenant).toBe('default');
    expect(printed.webhookSecret).toMatch(/^whsec_/);
    secret = printed.webhookSecret;
  });

  it.each([
    [options({ callbackUrl: 'ftp://example.com/x' }), {}, 'options.callbackUrl must use http or https'],
    [
      options({ callbackUrl: 'http://10.1.2.3/hook' }),
      {},
      'options.callbackUrl is refused: 10.1.2.3 is a private',
    ],
    [options({ callbackUrl: 'http://169.254.169.254/' }), {}, 'link-local'],
    [options({ callbackUrl: PUBLIC_URL, extra: 1 }), {}, 'invalid options'],
    [options({ callbackEvents: ['progress'] }), {}, 'needs a callbackUrl'],
    [
      options({ callbackUrl: PUBLIC_URL }),
      { 'quire-callback-url': PUBLIC_URL },
      'give the callback options once',
    ],
    ['{not json', {}, '"options" is not valid JSON'],
  ])('answers 400 naming the field for options %s', async (opts, headers, message) => {
    const res = await submitWithOptions(opts, headers);
    expect(res.status).toBe(400);
    expect((res.body.error as { message: string }).message).toContain(message);
  });

  it('a JSON-body job type takes its callback from the Quire-Callback-Url header, checked the same way', async () => {
    const post = (callbackUrl: string) =>
      fetch(`${client.baseUrl}/v1/jobs/statement-report`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${ADMIN_KEY}`,
          'content-type': 'application/json',
          'quire-callback-url': callbackUrl,
        },
        body: JSON.stringify({ sourceJobId: randomUUID() }),
      });
    const bad = await post('http://[::1]/hook');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('options.callbackUrl');
    // Accepted: the request goes on to the source check (no such job).
    const good = await post(receiverUrl);
    expect(good.status).toBe(404);
    expect(JSON.stringify(await good.json())).toContain('sourceJobId');
  });

  it('calls back a compress job: signed job JSON, retried after a 500, progress too, attempts on the job', async () => {
    const res = await submitWithOptions(options({ callbackUrl: receiverUrl, callbackEvents: ['progress'] }), {
      'x-correlation-id': 'webhook-e2e-1',
    });
    expect(res.status).toBe(202);
    const id = String(res.body.id);
    expect(res.body).toMatchObject({
      callbackUrl: receiverUrl,
      callbackEvents: ['completed', 'failed', 'cancelled', 'progress'],
      correlationId: 'webhook-e2e-1',
      links: { callbacks: `/v1/jobs/${id}/callbacks` },
    });
    expect((await client.waitTerminal(id)).status).toBe('completed');

    await expect
      .poll(
        () =>
          received.filter((r) => r.headers['quire-job-id'] === id && r.headers['quire-event'] === 'completed')
            .length,
        { timeout: 30_000, interval: 200 },
      )
      .toBe(2);
    const completed = received.filter(
      (r) => r.headers['quire-job-id'] === id && r.headers['quire-event'] === 'completed',
    );
    for (const r of completed) {
      expect(verifySignature(String(r.headers['quire-signature']), r.body, secret)).toMatchObject({
        ok: true,
      });
      expect(verifySignature(String(r.headers['quire-signature']), `${r.body} `, secret).ok).toBe(false);
    }
    const body = JSON.parse(completed[1].body) as Record<string, unknown>;
    const now = (await client.get(`/v1/jobs/${id}`)).body as Record<string, unknown>;
    expect(body).toEqual(now);
    expect(body).toMatchObject({ id, status: 'completed', correlationId: 'webhook-e2e-1' });
    expect(completed[1].headers['x-correlation-id']).toBe('webhook-e2e-1');
    expect(
      received.some((r) => r.headers['quire-job-id'] === id && r.headers['quire-event'] === 'progress'),
    ).toBe(true);

    const callbacks = await client.get(`/v1/jobs/${id}/callbacks`);
    expect(callbacks.status).toBe(200);
    const items = (callbacks.body as { items: Array<Record<string, unknown>> }).items;
    const done = items.find((c) => c.event === 'completed')!;
    expect(done).toMatchObject({ url: receiverUrl, status: 'delivered', attempts: 2 });
    expect((done.history as Array<{ statusCode: number }>).map((a) => a.statusCode)).toEqual([500, 204]);
  });
});
