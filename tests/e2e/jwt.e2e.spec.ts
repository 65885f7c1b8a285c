/**
 * People from the company's identity provider end to end (gateway + compression-worker processes, real
 * PostgreSQL/RabbitMQ/Ghostscript): bearer JWTs from two configured issuers (one key set in a file, one served over
 * HTTP), their tenant claim mapped to the same tenant row an API key of that name uses. Two users of one tenant each
 * see only their own jobs, the tenant's admin (by token or by API key) sees both, another tenant's user sees none;
 * a refused token gets the bad-key 401 and the log says why, never the token.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
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
import { QuireClient, type JobJson } from './helpers';

const CORP = 'https://login.corp.example.test/';
const PARTNER = 'https://idp.partner.example.test/';
const AUDIENCE = 'quire-e2e';

describe('JWT users (gateway + compression-worker processes)', () => {
  let env: TestEnvironment;
  let work: string;
  let gateway: StartedApp;
  let worker: StartedApp;
  let jwksServer: Server;
  let ds: DataSource;
  let baseUrl: string;
  let corpKey: CryptoKey;
  let partnerKey: CryptoKey;
  const tokens = { alice: '', bob: '', carol: '', dave: '', expired: '' };
  let acmeApiKey = '';
  let aliceJob: JobJson;
  let bobJob: JobJson;

  function sign(
    key: CryptoKey,
    iss: string,
    kid: string,
    claims: Record<string, unknown>,
    exp: string | number = '15m',
  ): Promise<string> {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid })
      .setIssuer(iss)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(exp)
      .sign(key);
  }

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'quire-jwt-e2e-'));
    const corp = await generateKeyPair('ES256');
    const partner = await generateKeyPair('ES256');
    corpKey = corp.privateKey;
    partnerKey = partner.privateKey;
    const jwksFile = path.join(work, 'corp-jwks.json');
    await writeFile(
      jwksFile,
      JSON.stringify({ keys: [{ ...(await exportJWK(corp.publicKey)), kid: 'corp-1', use: 'sig' }] }),
    );
    const partnerJwks = JSON.stringify({
      keys: [{ ...(await exportJWK(partner.publicKey)), kid: 'partner-1', use: 'sig' }],
    });
    // The partner's key set is fetched over HTTP by the gateway (URL mode).
    jwksServer = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(partnerJwks);
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;

    env = await createTestEnvironment();
    const common = { ...env.env, QUIRE_TEMP_DIR: path.join(work, 'tmp'), LOG_LEVEL: 'info' };
    const port = await getFreePort();
    const issuers = [
      { issuer: CORP, audience: AUDIENCE, jwksFile, algorithms: ['ES256'] },
      {
        issuer: PARTNER,
        audience: [AUDIENCE],
        jwksUrl,
        algorithms: ['ES256'],
        claims: { tenant: 'org', user: 'email', role: 'groups' },
        adminRoles: ['quire-admins'],
      },
    ];
    [gateway, worker] = await Promise.all([
      startApp('gateway', { ...common, PORT: String(port), QUIRE_JWT_ISSUERS: JSON.stringify(issuers) }),
      startApp('compression-worker', { ...common, PORT: String(await getFreePort()) }),
    ]);
    baseUrl = `http://127.0.0.1:${port}`;
    ds = createDataSource(env.database.url, { poolSize: 2 });
    await ds.initialize();
    acmeApiKey = (await new ApiKeyRepository(ds).createKey('acme', 'user')).key;

    tokens.alice = await sign(corpKey, CORP, 'corp-1', { sub: 'alice', tenant: 'acme', role: 'user' });
    tokens.bob = await sign(corpKey, CORP, 'corp-1', { sub: 'bob', tenant: 'acme' });
    tokens.carol = await sign(corpKey, CORP, 'corp-1', { sub: 'carol', tenant: 'acme', role: 'admin' });
    tokens.dave = await sign(partnerKey, PARTNER, 'partner-1', {
      email: 'dave@partner.test',
      org: 'partner',
      groups: ['staff'],
    });
    tokens.expired = await sign(
      corpKey,
      CORP,
      'corp-1',
      { sub: 'alice', tenant: 'acme' },
      Math.floor(Date.now() / 1000) - 3600,
    );

    const alice = new QuireClient(baseUrl, tokens.alice);
    const bob = new QuireClient(baseUrl, tokens.bob);
    const [a, b] = await Promise.all([
      alice.submit('compress', [{ name: 'alice.pdf', data: makeNumberedPdf(2) }]),
      bob.submit('compress', [{ name: 'bob.pdf', data: makeNumberedPdf(2) }]),
    ]);
    expect([a.status, b.status]).toEqual([202, 202]);
    aliceJob = await alice.waitTerminal(String(a.body.id));
    bobJob = await bob.waitTerminal(String(b.body.id));
    expect([aliceJob.status, bobJob.status]).toEqual(['completed', 'completed']);
  });

  afterAll(async () => {
    await Promise.all([worker?.stop(), gateway?.stop()]);
    await new Promise((resolve) => jwksServer?.close(resolve));
    await ds?.destroy();
    await env?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function listed(bearer: string): Promise<string[]> {
    const res = await new QuireClient(baseUrl, bearer).get('/v1/jobs?limit=100');
    expect(res.status).toBe(200);
    return (res.body as { items: Array<{ id: string }> }).items.map((j) => j.id).sort();
  }

  async function status(bearer: string, urlPath: string, method = 'GET'): Promise<number> {
    const res = await fetch(`${baseUrl}${urlPath}`, {
      method,
      headers: { authorization: `Bearer ${bearer}` },
    });
    await res.arrayBuffer();
    return res.status;
  }

  it('the submitting user is stored on each job', async () => {
    const rows = await ds.query<Array<{ id: string; submitted_by: string | null; tenant: string }>>(
      `SELECT j.id, j.submitted_by, t.name AS tenant FROM job j JOIN tenant t ON t.id = j.tenant_id ORDER BY j.id`,
    );
    expect(rows).toEqual(
      [
        { id: aliceJob.id, submitted_by: 'alice', tenant: 'acme' },
        { id: bobJob.id, submitted_by: 'bob', tenant: 'acme' },
      ].sort((x, y) => x.id.localeCompare(y.id)),
    );
  });

  it('two users of one tenant each see only their own jobs: list, read, download, retry', async () => {
    expect(await listed(tokens.alice)).toEqual([aliceJob.id]);
    expect(await listed(tokens.bob)).toEqual([bobJob.id]);
    expect(await status(tokens.alice, `/v1/jobs/${aliceJob.id}`)).toBe(200);
    expect(await status(tokens.alice, `/v1/jobs/${aliceJob.id}/download`)).toBe(200);
    for (const [p, m] of [
      [`/v1/jobs/${bobJob.id}`, 'GET'],
      [`/v1/jobs/${bobJob.id}/result`, 'GET'],
      [`/v1/jobs/${bobJob.id}/download`, 'GET'],
      [`/v1/jobs/${bobJob.id}/events`, 'GET'],
      [`/v1/jobs/${bobJob.id}/retry`, 'POST'],
      [`/v1/jobs/${bobJob.id}`, 'DELETE'],
    ]) {
      expect([p, m, await status(tokens.alice, p, m)]).toEqual([p, m, 404]);
    }
    expect(await status(tokens.bob, `/v1/jobs/${aliceJob.id}`)).toBe(404);
  });

  it('an Idempotency-Key replays only the same user’s job; another user of the tenant gets 409, not the job', async () => {
    const alice = new QuireClient(baseUrl, tokens.alice);
    const bob = new QuireClient(baseUrl, tokens.bob);
    const doc = [{ name: 'k.pdf', data: makeNumberedPdf(1) }];
    const first = await alice.submit('compress', doc, undefined, { 'idempotency-key': 'shared-key' });
    expect(first.status).toBe(202);
    const again = await alice.submit('compress', doc, undefined, { 'idempotency-key': 'shared-key' });
    expect([again.status, again.body.id]).toEqual([202, first.body.id]);
    const other = await bob.submit('compress', doc, undefined, { 'idempotency-key': 'shared-key' });
    expect(other.status).toBe(409);
    expect(JSON.stringify(other.body)).not.toContain(String(first.body.id));
    // Deleted again, so that the listings below see only the two jobs of the setup.
    await alice.waitTerminal(String(first.body.id));
    expect(await status(tokens.alice, `/v1/jobs/${String(first.body.id)}`, 'DELETE')).toBe(204);
  });

  it('the tenant admin (token) and an API key of the same tenant see both', async () => {
    const both = [aliceJob.id, bobJob.id].sort();
    expect(await listed(tokens.carol)).toEqual(both);
    expect(await listed(acmeApiKey)).toEqual(both);
    expect(await status(tokens.carol, `/v1/jobs/${bobJob.id}`)).toBe(200);
    expect(await status(acmeApiKey, `/v1/jobs/${aliceJob.id}`)).toBe(200);
  });

  it('another tenant’s user (token from the URL-mode issuer) sees none', async () => {
    expect(await listed(tokens.dave)).toEqual([]);
    expect(await status(tokens.dave, `/v1/jobs/${aliceJob.id}`)).toBe(404);
    expect(await status(tokens.dave, '/v1/admin/dead-letters')).toBe(403);
  });

  it('a refused token gets the same 401 as a bad key; the log says why and never shows the token', async () => {
    const badKey = await fetch(`${baseUrl}/v1/jobs`, {
      headers: { authorization: 'Bearer qk_not_a_key_at_all_0123456789' },
    });
    const foreign = await new SignJWT({ sub: 'mallory', tenant: 'acme', role: 'admin' })
      .setProtectedHeader({ alg: 'ES256', kid: 'corp-1' })
      .setIssuer(CORP)
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .sign((await generateKeyPair('ES256')).privateKey);
    const refused = { expired: tokens.expired, 'bad signature': foreign };
    const expectedBody = await badKey.json();
    for (const t of Object.values(refused)) {
      const res = await fetch(`${baseUrl}/v1/jobs`, { headers: { authorization: `Bearer ${t}` } });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual(expectedBody);
    }
    const deadline = Date.now() + 5_000;
    const refusals = () =>
      gateway
        .output()
        .split('\n')
        .filter((l) => l.includes('bearer token refused'));
    while (refusals().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(refusals().map((l) => (JSON.parse(l) as { reason: string }).reason)).toEqual(Object.keys(refused));
    for (const t of [...Object.values(refused), ...Object.values(tokens)]) {
      expect(gateway.output()).not.toContain(t.split('.')[2]);
    }
  });
});
