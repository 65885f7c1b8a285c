import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sweepTempRoot } from './temp-sweep';

const HOUR = 3_600_000;

describe('sweepTempRoot', () => {
  let root: string;
  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'sweep-'));
  });
  afterEach(() => fs.rm(root, { recursive: true, force: true }));

  /** Writes a file `ageHours` old (its folders too, deepest first, so their mtime is not refreshed afterwards). */
  async function put(rel: string, bytes: number, ageHours: number): Promise<void> {
    const full = path.join(root, rel);
    await fs.mkdir(path.dirname(full), { recursive: true });
    await fs.writeFile(full, Buffer.alloc(bytes));
    const t = new Date(Date.now() - ageHours * HOUR);
    await fs.utimes(full, t, t);
  }
  async function age(rel: string, ageHours: number): Promise<void> {
    const t = new Date(Date.now() - ageHours * HOUR);
    await fs.utimes(path.join(root, rel), t, t);
  }
  const exists = (rel: string) =>
    fs.access(path.join(root, rel)).then(
      () => true,
      () => false,
    );

  it('removes old files and emptied old folders, keeps new ones and everything of processing jobs', async () => {
    const done = randomUUID();
    const busy = randomUUID();
    const fresh = randomUUID();
    const lease = randomUUID();
    await put(`${done}/${lease}/input-0.pdf`, 1000, 5);
    await put(`${done}/${lease}/out.pdf`, 500, 3);
    await age(`${done}/${lease}`, 3);
    await age(done, 3);
    await put(`${busy}/${lease}/input-0.pdf`, 700, 10);
    await age(`${busy}/${lease}`, 10);
    await age(busy, 10);
    await put(`${fresh}/${lease}/input-0.pdf`, 300, 0.5);
    await put('stray.tmp', 40, 4);
    await put('recent.tmp', 40, 0);

    const asked: string[][] = [];
    const result = await sweepTempRoot(root, new Date(Date.now() - 2 * HOUR), (ids) => {
      asked.push(ids);
      return Promise.resolve(new Set(ids.filter((id) => id === busy)));
    });

    expect(result).toMatchObject({ files: 3, dirs: 2, bytes: 1540, protectedJobs: 1, errors: 0 });
    expect(asked[0].sort()).toEqual([done, busy, fresh].sort());
    expect(await exists(done)).toBe(false);
    expect(await exists(`${busy}/${lease}/input-0.pdf`)).toBe(true);
    expect(await exists(`${fresh}/${lease}/input-0.pdf`)).toBe(true);
    expect(await exists('stray.tmp')).toBe(false);
    expect(await exists('recent.tmp')).toBe(true);
    expect(await exists('')).toBe(true); // the root itself stays
  });

  it('tolerates files that vanish during the sweep and a missing root', async () => {
    const job = randomUUID();
    await put(`${job}/a/old.bin`, 10, 5);
    await put(`${job}/a/gone.bin`, 10, 5);
    const result = await sweepTempRoot(root, new Date(Date.now() - HOUR), async () => {
      // Another process removes a file after the sweep listed the folder.
      await fs.rm(path.join(root, job, 'a', 'gone.bin'));
      return new Set<string>();
    });
    expect(result.errors).toBe(0);
    expect(result.files).toBe(1);
    expect(
      await sweepTempRoot(path.join(root, 'nope'), new Date(), () => Promise.resolve(new Set())),
    ).toMatchObject({ files: 0, errors: 0 });
  });
});
