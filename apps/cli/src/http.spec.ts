import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, EXIT, NetworkError } from './exit-codes';
import { ApiClient, parseRetryAfter } from './http';

/** A tiny HTTP server answering from a script of (status, headers, body): the client's behaviour, nothing else. */
describe('API client', () => {
  let server: Server;
  let base: string;
  let script: Array<{ status: number; headers?: Record<string, string>; body: unknown }> = [];
  const seen: Array<{ method: string; url: string; auth?: string; key?: string }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({
        method: req.method!,
        url: req.url!,
        auth: req.headers.authorization,
        key: req.headers['idempotency-key'] as string | undefined,
      });
      req.resume();
      const next = script.shift() ?? {
        status: 500,
        body: { error: { code: 'INTERNAL', message: 'script ran out' } },
      };
      res.writeHead(next.status, { 'content-type': 'application/json', ...next.headers });
      res.end(JSON.stringify(next.body));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  function client(waits: number[]) {
    return new ApiClient({
      baseUrl: base,
      apiKey: 'qk_test',
      userAgent: 'test',
      sleep: (ms) => {
        waits.push(ms);
        return Promise.resolve();
      },
    });
  }

  it('waits what Retry-After says on 429 and 503, then succeeds; the same body and key are sent again', async () => {
    script = [
      {
        status: 429,
        headers: { 'retry-after': '3' },
        body: { error: { code: 'RATE_LIMITED', message: 'slow down' } },
      },
      {
        status: 503,
        headers: { 'retry-after': '1' },
        body: { error: { code: 'UNAVAILABLE', message: 'db down' } },
      },
      { status: 503, body: { error: { code: 'UNAVAILABLE', message: 'db down' } } },
      { status: 202, body: { id: 'j1' } },
    ];
    seen.length = 0;
    const waits: number[] = [];
    const body = await client(waits).json('POST', '/v1/jobs/compress', {
      body: () => '{}',
      headers: { 'idempotency-key': 'k1' },
    });
    expect(body).toEqual({ id: 'j1' });
    // Two Retry-Afters honoured, then the default backoff of the third try (2 s).
    expect(waits).toEqual([3000, 1000, 4000]);
    expect(seen.map((s) => [s.auth, s.key])).toEqual(Array(4).fill(['Bearer qk_test', 'k1']));
  });

  it('maps 401 to the auth exit code and keeps the server’s message; no retry', async () => {
    script = [{ status: 401, body: { error: { code: 'UNAUTHORIZED', message: 'invalid API key' } } }];
    const waits: number[] = [];
    const err = await client(waits)
      .json('GET', '/v1/jobs')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({
      status: 401,
      code: 'UNAUTHORIZED',
      message: 'invalid API key',
      exitCode: EXIT.auth,
    });
    expect(waits).toEqual([]);
  });

  it('gives up on a Retry-After longer than it will wait, and after the retry budget', async () => {
    script = [
      {
        status: 503,
        headers: { 'retry-after': '3600' },
        body: { error: { code: 'UNAVAILABLE', message: 'later' } },
      },
    ];
    const waits: number[] = [];
    await expect(client(waits).json('GET', '/v1/jobs')).rejects.toMatchObject({ exitCode: EXIT.server });
    expect(waits).toEqual([]);
    script = Array.from({ length: 6 }, () => ({
      status: 503,
      body: { error: { code: 'UNAVAILABLE', message: 'down' } },
    }));
    await expect(client(waits).json('GET', '/v1/jobs')).rejects.toMatchObject({ status: 503 });
    expect(waits).toHaveLength(5);
  });

  it('reports an unreachable server as a network error after two quick retries', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const waits: number[] = [];
    const api = new ApiClient({
      baseUrl: `http://127.0.0.1:${port}`,
      userAgent: 't',
      sleep: (ms) => (waits.push(ms), Promise.resolve()),
    });
    const err = await api.json('GET', '/v1/jobs').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as NetworkError).message).toMatch(/ECONNREFUSED/);
    expect(waits).toEqual([1000, 2000]);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('7')).toBe(7000);
    expect(
      parseRetryAfter(new Date(Date.UTC(2030, 0, 1, 0, 0, 10)).toUTCString(), Date.UTC(2030, 0, 1)),
    ).toBe(10_000);
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter('soon')).toBeNull();
  });
});
