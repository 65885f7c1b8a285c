import { describe, expect, it } from 'vitest';
import { ConfigError } from '@quire/config';
import { loadGatewayConfig } from './config';

const BASE = {
  QUIRE_AMQP_URL: 'amqp://localhost',
  QUIRE_DATABASE_URL: 'postgres://localhost/quire',
  QUIRE_STORAGE_DIR: '/tmp/quire',
};

describe('gateway config: HTTP timeouts', () => {
  it('has defaults that bound every phase of a request', () => {
    const c = loadGatewayConfig(BASE);
    expect(c.QUIRE_HTTP_HEADERS_TIMEOUT_MS).toBe(30_000);
    expect(c.QUIRE_HTTP_REQUEST_TIMEOUT_MS).toBe(15 * 60_000);
    expect(c.QUIRE_HTTP_IDLE_TIMEOUT_MS).toBe(60_000);
  });

  it.each([
    [{ QUIRE_HTTP_REQUEST_TIMEOUT_MS: '0' }, 'QUIRE_HTTP_REQUEST_TIMEOUT_MS'],
    [
      { QUIRE_HTTP_HEADERS_TIMEOUT_MS: '60000', QUIRE_HTTP_REQUEST_TIMEOUT_MS: '30000' },
      'QUIRE_HTTP_HEADERS_TIMEOUT_MS',
    ],
    [{ QUIRE_HTTP_IDLE_TIMEOUT_MS: '5000' }, 'QUIRE_HTTP_IDLE_TIMEOUT_MS'],
  ])('refuses %j', (env, field) => {
    expect(() => loadGatewayConfig({ ...BASE, ...env })).toThrow(ConfigError);
    expect(() => loadGatewayConfig({ ...BASE, ...env })).toThrow(field);
  });
});

describe('gateway config: tenant limits', () => {
  const tenant = '3f0c2b7e-6a55-4d8e-9a43-0c1f2d3e4b5a';

  it('has per-tenant defaults and no overrides', () => {
    const c = loadGatewayConfig(BASE);
    expect(c).toMatchObject({
      QUIRE_TENANT_SUBMIT_RATE: 600,
      QUIRE_TENANT_RATE_WINDOW_MS: 60_000,
      QUIRE_TENANT_MAX_ACTIVE_JOBS: 200,
      QUIRE_TENANT_STORAGE_BYTES: 20 * 1024 ** 3,
      QUIRE_TENANT_MAX_EVENT_STREAMS: 20,
      QUIRE_TENANT_LIMITS: {},
    });
  });

  it('reads per-tenant overrides from JSON', () => {
    const c = loadGatewayConfig({
      ...BASE,
      QUIRE_TENANT_LIMITS: JSON.stringify({ [tenant]: { maxActiveJobs: 10, storageBytes: 1_000_000 } }),
    });
    expect(c.QUIRE_TENANT_LIMITS).toEqual({ [tenant]: { maxActiveJobs: 10, storageBytes: 1_000_000 } });
  });

  it.each([
    ['not JSON', '{maxActiveJobs: 1}'],
    ['a tenant that is not an id', JSON.stringify({ acme: { maxActiveJobs: 1 } })],
    ['an unknown limit', JSON.stringify({ [tenant]: { maxJobs: 1 } })],
    ['a zero limit', JSON.stringify({ [tenant]: { submitRate: 0 } })],
  ])('refuses %s', (_what, value) => {
    expect(() => loadGatewayConfig({ ...BASE, QUIRE_TENANT_LIMITS: value })).toThrow('QUIRE_TENANT_LIMITS');
  });
});
