import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancelledError, NotFoundError, TimeoutError, ValidationError } from '@quire/errors';
import type { JobEntity, JobInput } from '@quire/job-model';
import { createLogger } from '@quire/logging';
import { jobKeys, LocalBlobStore } from '@quire/storage';
import { createJobContext, inputFileName } from './job-context';
import type { ProgressUpdate } from './progress-reporter';

const logger = createLogger('job-context-test', 'error', { silent: true });

describe('createJobContext', () => {
  let root: string;
  let storage: LocalBlobStore;

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'quire-ctx-'));
    storage = new LocalBlobStore(path.join(root, 'storage'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  /** A job as the gateway stores it: uploads under `jobs/<id>/input/<i>.upload`, with their sniffed type. */
  async function storedJob(
    type: string,
    params: unknown,
    uploads: Array<{ body: string; contentType: string }>,
  ) {
    const id = randomUUID();
    const inputs: JobInput[] = [];
    for (const [i, u] of uploads.entries()) {
      const key = jobKeys.input(id, i, 'upload');
      const { bytes } = await storage.write(key, Readable.from([Buffer.from(u.body)]));
      inputs.push({ key, name: `upload-${i}`, bytes, contentType: u.contentType });
    }
    const tempDir = path.join(root, 'tmp', id);
    await mkdir(tempDir, { recursive: true });
    const job = { id, type, params, inputs, attempts: 2 } as unknown as JobEntity;
    return { job, tempDir };
  }

  function contextOf(job: JobEntity, tempDir: string, signal = new AbortController().signal) {
    const progress: ProgressUpdate[] = [];
    const ctx = createJobContext({
      job,
      storage,
      tempDir,
      signal,
      logger,
      progress: (u) => progress.push(u),
    });
    return { ctx, progress };
  }

  it('validates and defaults the stored params, and carries the attempt number', async () => {
    const { job, tempDir } = await storedJob('convert-to-images', { format: 'jpeg' }, []);
    const { ctx } = contextOf(job, tempDir);
    expect(ctx.params).toEqual({ format: 'jpeg', dpi: 150, quality: 85 });
    expect(ctx.attempt).toBe(2);
    expect(ctx.tempDir).toBe(tempDir);
  });

  it('refuses stored params that no longer parse with a ValidationError naming the field', async () => {
    const { job, tempDir } = await storedJob('compress', { preset: 'tiny' }, []);
    let thrown: unknown;
    try {
      contextOf(job, tempDir);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ValidationError);
    expect((thrown as ValidationError).retryable).toBe(false);
    expect((thrown as Error).message).toMatch(/^stored params no longer valid: preset: Invalid enum value/);
    const unknown = await storedJob('compress', { preset: 'screen', colour: true }, []);
    expect(() => contextOf(unknown.job, unknown.tempDir)).toThrow(
      'stored params no longer valid: (root): unknown field(s) "colour"',
    );
    const notAType = await storedJob('shred', {}, []);
    expect(() => contextOf(notAType.job, notAType.tempDir)).toThrow(ValidationError);
  });

  it('copies an input into the temp folder as input-<i>.<ext of its sniffed type>', async () => {
    const { job, tempDir } = await storedJob('ocr', {}, [
      { body: '%PDF-1.7 a', contentType: 'application/pdf' },
      { body: 'png bytes', contentType: 'image/png' },
      { body: '???', contentType: 'application/octet-stream' },
    ]);
    const { ctx } = contextOf(job, tempDir);
    const first = await ctx.inputPath(0);
    expect(first).toBe(path.join(tempDir, 'input-0.pdf'));
    expect(await readFile(first, 'utf8')).toBe('%PDF-1.7 a');
    expect(path.basename(await ctx.inputPath(1))).toBe('input-1.png');
    expect(path.basename(await ctx.inputPath(2))).toBe('input-2.bin');
    await expect(ctx.inputPath(3)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('names local inputs from the content types the gateway records', () => {
    expect(inputFileName(0, { contentType: 'application/pdf' })).toBe('input-0.pdf');
    expect(inputFileName(4, { contentType: 'image/jpg' })).toBe('input-4.jpg');
    expect(inputFileName(1, { contentType: 'image/tif' })).toBe('input-1.tif');
    expect(inputFileName(2, { contentType: 'image/svg+xml' })).toBe('input-2.bin');
    expect(inputFileName(3, { contentType: '../../etc' })).toBe('input-3.bin');
  });

  it('stores an output under jobs/<id>/output/<name> and returns its key and size', async () => {
    const { job, tempDir } = await storedJob('compress', {}, []);
    const { ctx } = contextOf(job, tempDir);
    const local = path.join(tempDir, 'out.pdf');
    await writeFile(local, 'twelve bytes');
    const saved = await ctx.saveOutput(local, 'report.compressed.pdf');
    expect(saved).toEqual({ key: `jobs/${job.id}/output/report.compressed.pdf`, bytes: 12 });
    expect(await storage.stat(saved.key)).toEqual({ bytes: 12 });
  });

  it('forwards progress as reported', async () => {
    const { job, tempDir } = await storedJob('compress', {}, []);
    const { ctx, progress } = contextOf(job, tempDir);
    ctx.progress({ stage: 'compression', percent: 40, message: 'page 2' });
    expect(progress).toEqual([{ stage: 'compression', percent: 40, message: 'page 2' }]);
  });

  it('checkpoint() passes while running and throws the abort reason once aborted', async () => {
    const { job, tempDir } = await storedJob('compress', {}, []);
    const controller = new AbortController();
    const { ctx } = contextOf(job, tempDir, controller.signal);
    expect(() => ctx.checkpoint()).not.toThrow();
    const cancel = CancelledError.because('requested');
    controller.abort(cancel);
    expect(() => ctx.checkpoint()).toThrow(cancel);

    const timedOut = new AbortController();
    timedOut.abort(new TimeoutError('timed out after 5 s'));
    expect(() => contextOf(job, tempDir, timedOut.signal).ctx.checkpoint()).toThrow(TimeoutError);

    // A reason that is not an Error (abort() with a string) still ends the attempt with a typed error.
    const bare = new AbortController();
    bare.abort('stop');
    expect(() => contextOf(job, tempDir, bare.signal).ctx.checkpoint()).toThrow(CancelledError);
  });
});
