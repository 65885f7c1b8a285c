/**
 * A real JobContext for handler tests without a broker or database: the worker's own `createJobContext`, over a
 * LocalBlobStore in a temp folder; inputs are stored the way the gateway stores uploads; progress is recorded.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rm } from 'node:fs/promises';
import path from 'node:path';
import type { JobEntity, JobInput, JobType } from '@quire/job-model';
import { createLogger } from '@quire/logging';
import { jobKeys, LocalBlobStore } from '@quire/storage';
import { createJobContext, type JobContext, type ProgressUpdate } from '@quire/worker-runtime';

export interface TestJob<T extends JobType> {
  ctx: JobContext<T>;
  progress: ProgressUpdate[];
  storage: LocalBlobStore;
  /** Local path of a stored output, to inspect it. */
  outputFile(key: string): string;
  cleanup(): Promise<void>;
}

export interface TestInput {
  path: string;
  /** The uploaded file name. */
  name: string;
  /** Default: sniffed from the file's first bytes, as the gateway does (`application/pdf`, `image/png`, …). */
  contentType?: string;
}

/**
 * Stores `inputs` as the job's uploads and returns the JobContext the worker would build for `type` with `params`
 * (validated and defaulted; invalid ones reject with the worker's ValidationError), under `root` (storage in
 * `root/storage`, temp folders in `root/tmp`).
 */
export async function createTestJobContext<T extends JobType>(
  root: string,
  type: T,
  params: unknown,
  inputs: TestInput[],
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
    jobInputs.push({
      key,
      name: input.name,
      bytes,
      contentType: input.contentType ?? (await sniffContentType(input.path)),
    });
  }
  const job = {
    id,
    type,
    params,
    inputs: jobInputs,
    attempts: 1,
    correlationId: `test-${id}`,
  } as unknown as JobEntity;
  const progress: ProgressUpdate[] = [];
  const ctx = createJobContext<T>({
    job,
    storage,
    tempDir,
    signal: options.signal ?? new AbortController().signal,
    logger: createLogger('test', 'error', { silent: true }),
    progress: (u) => progress.push(u),
  });
  return {
    ctx,
    progress,
    storage,
    outputFile: (key) => path.join(storageDir, ...key.split('/')),
    cleanup: () => rm(tempDir, { recursive: true, force: true }),
  };
}

/** The content type the gateway records for an upload (apps/gateway/src/http/sniff.ts): by magic bytes. */
async function sniffContentType(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(1024);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const bytes = head.subarray(0, bytesRead);
    if (bytes.includes('%PDF-')) return 'application/pdf';
    if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
      return 'image/png';
    if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpg';
    const tiff = bytes.subarray(0, 4).toString('latin1');
    if (tiff === 'II*\0' || tiff === 'MM\0*') return 'image/tif';
    // Neither PDF nor image: the gateway would refuse it (415); tests use such files as "damaged PDFs".
    return 'application/pdf';
  } finally {
    await handle.close();
  }
}
