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
