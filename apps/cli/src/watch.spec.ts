import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from './http';
import type { Job } from './job';
import { StreamSlots, watchJob } from './watch';

const job = (status: string, percent: number): Job => ({
  id: '00000000-0000-4000-8000-000000000001',
  type: 'compress',
  status,
  progress: { percent, stage: 'compression', message: '' },
  attempts: 1,
  error: null,
  result: null,
  createdAt: '2026-01-01T00:00:00.000Z',
});

/**
 * How the CLI follows a job, against a small HTTP server playing the gateway's two routes: the event stream, and
 * the job JSON for polling when the stream is refused (the tenant's stream cap answers 429).
 */
describe('watching a job', () => {
  let server: Server;
  let api: ApiClient;
  let streamRefused = false;
  let polls = 0;
  let streams = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url!.endsWith('/events')) {
        streams++;
        if (streamRefused) {
          res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
          res.end(
            JSON.stringify({ error: { code: 'RATE_LIMITED', message: 'too many open event streams' } }),
          );
          return;
        }
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(`event: job\ndata: ${JSON.stringify(job('processing', 40))}\n\n: keep-alive\n\n`);
        setTimeout(() => res.end(`event: job\ndata: ${JSON.stringify(job('completed', 100))}\n\n`), 50);
        return;
      }
      polls++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(job(polls >= 2 ? 'completed' : 'processing', polls * 50)));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    api = new ApiClient({
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      userAgent: 't',
    });
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it('follows the event stream to the end', async () => {
    const seen: string[] = [];
    const end = await watchJob(api, job('pending', 0), {
      onUpdate: (j) => seen.push(`${j.status} ${j.progress.percent}`),
      slots: new StreamSlots(1),
      pollMs: 10,
    });
    expect(end.status).toBe('completed');
    expect(seen).toEqual(['pending 0', 'processing 40', 'completed 100']);
  });

  it('polls when the stream is refused, and when no stream slot is free', async () => {
    streamRefused = true;
    polls = 0;
    streams = 0;
    const end = await watchJob(api, job('pending', 0), {
      onUpdate: () => undefined,
      slots: new StreamSlots(1),
      pollMs: 10,
    });
    expect(end.status).toBe('completed');
    expect([streams, polls]).toEqual([1, 2]);

    polls = 0;
    streams = 0;
    const none = await watchJob(api, job('pending', 0), {
      onUpdate: () => undefined,
      slots: new StreamSlots(0),
      pollMs: 10,
    });
    expect(none.status).toBe('completed');
    expect([streams, polls]).toEqual([0, 2]);
  });

  it('returns the last state seen when the deadline passes', async () => {
    streamRefused = true;
    polls = -1_000;
    const end = await watchJob(api, job('pending', 0), {
      onUpdate: () => undefined,
      slots: new StreamSlots(0),
      pollMs: 20,
      deadline: Date.now() + 100,
    });
    expect(end.status).toBe('processing');
  });
});
