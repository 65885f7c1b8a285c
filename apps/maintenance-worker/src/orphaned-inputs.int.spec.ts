/**
 * cleanup-temp-files against real PostgreSQL and real files: job folders in storage that no job row points to
 * (uploads cut off when the gateway died, a failed row insert whose own cleanup failed) are removed once idle long
 * enough; folders of real jobs, uploads still in flight and anything not named like a job stay.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiKeyRepository,
  createDataSource,
  JobRepository,
  MaintenanceRepository,
  type JobType,
} from '@quire/job-model';
import { createLogger } from '@quire/logging';
import { jobKeys, LocalBlobStore } from '@quire/storage';
import { createTestDatabase, type TestDatabase } from '@quire/testing';
import type { JobContext } from '@quire/worker-runtime';
import { cleanupTempFilesHandler, ORPHAN_MIN_AGE_HOURS } from './handlers/cleanup-temp-files.handler';

const logger = createLogger('orphans-int', 'error', { silent: true });
const HOUR = 3_600_000;

describe('cleanup-temp-files: orphaned job folders (PostgreSQL, real files)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let repo: MaintenanceRepository;
  let jobs: JobRepository;
  let root: string;
  let storage: LocalBlobStore;
  let tenantId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = createDataSource(db.url, { poolSize: 3 });
    await ds.initialize();
    repo = new MaintenanceRepository(ds);
    jobs = new JobRepository(ds);
    tenantId = (await new ApiKeyRepository(ds).ensureTenant('acme')).id;
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'quire-orphans-'));
    storage = new LocalBlobStore(path.join(root, 'storage'));
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  /** Writes a storage file dated `ageHours` back, its folders too (deepest first). */
  async function put(key: string, bytes: number, ageHours: number): Promise<void> {
    const base = path.join(root, 'storage');
    const full = path.join(base, key);
    await fs.mkdir(path.dirname(full), { recursive: true });
    await fs.writeFile(full, Buffer.alloc(bytes, 1));
    const t = new Date(Date.now() - ageHours * HOUR);
    await fs.utimes(full, t, t);
    for (let d = path.dirname(full); d.length > base.length; d = path.dirname(d)) await fs.utimes(d, t, t);
  }
  const exists = (key: string) =>
    fs.access(path.join(root, 'storage', key)).then(
      () => true,
      () => false,
    );

  async function run(params: { maxAgeHours?: number } = {}) {
    const type: JobType = 'cleanup-temp-files';
    const { job } = await repo.createSystemJob({ type, params });
    const ctx = {
      job,
      params: params as never,
      attempt: 1,
      signal: new AbortController().signal,
      tempDir: path.join(root, 'tmp', job.id),
      storage,
      logger,
      progress: () => undefined,
      checkpoint: () => undefined,
      inputPath: () => Promise.reject(new Error('maintenance jobs have no inputs')),
      saveOutput: () => Promise.reject(new Error('maintenance jobs have no outputs')),
    } satisfies JobContext<typeof type>;
    const handler = cleanupTempFilesHandler({ repo, tempRoot: path.join(root, 'tmp'), maxAgeHours: 2 });
    return await handler(ctx);
  }

  it('removes idle folders without a job row, and only those', async () => {
    // A real job (row present) whose files are old: kept, whatever its status.
    const real = await jobs.createWithOutbox({
      tenantId,
      type: 'compress',
      params: { preset: 'ebook' },
      inputs: [],
      correlationId: randomUUID(),
    });
    await put(jobKeys.input(real.id, 0, 'upload'), 1000, 5);
    // Orphans: an upload cut off 5 h ago (input only), and one with an output too.
    const orphan = randomUUID();
    await put(jobKeys.input(orphan, 0, 'upload'), 3000, 5);
    await put(`${jobKeys.input(orphan, 1, 'upload')}.partial-1-1`, 200, 5);
    const orphanWithOutput = randomUUID();
    await put(jobKeys.input(orphanWithOutput, 0, 'upload'), 400, 30);
    await put(jobKeys.output(orphanWithOutput, 'x.pdf'), 100, 30);
    // No row yet, but recent: an upload in flight (its row comes when it ends).
    const uploading = randomUUID();
    await put(jobKeys.input(uploading, 0, 'upload'), 5000, 5);
    await put(`${jobKeys.input(uploading, 1, 'upload')}.partial-9-9`, 10, 0);
    const fresh = randomUUID();
    await put(jobKeys.input(fresh, 0, 'upload'), 700, ORPHAN_MIN_AGE_HOURS / 2);
    // Not a job id: not ours to judge.
    await put('jobs/not-a-job/input/0.upload', 50, 50);

    const result = await run();
    expect(result.orphanedJobFolders).toEqual({ folders: 2, files: 4, bytes: 3700, errors: 0 });
    expect(await exists(jobKeys.root(orphan))).toBe(false);
    expect(await exists(jobKeys.root(orphanWithOutput))).toBe(false);
    expect(await exists(jobKeys.input(real.id, 0, 'upload'))).toBe(true);
    expect(await exists(jobKeys.input(uploading, 0, 'upload'))).toBe(true);
    expect(await exists(jobKeys.input(fresh, 0, 'upload'))).toBe(true);
    expect(await exists('jobs/not-a-job/input/0.upload')).toBe(true);
    // Its totals include what the orphans held (the 5-hour-old partial went with its folder).
    expect(result.filesFreed).toBe(4);
    expect(result.bytesFreed).toBe(3700);
  });

  it('never takes a folder younger than ORPHAN_MIN_AGE_HOURS, even with a tiny maxAgeHours', async () => {
    const recent = randomUUID();
    await put(jobKeys.input(recent, 0, 'upload'), 100, ORPHAN_MIN_AGE_HOURS * 0.9);
    const result = await run({ maxAgeHours: 0.001 });
    expect(result.orphanedJobFolders).toMatchObject({ folders: 0 });
    expect(await exists(jobKeys.input(recent, 0, 'upload'))).toBe(true);
  });
});
