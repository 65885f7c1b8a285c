import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalBlobStore } from './local-blob-store';

describe('LocalBlobStore stale partial writes', () => {
  let dir: string;
  let store: LocalBlobStore;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'blob-partials-'));
    store = new LocalBlobStore(dir);
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  async function partial(key: string, bytes: number, ageMs: number): Promise<void> {
    const p = path.join(dir, key);
    await fs.mkdir(path.dirname(p), { recursive: true });
    await fs.writeFile(p, Buffer.alloc(bytes));
    const t = new Date(Date.now() - ageMs);
    await fs.utimes(p, t, t);
  }

  it('finds only partials older than the cutoff, removes them, and leaves blobs and fresh partials', async () => {
    await store.write('jobs/a/input/0.pdf', Readable.from([Buffer.from('%PDF-1.4')]));
    await partial('jobs/a/output/x.pdf.partial-1-1', 100, 3 * 3_600_000);
    await partial('jobs/b/input/0.pdf.partial-2-2', 50, 60_000);
    const cutoff = new Date(Date.now() - 3_600_000);
    const stale = await store.findStalePartials(cutoff);
    expect(stale.map((s) => [s.key, s.bytes])).toEqual([['jobs/a/output/x.pdf.partial-1-1', 100]]);
    expect(await store.removeStalePartial(stale[0].key, cutoff)).toEqual({ removed: true, bytes: 100 });
    expect(await store.removeStalePartial(stale[0].key, cutoff)).toEqual({ removed: false, bytes: 0 });
    // A partial that was written to after the scan is left alone.
    expect(await store.removeStalePartial('jobs/b/input/0.pdf.partial-2-2', cutoff)).toEqual({
      removed: false,
      bytes: 0,
    });
    await expect(store.removeStalePartial('jobs/a/input/0.pdf', cutoff)).rejects.toThrow(/not a partial/);
    expect(await store.list('jobs')).toEqual(['jobs/a/input/0.pdf']);
  });
});
