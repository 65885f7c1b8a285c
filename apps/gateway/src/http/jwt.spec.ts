import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ApiKeyRepository } from '@quire/job-model';
import { createLogger } from '@quire/logging';
import { jwtIssuerSchema, loadGatewayConfig, type JwtIssuerConfig } from '../config';
import { REFUSED_KEY_MESSAGE, authenticate } from './auth';
import { errorHandler } from './error-handler';
import { JwtVerifier, looksLikeJwt } from './jwt';

const ISSUER = 'https://idp.example.test/';
const AUDIENCE = 'quire';

let dir: string;
let rsa: { privateKey: CryptoKey; publicJwk: JWK };
let stranger: { privateKey: CryptoKey };
let ec: { privateKey: CryptoKey; publicJwk: JWK };
let jwksServer: Server;
let jwksUrl: string;

async function keyPair(alg: 'RS256' | 'ES256', kid: string) {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  return { privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

function issuer(over: Partial<JwtIssuerConfig> = {}): JwtIssuerConfig {
  return jwtIssuerSchema.parse({
    issuer: ISSUER,
    audience: AUDIENCE,
    jwksFile: path.join(dir, 'jwks.json'),
    algorithms: ['RS256'],
    ...over,
  });
}

interface TokenOptions {
  key?: CryptoKey;
  alg?: string;
  kid?: string;
  iss?: string;
  aud?: string;
  exp?: number | string;
  nbf?: number | string;
  claims?: Record<string, unknown>;
}

function token(o: TokenOptions = {}): Promise<string> {
  const jwt = new SignJWT({ tenant: 'acme', role: 'user', ...o.claims })
    .setProtectedHeader({ alg: o.alg ?? 'RS256', kid: o.kid ?? 'rsa-1' })
    .setIssuer(o.iss ?? ISSUER)
    .setAudience(o.aud ?? AUDIENCE)
    .setSubject('alice')
    .setIssuedAt()
    .setExpirationTime(o.exp ?? '5m');
  if (o.nbf !== undefined) jwt.setNotBefore(o.nbf);
  return jwt.sign(o.key ?? rsa.privateKey);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'quire-jwt-'));
  rsa = await keyPair('RS256', 'rsa-1');
  ec = await keyPair('ES256', 'ec-1');
  stranger = await keyPair('RS256', 'rsa-1');
  const jwks = JSON.stringify({ keys: [rsa.publicJwk, ec.publicJwk] });
  await writeFile(path.join(dir, 'jwks.json'), jwks);
  jwksServer = createServer((req, res) => {
    if (req.url !== '/.well-known/jwks.json') res.writeHead(404).end();
    else res.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/.well-known/jwks.json`;
});

afterAll(async () => {
  await new Promise((resolve) => jwksServer?.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

describe('JwtVerifier', () => {
  it('tells a JWT from an API key by shape', async () => {
    expect(looksLikeJwt(await token())).toBe(true);
    expect(looksLikeJwt('qk_' + 'a'.repeat(43))).toBe(false);
    expect(looksLikeJwt('qk_a.b.c')).toBe(false);
    expect(looksLikeJwt('a.b')).toBe(false);
  });

  it('accepts a valid token (JWKS file) and maps tenant, user and role; a token is never an operator', async () => {
    const v = await JwtVerifier.create([issuer()]);
    expect(await v.verify(await token())).toEqual({
      ok: true,
      identity: { issuer: ISSUER, tenantName: 'acme', userId: 'alice', role: 'user' },
    });
    const admin = await v.verify(await token({ claims: { role: ['staff', 'admin'] } }));
    expect(admin).toMatchObject({ ok: true, identity: { role: 'admin' } });
    const operator = await v.verify(await token({ claims: { role: 'operator' } }));
    expect(operator).toMatchObject({ ok: true, identity: { role: 'user' } });
  });

  it('uses the configured claim names, admin roles and tenant prefix', async () => {
    const v = await JwtVerifier.create([
      issuer({
        claims: { tenant: 'org', user: 'email', role: 'groups' },
        adminRoles: ['quire-admins'],
        tenantPrefix: 'idp-',
      }),
    ]);
    const t = await token({ claims: { org: 'acme', email: 'a@acme.test', groups: ['quire-admins'] } });
    expect(await v.verify(t)).toMatchObject({
      ok: true,
      identity: { tenantName: 'idp-acme', userId: 'a@acme.test', role: 'admin' },
    });
  });

  it('accepts a token checked against a JWKS served over HTTP (URL mode)', async () => {
    const v = await JwtVerifier.create([issuer({ jwksFile: undefined, jwksUrl })]);
    expect(await v.verify(await token())).toMatchObject({ ok: true, identity: { userId: 'alice' } });
    const down = await JwtVerifier.create([
      issuer({ jwksFile: undefined, jwksUrl: jwksUrl.replace('jwks.json', 'missing.json') }),
    ]);
    expect(await down.verify(await token())).toMatchObject({ ok: false, reason: 'key set unavailable' });
  });

  it('allows the configured clock skew and no more', async () => {
    const now = Math.floor(Date.now() / 1000);
    const v = await JwtVerifier.create([issuer({ clockToleranceSec: 60 })]);
    expect(await v.verify(await token({ exp: now - 30 }))).toMatchObject({ ok: true });
    expect(await v.verify(await token({ exp: now - 90 }))).toMatchObject({ ok: false, reason: 'expired' });
  });
});

describe('authenticate with bearer JWTs', () => {
  let server: Server;
  let base: string;
  const logger = createLogger('test', 'info', { silent: true });
  const warn = vi.spyOn(logger, 'warn');
  // Refused tokens must be refused before any tenant is looked up; a valid one creates its tenant.
  const ensureTenant = vi.fn((name: string) => Promise.resolve({ id: `id-of-${name}`, name }));
  const keys = {
    ensureTenant,
    check: () => Promise.resolve({ ok: false, reason: 'unknown' }),
  } as unknown as ApiKeyRepository;

  beforeAll(async () => {
    const v = await JwtVerifier.create([issuer({ algorithms: ['RS256'] })]);
    const app = express();
    app.use(authenticate(keys, logger, v));
    app.get('/whoami', (req, res) => {
      res.json(req.principal);
    });
    app.use(errorHandler(logger));
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  const call = (bearer: string) =>
    fetch(`${base}/whoami`, { headers: { authorization: `Bearer ${bearer}` } });

  it('turns a valid token into a principal of its tenant with the user on it', async () => {
    const res = await call(await token());
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      tenantId: 'id-of-acme',
      tenantName: 'acme',
      keyId: 'jwt:alice',
      role: 'user',
      userId: 'alice',
    });
    expect(ensureTenant).toHaveBeenCalledWith('acme');
  });

  const now = () => Math.floor(Date.now() / 1000);
  const refusals: Array<[string, () => Promise<string>, string]> = [
    ['expired', () => token({ exp: now() - 3600 }), 'expired'],
    ['not yet valid', () => token({ nbf: now() + 3600 }), 'not yet valid'],
    ['wrong audience', () => token({ aud: 'someone-else' }), 'wrong audience'],
    ['unknown issuer', () => token({ iss: 'https://evil.example.test/' }), 'unknown issuer'],
    ['signed by another key', () => token({ key: stranger.privateKey }), 'bad signature'],
    [
      'an algorithm not allowed',
      () => token({ key: ec.privateKey, alg: 'ES256', kid: 'ec-1' }),
      'algorithm not allowed',
    ],
    ['no tenant claim', () => token({ claims: { tenant: undefined } }), 'missing tenant claim'],
    ['a platform tenant', () => token({ claims: { tenant: 'system' } }), 'reserved tenant'],
    ['a kid not in the set', () => token({ kid: 'rsa-9' }), 'no matching key'],
  ];

  it.each(refusals)(
    'refuses a token %s with the bad-key 401, the reason logged',
    async (_what, make, reason) => {
      warn.mockClear();
      ensureTenant.mockClear();
      const t = await make();
      const res = await call(t);
      expect(res.status).toBe(401);
      expect(JSON.stringify(await res.json())).toContain(REFUSED_KEY_MESSAGE);
      expect(warn).toHaveBeenCalledWith('bearer token refused', expect.objectContaining({ reason }));
      expect(JSON.stringify(warn.mock.calls)).not.toContain(t);
      expect(JSON.stringify(warn.mock.calls)).not.toContain(t.split('.')[2]);
      expect(ensureTenant).not.toHaveBeenCalled();
    },
  );

  it('still sends API-key-shaped bearers to the key check', async () => {
    const res = await call('qk_' + 'x'.repeat(43));
    expect(res.status).toBe(401);
    expect(warn).toHaveBeenCalledWith('API key refused', expect.objectContaining({ reason: 'unknown' }));
  });
});

describe('QUIRE_JWT_ISSUERS', () => {
  const BASE = {
    QUIRE_AMQP_URL: 'amqp://localhost',
    QUIRE_DATABASE_URL: 'postgres://localhost/quire',
    QUIRE_STORAGE_DIR: '/tmp/quire',
  };

  it('is empty by default and fills in the defaults of each issuer', () => {
    expect(loadGatewayConfig(BASE).QUIRE_JWT_ISSUERS).toEqual([]);
    const [one] = loadGatewayConfig({
      ...BASE,
      QUIRE_JWT_ISSUERS: JSON.stringify([
        { issuer: ISSUER, audience: AUDIENCE, jwksUrl: 'https://idp/jwks' },
      ]),
    }).QUIRE_JWT_ISSUERS;
    expect(one).toMatchObject({
      algorithms: ['RS256', 'ES256'],
      clockToleranceSec: 30,
      claims: { tenant: 'tenant', user: 'sub', role: 'role' },
      adminRoles: ['admin'],
      tenantPrefix: '',
    });
  });

  it.each([
    ['not JSON', '[{'],
    ['no key set', JSON.stringify([{ issuer: ISSUER, audience: AUDIENCE }])],
    [
      'two key sets',
      JSON.stringify([{ issuer: ISSUER, audience: AUDIENCE, jwksUrl: 'https://i/j', jwksFile: '/j' }]),
    ],
    [
      'a shared-secret algorithm',
      JSON.stringify([{ issuer: ISSUER, audience: AUDIENCE, jwksFile: '/j', algorithms: ['HS256'] }]),
    ],
    [
      'an unknown field',
      JSON.stringify([{ issuer: ISSUER, audience: AUDIENCE, jwksFile: '/j', secret: 'x' }]),
    ],
    [
      'the same issuer twice',
      JSON.stringify([
        { issuer: ISSUER, audience: AUDIENCE, jwksFile: '/j' },
        { issuer: ISSUER, audience: AUDIENCE, jwksFile: '/k' },
      ]),
    ],
  ])('refuses %s', (_what, value) => {
    expect(() => loadGatewayConfig({ ...BASE, QUIRE_JWT_ISSUERS: value })).toThrow('QUIRE_JWT_ISSUERS');
  });
});
