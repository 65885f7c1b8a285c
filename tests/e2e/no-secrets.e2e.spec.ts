/**
 * No secret in any log: a full scenario across the gateway, a compression worker and the maintenance worker —
 * the bootstrap operator key and a created key (used, and an unknown one refused), a JWT (accepted, and an expired
 * one refused), database and broker URLs that carry passwords (a PostgreSQL role and a RabbitMQ user created with
 * one for this test), the management URL with its credentials, an engine failure on a corrupt PDF and a health-check
 * run — then every app's whole captured output is searched for every secret string.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyRepository, WebhookRepository, createDataSource, hashApiKey } from '@quire/job-model';
import { generateWebhookSecret, parseSecretKey, sealSecret } from '@quire/webhooks';
import {
  createTestEnvironment,
  getFreePort,
  makeNumberedPdf,
  startApp,
  type StartedApp,
  type TestEnvironment,
} from '@quire/testing';
import { QuireClient } from './helpers';

const ISSUER = 'https://login.secrets.example.test/';
const AUDIENCE = 'quire-secrets';

describe('no secret in any log (gateway + compression-worker + maintenance-worker processes)', () => {
  let env: TestEnvironment;
  let work: string;
  let ds: DataSource;
  let apps: StartedApp[] = [];
  const secrets: Record<string, string> = {};
  let receiver: http.Server | undefined;
  let receiverUrl = '';
  const callbacks: string[] = [];
  const suffix = randomBytes(4).toString('hex');
  const pgRole = `quire_secret_${suffix}`;
  let pgRoleCreated = false;
  const mqUser = `quire-secret-${suffix}`;
  let mqAuth = '';
  let managementBase = '';

  async function management(method: string, urlPath: string, body?: unknown): Promise<void> {
    const res = await fetch(`${managementBase}/api${urlPath}`, {
      method,
      headers: { authorization: mqAuth, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    await res.arrayBuffer();
    if (!res.ok && !(method === 'DELETE' && res.status === 404))
      throw new Error(`${method} ${urlPath}: ${res.status}`);
  }

  beforeAll(async () => {
    env = await createTestEnvironment();
    work = await mkdtemp(path.join(os.tmpdir(), 'quire-secrets-'));
    ds = createDataSource(env.database.url, { poolSize: 2 });
    await ds.initialize();

    // A database role and a broker user of their own, with passwords, for the apps' URLs. Where the test role may
    // not create roles, the password rides in the URL of the test role (the local test server trusts local
    // connections, so it is carried everywhere the URL goes without being checked).
    secrets.databasePassword = `pgPw-${randomBytes(12).toString('hex')}`;
    const databaseUrl = new URL(env.database.url);
    // The test infrastructure's own passwords count only when they are real secrets: a default like `quire` is
    // in every line (the service names) and would prove nothing.
    const infraPassword = decodeURIComponent(databaseUrl.password);
    if (infraPassword.length >= 12) secrets.testInfraDatabasePassword = infraPassword;
    databaseUrl.password = secrets.databasePassword;
    try {
      await ds.query(`CREATE ROLE "${pgRole}" LOGIN PASSWORD '${secrets.databasePassword}'`);
      pgRoleCreated = true;
      for (const grant of [
        `GRANT ALL ON SCHEMA public TO "${pgRole}"`,
        `GRANT ALL ON ALL TABLES IN SCHEMA public TO "${pgRole}"`,
        `GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO "${pgRole}"`,
      ])
        await ds.query(grant);
      databaseUrl.username = pgRole;
    } catch (err) {
      if (!String(err).includes('permission denied')) throw err;
    }

    secrets.brokerPassword = `mqPw-${randomBytes(12).toString('hex')}`;
    managementBase = env.vhost.managementUrl.replace(/\/+$/, '');
    mqAuth = `Basic ${Buffer.from(`${env.vhost.user}:${env.vhost.password}`).toString('base64')}`;
    await management('PUT', `/users/${encodeURIComponent(mqUser)}`, {
      password: secrets.brokerPassword,
      tags: 'management',
    });
    await management(
      'PUT',
      `/permissions/${encodeURIComponent(env.vhost.vhost)}/${encodeURIComponent(mqUser)}`,
      { configure: '.*', write: '.*', read: '.*' },
    );
    const amqpUrl = new URL(env.vhost.url);
    amqpUrl.username = mqUser;
    amqpUrl.password = secrets.brokerPassword;
    const managementUrl = new URL(managementBase);
    managementUrl.username = mqUser;
    managementUrl.password = secrets.brokerPassword;
    secrets.brokerBasicAuth = Buffer.from(`${mqUser}:${secrets.brokerPassword}`).toString('base64');
    if (env.vhost.password.length >= 12) secrets.testInfraBrokerPassword = env.vhost.password;

    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwksFile = path.join(work, 'jwks.json');
    await writeFile(jwksFile, JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1' }] }));
    const sign = (exp: string | number) =>
      new SignJWT({ sub: 'erin', tenant: 'secrets', role: 'user' })
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setExpirationTime(exp)
        .sign(privateKey);
    secrets.jwt = await sign('10m');
    secrets.expiredJwt = await sign(Math.floor(Date.now() / 1000) - 600);

    secrets.bootstrapKey = `qk_bootstrap_${randomBytes(16).toString('hex')}`;
    secrets.webhookSealingKey = randomBytes(32).toString('hex');
    secrets.webhookSecret = generateWebhookSecret();
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        callbacks.push(String(req.headers['quire-signature']));
        res.writeHead(callbacks.length === 1 ? 500 : 200).end();
      });
    });
    receiver = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    secrets.bootstrapKeyHash = hashApiKey(secrets.bootstrapKey);
    const common = {
      QUIRE_DATABASE_URL: databaseUrl.toString(),
      QUIRE_AMQP_URL: amqpUrl.toString(),
      QUIRE_STORAGE_DIR: env.storageDir,
      QUIRE_RABBITMQ_MANAGEMENT_URL: managementUrl.toString(),
      QUIRE_TEMP_DIR: path.join(work, 'tmp'),
      // Everything the apps can say, so that nothing hides below the level.
      LOG_LEVEL: 'debug',
    };
    const gatewayPort = await getFreePort();
    apps = await Promise.all([
      startApp('gateway', {
        ...common,
        PORT: String(gatewayPort),
        QUIRE_BOOTSTRAP_API_KEY: secrets.bootstrapKey,
        QUIRE_JWT_ISSUERS: JSON.stringify([
          { issuer: ISSUER, audience: AUDIENCE, jwksFile, algorithms: ['ES256'] },
        ]),
      }),
      startApp('compression-worker', { ...common, PORT: String(await getFreePort()) }),
      startApp('maintenance-worker', {
        ...common,
        PORT: String(await getFreePort()),
        QUIRE_SCHEDULER_ENABLED: 'false',
        QUIRE_WEBHOOK_SECRET_KEY: secrets.webhookSealingKey,
        QUIRE_WEBHOOK_ALLOW_PRIVATE: '127.0.0.1',
        QUIRE_WEBHOOK_BACKOFF_BASE_MS: '100',
        QUIRE_WEBHOOK_POLL_MS: '100',
      }),
    ]);
    const baseUrl = `http://127.0.0.1:${gatewayPort}`;

    const created = await new ApiKeyRepository(ds).createKey('secrets', 'admin', 'e2e');
    // Job callbacks of this tenant: its signing secret (sealed in the database) must never be printed either; the
    // receiver refuses the first callback, so the dispatcher logs a failed attempt and a delivery.
    const webhooks = new WebhookRepository(ds);
    await webhooks.rotateSecret(
      created.tenantId,
      sealSecret(parseSecretKey(secrets.webhookSealingKey), secrets.webhookSecret),
      0,
    );
    secrets.webhookSecretSealed =
      (await webhooks.findTenantSettings(created.tenantId))?.secretSealed ?? 'missing';
    await webhooks.setDefaultUrl(created.tenantId, receiverUrl);
    secrets.createdKey = created.key;
    secrets.createdKeyHash = hashApiKey(created.key);
    secrets.unknownKey = `qk_${randomBytes(32).toString('base64url')}`;

    const byKey = new QuireClient(baseUrl, secrets.createdKey);
    const byToken = new QuireClient(baseUrl, secrets.jwt);
    const corrupt = Buffer.concat([
      Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R'),
      randomBytes(4096),
    ]);
    const [good, bad] = await Promise.all([
      byToken.submit('compress', [{ name: 'ok.pdf', data: makeNumberedPdf(2) }]),
      byKey.submit('compress', [{ name: 'corrupt.pdf', data: corrupt }]),
    ]);
    expect([good.status, bad.status]).toEqual([202, 202]);
    expect((await byToken.waitTerminal(String(good.body.id))).status).toBe('completed');
    expect((await byKey.waitTerminal(String(bad.body.id))).status).toBe('failed');
    // The failed job's callback: refused once, then delivered (beforeAll cannot use expect.poll).
    for (let waited = 0; callbacks.length < 2 && waited < 20_000; waited += 100)
      await new Promise((r) => setTimeout(r, 100));

    for (const refused of [secrets.unknownKey, secrets.expiredJwt]) {
      const res = await new QuireClient(baseUrl, refused).get('/v1/jobs');
      expect(res.status).toBe(401);
    }
    const operator = new QuireClient(baseUrl, secrets.bootstrapKey);
    const run = await fetch(`${baseUrl}/v1/admin/maintenance/health-check`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secrets.bootstrapKey}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(run.status).toBe(202);
    const healthJob = (await run.json()) as { id: string };
    expect((await operator.waitTerminal(healthJob.id)).status).toBe('completed');
    // Stopping makes the apps log their shutdown too.
    await Promise.all(apps.map((a) => a.stop()));
  });

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.stop()));
    if (ds?.isInitialized) {
      if (pgRoleCreated) await ds.query(`DROP OWNED BY "${pgRole}"`).catch(() => undefined);
      if (pgRoleCreated) await ds.query(`DROP ROLE IF EXISTS "${pgRole}"`).catch(() => undefined);
      await ds.destroy();
    }
    if (mqAuth) await management('DELETE', `/users/${encodeURIComponent(mqUser)}`).catch(() => undefined);
    await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
    await env?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('the apps logged the scenario (the search below has something to search)', () => {
    const gateway = apps[0].output();
    expect(gateway).toContain('job accepted');
    expect(gateway).toContain('API key refused');
    expect(gateway).toContain('bearer token refused');
    expect(apps[1].output()).toContain('PDF_CORRUPT');
    expect(apps[2].output()).toContain('health');
    expect(apps[2].output()).toContain('callback attempt failed');
    expect(apps[2].output()).toContain('callback delivered');
  });

  it('no app printed any secret: keys, key hashes, tokens, passwords', () => {
    const leaks: string[] = [];
    for (const app of apps) {
      const lines = app.output().split('\n');
      for (const [name, secret] of Object.entries(secrets)) {
        // A token's signature alone is as telling as the token; so is an encoded password.
        const needles = new Set([secret]);
        if (name.toLowerCase().includes('jwt')) needles.add(secret.split('.')[2]);
        if (name.endsWith('Password')) needles.add(encodeURIComponent(secret));
        for (const needle of needles) {
          const line = lines.find((l) => l.includes(needle));
          if (line) leaks.push(`${app.name} printed ${name}: ${line.slice(0, 300)}`);
        }
      }
    }
    expect(leaks).toEqual([]);
  });
});
