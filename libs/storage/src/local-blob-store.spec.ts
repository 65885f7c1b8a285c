import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NotFoundError, PayloadTooLargeError, ValidationError } from '@quire/errors';
import { LocalBlobStore } from './local-blob-store';

describe('LocalBlobStore', () => {
  let dir: string;
  let store: LocalBlobStore;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'blob-'));
    store = new LocalBlobStore(dir);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('streams in and out', async () => {
    const { bytes } = await store.write(
      'jobs/a/input/0.pdf',
      Readable.from([Buffer.from('hello '), Buffer.from('world')]),
    );
    expect(bytes).toBe(11);
    const chunks: Buffer[] = [];
    for await (const c of await store.read('jobs/a/input/0.pdf')) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('hello world');
    expect(await store.list('jobs/a')).toEqual(['jobs/a/input/0.pdf']);
    expect(await store.deletePrefix('jobs/a')).toEqual({ bytes: 11 });
    expect(await store.stat('jobs/a/input/0.pdf')).toBeNull();
  });

  it('cuts off an oversize stream and leaves nothing behind', async () => {
    const big = Readable.from(
      (function* () {
        for (let i = 0; i < 100; i++) yield Buffer.alloc(1024);
      })(),
    );
    await expect(store.write('jobs/b/input/0.pdf', big, { maxBytes: 10_000 })).rejects.toBeInstanceOf(
      PayloadTooLargeError,
    );
    expect(await store.list('jobs/b')).toEqual([]);
  });

  it('rejects unsafe keys and reports missing blobs', async () => {
    expect(() => store.pathOf('../etc/passwd')).toThrow(ValidationError);
    await expect(store.read('jobs/none')).rejects.toBeInstanceOf(NotFoundError);
  });
});
