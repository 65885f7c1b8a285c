/**
 * Downloads aborted by the client, against a real HTTP server and a real local blob store: the stored file's
 * descriptor must be closed at once (counted in /proc/self/fd), or results deleted afterwards keep using disk
 * until the gateway restarts.
 */
import { readdir, readlink, mkdtemp, rm } from 'node:fs/promises';
import http, { type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalBlobStore } from '@quire/storage';
import { streamStoredFile } from './file-download';
import { streamZip } from './zip-download';

const MiB = 1024 * 1024;
const KEYS = ['jobs/d/output/a.pdf', 'jobs/d/output/b.pdf', 'jobs/d/output/c.pdf'];
/** A small first entry, then a large one that is slow to open. */
const SMALL_KEYS = ['jobs/s/output/1.pdf', 'jobs/s/output/2.pdf'];

let dir: string;
let storage: LocalBlobStore;
let server: Server;
let base: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'quire-downloads-'));
  storage = new LocalBlobStore(path.join(dir, 'storage'));
  for (const key of KEYS) await storage.write(key, Readable.from([Buffer.alloc(32 * MiB, 0x25)]));
  await storage.write(SMALL_KEYS[0], Readable.from([Buffer.alloc(64 * 1024, 0x25)]));
  await storage.write(SMALL_KEYS[1], Readable.from([Buffer.alloc(8 * MiB, 0x25)]));
  const app = express();
  app.get('/file', async (_req, res) => {
    await streamStoredFile(res, storage, { name: 'a.pdf', key: KEYS[0] });
  });
  app.get('/zip', async (_req, res) => {
    await streamZip(
      res,
      'all.zip',
      KEYS.map((key) => ({ name: path.basename(key), bytes: 32 * MiB, key })),
      (e) => storage.read(e.key),
    );
  });
  // Every entry after the first takes 300 ms to open (a slow disk, a remote store): the client leaves meanwhile.
  app.get('/zip-slow-open', async (_req, res) => {
    await streamZip(
      res,
      'small.zip',
      SMALL_KEYS.map((key, i) => ({ name: path.basename(key), bytes: i === 0 ? 64 * 1024 : 8 * MiB, key })),
      async (e) => {
        if (e.key !== SMALL_KEYS[0]) await new Promise((r) => setTimeout(r, 300));
        return storage.read(e.key);
      },
    );
  });
  await new Promise<void>((resolve) => {
    server = app.listen(0, '127.0.0.1', () => resolve());
  });
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** This process's open descriptors on stored files. */
async function openStoredFiles(): Promise<string[]> {
  const root = path.join(dir, 'storage');
  const fds = await readdir('/proc/self/fd');
  const targets = await Promise.all(fds.map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')));
  return targets.filter((t) => t.startsWith(root));
}

/** Starts a download, reads about `bytes` of it (1 MiB by default), then drops the connection. */
async function abortAfterFirstMegabyte(url: string, bytes = MiB): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, (res) => {
      let received = 0;
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received >= bytes) {
          req.destroy();
          resolve(received);
        }
      });
      res.on('error', () => undefined);
    });
    req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
  });
}

async function openStoredFilesAfter(ms: number): Promise<string[]> {
  const until = Date.now() + ms;
  let open = await openStoredFiles();
  while (open.length > 0 && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 50));
    open = await openStoredFiles();
  }
  return open;
}

describe.skipIf(process.platform !== 'linux')('aborted downloads (/proc/self/fd)', () => {
  it('a single file: the descriptor is closed when the client goes', async () => {
    expect(await openStoredFiles()).toEqual([]);
    expect(await abortAfterFirstMegabyte(`${base}/file`)).toBeLessThan(32 * MiB);
    expect(await openStoredFilesAfter(2_000)).toEqual([]);
  });

  it('a ZIP: the current entry and any entry being opened are closed when the client goes', async () => {
    for (let i = 0; i < 3; i++) {
      expect(await abortAfterFirstMegabyte(`${base}/zip`)).toBeLessThan(96 * MiB);
      expect(await openStoredFilesAfter(2_000)).toEqual([]);
    }
  });

  it('a ZIP: an entry whose opening was under way when the client left is closed as soon as it opens', async () => {
    expect(await abortAfterFirstMegabyte(`${base}/zip-slow-open`, 64 * 1024)).toBeLessThan(128 * 1024);
    await new Promise((r) => setTimeout(r, 400)); // the second entry has opened by now
    expect(await openStoredFilesAfter(2_000)).toEqual([]);
  });

  it('a finished download leaves nothing open either', async () => {
    const bytes = await new Promise<number>((resolve, reject) => {
      http
        .get(`${base}/file`, (res) => {
          let n = 0;
          res.on('data', (c: Buffer) => (n += c.length));
          res.on('end', () => resolve(n));
        })
        .on('error', reject);
    });
    expect(bytes).toBe(32 * MiB);
    expect(await openStoredFilesAfter(2_000)).toEqual([]);
  });
});
