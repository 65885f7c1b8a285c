/**
 * A real JobContext for handler tests without a broker or database: inputs and outputs go through a LocalBlobStore
 * in a temp folder, exactly as in the worker (copyToFile / copyFromFile); progress is recorded.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { CancelledError, NotFoundError } from '@quire/errors';
import { jobParamSchemas, type JobEntity, type JobInput, type JobType } from '@quire/job-model';
import { createLogger } from '@quire/logging';
import { jobKeys, LocalBlobStore } from '@quire/storage';
import type { JobContext, ProgressUpdate } from '@quire/worker-runtime';

export interface TestJob<T extends JobType> {
  ctx: JobContext<T>;
  progress: ProgressUpdate[];
  storage: LocalBlobStore;
  /** Local path of a stored output, to inspect it. */
  outputFile(key: string): string;
  cleanup(): Promise<void>;
}

/**
 * Stores `inputs` as the job's uploads and returns a JobContext for `type` with validated `params`, under `root`
 * (storage in `root/storage`, temp folders in `root/tmp`).
 */
export async function createTestJobContext<T extends JobType>(
  root: string,
  type: T,
  params: unknown,
  inputs: Array<{ path: string; name: string }>,
  options: { signal?: AbortSignal } = {},
): Promise<TestJob<T>> {
  const id = randomUUID();
  const storageDir = path.join(root, 'storage');
  const tempDir = path.join(root, 'tmp', id);
  await mkdir(tempDir, { recursive: true });
  const storage = new LocalBlobStore(storageDir);
  const jobInputs: JobInput[] = [];
  for (const [i, input] of inputs.entries()) {
    const key = jobKeys.input(id, i, 'upload');
    const { bytes } = await storage.write(key, createReadStream(input.path));
    jobInputs.push({ key, name: input.name, bytes, contentType: 'application/pdf' });
  }
  const job = { id, type, params, inputs: jobInputs, attempts: 1 } as unknown as JobEntity;
  const progress: ProgressUpdate[] = [];
  const signal = options.signal ?? new AbortController().signal;
  const ctx: JobContext<T> = {
    job,
    params: jobParamSchemas[type].parse(params),
    attempt: 1,
    signal,
    tempDir,
    storage,
    logger: createLogger('test', 'error', { silent: true }),
    progress: (u) => progress.push(u),
    checkpoint: () => {
      if (signal.aborted)
        throw signal.reason instanceof Error ? signal.reason : new CancelledError('cancelled');
    },
    inputPath: async (index) => {
      const input = jobInputs[index];
      if (!input) throw new NotFoundError(`job has no input #${index}`);
      const dest = path.join(tempDir, `input-${index}.bin`);
      await storage.copyToFile(input.key, dest);
      return dest;
    },
    saveOutput: async (localPath, name) => {
      const key = jobKeys.output(id, name);
      const { bytes } = await storage.copyFromFile(localPath, key);
      return { key, bytes };
    },
  };
  return {
    ctx,
    progress,
    storage,
    outputFile: (key) => path.join(storageDir, ...key.split('/')),
    cleanup: () => rm(tempDir, { recursive: true, force: true }),
  };
}
