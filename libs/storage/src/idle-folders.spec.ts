import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalBlobStore } from './local-blob-store';

const HOUR = 3_600_000;

describe('LocalBlobStore idle folders', () => {
  let dir: string;
  let store: LocalBlobStore;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'blob-idle-'));
    store = new LocalBlobStore(dir);
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  /** Writes a file and dates it, and its folders up to the root, `ageHours` back. */
  async function put(key: string, bytes: number, ageHours: number): Promise<void> {
    const full = path.join(dir, key);
    await fs.mkdir(path.dirname(full), { recursive: true });
    await fs.writeFile(full, Buffer.alloc(bytes));
    const t = new Date(Date.now() - ageHours * HOUR);
    await fs.utimes(full, t, t);
    for (let d = path.dirname(full); d.length > dir.length; d = path.dirname(d)) await fs.utimes(d, t, t);
  }

  it('lists folders where nothing changed since the cutoff, counting what they hold', async () => {
    await put('jobs/old/input/0.upload', 100, 5);
    await put('jobs/old/output/a.pdf', 20, 5);
    // An upload still being written: the old file does not make the folder idle.
    await put('jobs/busy/input/0.upload', 100, 5);
    await put('jobs/busy/input/1.upload.partial-1-1', 10, 0);
    await put('jobs/fresh/input/0.upload', 100, 0.1);
    const idle = await store.findIdleFolders('jobs', new Date(Date.now() - HOUR));
    expect(idle.map(({ key, files, bytes }) => ({ key, files, bytes }))).toEqual([
      { key: 'jobs/old', files: 2, bytes: 120 },
    ]);
    expect(await store.findIdleFolders('nothing-here', new Date())).toEqual([]);
  });

  it('removes an idle folder, and leaves one written to since it was found', async () => {
    await put('jobs/a/input/0.upload', 100, 5);
    await put('jobs/b/input/0.upload', 100, 5);
    const cutoff = new Date(Date.now() - HOUR);
    expect((await store.findIdleFolders('jobs', cutoff)).length).toBe(2);
    await fs.writeFile(path.join(dir, 'jobs/b/input/1.upload'), 'new');
    expect(await store.removeIdleFolder('jobs/a', cutoff)).toEqual({ removed: true, files: 1, bytes: 100 });
    expect(await store.removeIdleFolder('jobs/b', cutoff)).toEqual({ removed: false, files: 0, bytes: 0 });
    expect(await store.removeIdleFolder('jobs/gone', cutoff)).toEqual({ removed: false, files: 0, bytes: 0 });
    expect(await store.list('jobs')).toEqual(['jobs/b/input/0.upload', 'jobs/b/input/1.upload']);
  });
});
