import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DependencyUnavailableError, QuotaExceededError, RateLimitedError } from '@quire/errors';
import { createLogger } from '@quire/logging';
import { errorHandler } from './error-handler';

/** The one error handler turns `retryAfterMs` into a Retry-After header in whole seconds (rounded up). */
describe('errorHandler: Retry-After', () => {
  let url: string;
  let close: () => void;

  beforeAll(async () => {
    const app = express();
    app.get('/rate/:ms', (req) => {
      throw new RateLimitedError('too many', { retryAfterMs: Number(req.params.ms) });
    });
    app.get('/rate', () => {
      throw new RateLimitedError('too many');
    });
    app.get('/unavailable', () => {
      throw new DependencyUnavailableError('down', { retryAfterMs: 2_000 });
    });
    app.get('/quota', () => {
      throw new QuotaExceededError('storage quota exceeded');
    });
    app.use(errorHandler(createLogger('test', 'error', { silent: true })));
    const server = app.listen(0);
    await new Promise((r) => server.once('listening', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => server.close();
  });
  afterAll(() => close?.());

  it.each([
    ['/rate/1500', 429, '2'],
    ['/rate/60000', 429, '60'],
    ['/rate/10', 429, '1'],
    ['/rate', 429, null],
    ['/unavailable', 503, '2'],
    ['/quota', 413, null],
  ])('GET %s → %i with Retry-After %s', async (path, status, retryAfter) => {
    const res = await fetch(url + path);
    expect(res.status).toBe(status);
    expect(res.headers.get('retry-after')).toBe(retryAfter);
    const body = (await res.json()) as { error: { code: string } };
    expect(body.error.code).toBe(
      status === 429 ? 'RATE_LIMITED' : status === 413 ? 'QUOTA_EXCEEDED' : 'DEPENDENCY_UNAVAILABLE',
    );
  });
});
