/**
 * Clients that never finish: the gateway's HTTP server (createHttpServer, with short timeouts) and receiveUpload
 * against a real local blob store, driven over raw sockets so each test controls exactly which bytes are sent and
 * when. Every upload must settle, and nothing it stored may stay.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import net from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express, { type Request } from 'express';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LocalBlobStore } from '@quire/storage';
import { receiveUpload } from './multipart-upload';
import { createHttpServer } from './server';

const TIMEOUTS = { headersMs: 1_000, requestMs: 4_000, idleMs: 1_000 };
const BOUNDARY = 'quire-hostile-boundary';

let dir: string;
let server: Server;
let port: number;
/** What each receiveUpload call ended with, by job id ('pending' until it settles). */
const outcomes = new Map<string, string>();
let n = 0;

/** The route's await before the upload (key lookup, idempotency check): here, until the client has gone. */
async function clientGone(req: Request): Promise<void> {
  if (!req.socket.destroyed) await new Promise((r) => req.socket.once('close', r));
  await new Promise((r) => setTimeout(r, 50));
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'quire-hostile-'));
  const storage = new LocalBlobStore(path.join(dir, 'storage'));
  const app = express();
  app.post('/up', async (req, res) => {
    const jobId = `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;
    outcomes.set(jobId, 'pending');
    if (req.query.slowAuth !== undefined) await clientGone(req);
    try {
      await receiveUpload(req, {
        jobId,
        storage,
        limits: { maxFileBytes: 8 * 1024 * 1024, maxTotalBytes: 8 * 1024 * 1024, maxFiles: 2 },
        accepted: ['pdf'],
      });
      outcomes.set(jobId, 'ok');
      res.json({ ok: true });
    } catch (err) {
      outcomes.set(jobId, err instanceof Error ? err.message : String(err));
      if (!res.headersSent && !res.destroyed) res.status(400).json({ error: String(err) });
    }
  });
  server = createHttpServer(app, TIMEOUTS);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  if (dir) await rm(dir, { recursive: true, force: true });
});

afterEach(() => outcomes.clear());

function head(extra = ''): string {
  return (
    `POST /up${extra} HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
    `Content-Type: multipart/form-data; boundary=${BOUNDARY}\r\nContent-Length: 10000000\r\n\r\n`
  );
}
const FILE_PART =
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n` +
  `Content-Type: application/pdf\r\n\r\n%PDF-1.4\n` +
  ' '.repeat(64 * 1024);

function connect(): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
  });
}

/** Resolves with what the server sent once it closes the connection, or 'open' after `ms`. */
function closedBy(socket: net.Socket, ms: number): Promise<string> {
  return new Promise((resolve) => {
    let received = '';
    socket.on('data', (c: Buffer) => (received += c.toString()));
    const timer = setTimeout(() => resolve('open'), ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(received || '(closed without a response)');
    });
  });
}

/** The single upload's outcome once it is no longer pending, or 'pending' after `ms`. */
async function settled(ms: number): Promise<string> {
  const until = Date.now() + ms;
  for (;;) {
    const states = [...outcomes.values()];
    if (states.length === 1 && states[0] !== 'pending') return states[0];
    if (Date.now() > until) return states[0] ?? 'no upload';
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Files left in storage, `*.partial-*` leftovers included. */
async function stored(): Promise<string[]> {
  const entries = await readdir(path.join(dir, 'storage'), { recursive: true, withFileTypes: true }).catch(
    () => [],
  );
  return entries.filter((e) => e.isFile()).map((e) => e.name);
}

describe('clients that go away or stall', () => {
  it('a client that disconnects while the route is still awaiting (auth, idempotency): the upload settles', async () => {
    const socket = await connect();
    socket.write(head('?slowAuth'));
    socket.write(FILE_PART);
    await new Promise((r) => setTimeout(r, 100));
    socket.destroy();
    expect(await settled(3_000)).toBe('upload aborted by the client');
    expect(await stored()).toEqual([]);
  });

  it('a client that disconnects in the middle of a file: the upload settles and the partial file is removed', async () => {
    const socket = await connect();
    socket.write(head());
    socket.write(FILE_PART);
    await new Promise((r) => setTimeout(r, 200));
    socket.destroy();
    expect(await settled(3_000)).toBe('upload aborted by the client');
    expect(await stored()).toEqual([]);
  });

  it('headers and then nothing: the idle timeout closes the connection and the upload settles', async () => {
    const socket = await connect();
    const started = Date.now();
    const closed = closedBy(socket, 5_000);
    socket.write(head());
    expect(await closed).not.toBe('open');
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(await settled(2_000)).toBe('upload aborted by the client');
    expect(await stored()).toEqual([]);
  });

  it('a body that stops half-way: the idle timeout closes the connection and nothing stays in storage', async () => {
    const socket = await connect();
    const closed = closedBy(socket, 5_000);
    socket.write(head());
    socket.write(FILE_PART);
    await new Promise((r) => setTimeout(r, 300));
    const stopped = Date.now();
    expect(await closed).not.toBe('open');
    expect(Date.now() - stopped).toBeLessThan(3_000);
    expect(await settled(2_000)).toBe('upload aborted by the client');
    expect(await stored()).toEqual([]);
  });

  it('a body trickled forever (a byte just inside the idle timeout): the request timeout ends it', async () => {
    const socket = await connect();
    const closed = closedBy(socket, 8_000);
    const started = Date.now();
    socket.write(head());
    socket.write(FILE_PART);
    const drip = setInterval(() => socket.write(' '), 300);
    try {
      const answer = await closed;
      expect(answer).not.toBe('open');
      expect(Date.now() - started).toBeLessThan(TIMEOUTS.requestMs + 2_500);
    } finally {
      clearInterval(drip);
      socket.destroy();
    }
    expect(await settled(2_000)).toBe('upload aborted by the client');
    expect(await stored()).toEqual([]);
  });

  it('headers sent a byte at a time and never finished: 408 after the headers timeout', async () => {
    const socket = await connect();
    const closed = closedBy(socket, 6_000);
    const text = head();
    let i = 0;
    const drip = setInterval(() => {
      if (i < text.length - 4) socket.write(text[i++]);
    }, 200);
    try {
      expect(await closed).toMatch(/^HTTP\/1\.1 408/);
    } finally {
      clearInterval(drip);
      socket.destroy();
    }
    expect(outcomes.size).toBe(0);
  });
});
