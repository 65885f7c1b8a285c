import path from 'node:path';
import { CancelledError, NotFoundError, ValidationError } from '@quire/errors';
import { isJobType, jobParamSchemas, type JobEntity, type JobInput, type JobType } from '@quire/job-model';
import type { Logger } from '@quire/logging';
import { jobKeys, type BlobStore } from '@quire/storage';
import type { JobContext } from './job-handler';
import type { ProgressUpdate } from './progress-reporter';
import { describeIssues } from './zod-issues';

export interface JobContextOptions {
  /** The job as stored (its `params` are validated here, again: they come back from the database). */
  job: JobEntity;
  storage: BlobStore;
  /** The attempt's own temp folder (exists already; the caller removes it afterwards). */
  tempDir: string;
  /** Aborted when the attempt must stop; `checkpoint()` throws its reason. */
  signal: AbortSignal;
  logger: Logger;
  progress(update: ProgressUpdate): void;
}

/**
 * The one place a JobContext is built: by the consumer for every attempt and by @quire/worker-testing for handler
 * tests, so both see the same params, input files and output keys. `T` is the job type the caller knows `job.type`
 * to be. Throws a ValidationError (never retried) when the stored params no longer parse, e.g. after a schema change.
 */
export function createJobContext<T extends JobType = JobType>(options: JobContextOptions): JobContext<T> {
  const { job, storage, tempDir, signal } = options;
  if (!isJobType(job.type)) throw new ValidationError(`unknown job type "${job.type}"`);
  const parsed = jobParamSchemas[job.type].safeParse(job.params);
  if (!parsed.success)
    throw new ValidationError(`stored params no longer valid: ${describeIssues(parsed.error.issues)}`, {
      cause: parsed.error,
    });
  return {
    job,
    params: parsed.data,
    attempt: job.attempts,
    signal,
    tempDir,
    storage,
    logger: options.logger,
    progress: (update) => options.progress(update),
    checkpoint: () => {
      if (signal.aborted) throw abortError(signal.reason);
    },
    inputPath: async (index) => {
      const input = job.inputs[index];
      if (!input) throw new NotFoundError(`job has no input #${index}`);
      const dest = path.join(tempDir, inputFileName(index, input));
      await storage.copyToFile(input.key, dest);
      return dest;
    },
    saveOutput: async (localPath, name) => {
      const key = jobKeys.output(job.id, name);
      const { bytes } = await storage.copyFromFile(localPath, key);
      return { key, bytes };
    },
  };
}

/**
 * The local name of input `index`: `input-<index>.<ext>`, the extension from the type the gateway sniffed
 * (`application/pdf` → `.pdf`, `image/png` → `.png`), so tools that look at extensions see the right one.
 */
export function inputFileName(index: number, input: Pick<JobInput, 'contentType'>): string {
  const subtype = /^(?:application|image)\/([a-z0-9]+)$/i.exec(input.contentType)?.[1];
  return `input-${index}.${subtype?.toLowerCase() ?? 'bin'}`;
}

/** What `checkpoint()` throws: the abort reason, or a CancelledError when the reason is not an Error. */
function abortError(reason: unknown): Error {
  return reason instanceof Error ? reason : new CancelledError(`the attempt was aborted: ${String(reason)}`);
}
