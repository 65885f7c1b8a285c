import type { BlobStore } from '@quire/storage';
import type { Logger } from '@quire/logging';
import type { JobEntity, JobParams, JobResult, JobType, QueueName } from '@quire/job-model';
import type { ProgressUpdate } from './progress-reporter';

/** What a handler gets for one attempt of one job; built by `createJobContext` (job-context.ts), and only there. */
export interface JobContext<T extends JobType = JobType> {
  job: JobEntity;
  /** Params validated (and defaulted) with the catalog's zod schema. */
  params: JobParams<T>;
  attempt: number;
  /** Aborted on soft time limit, cancellation, lost lease or shutdown; pass it to engines. */
  signal: AbortSignal;
  /** Per-attempt temp folder, removed when the attempt ends whatever happens. */
  tempDir: string;
  storage: BlobStore;
  logger: Logger;
  /** Throttled progress (≤ 1 write per 500 ms, stage changes at once). */
  progress(update: ProgressUpdate): void;
  /** Throws the abort reason (CancelledError, TimeoutError…) if the attempt must stop; call between pages/files. */
  checkpoint(): void;
  /** Copies input `index` to the temp folder and returns its path. */
  inputPath(index: number): Promise<string>;
  /** Stores a local file as an output of the job; returns its storage key and size. */
  saveOutput(localPath: string, name: string): Promise<{ key: string; bytes: number }>;
}

/**
 * A handler returns the job's `result`, typed by its job type's result schema (`jobResultSchemas` in
 * @quire/job-model): another shape does not compile, and the consumer checks it again at run time before it
 * completes the job. Declare the return type on the handler's function (`async (ctx): ReturnType<JobHandler<'x'>>
 * => …`): TypeScript flags a field the schema does not list only against a declared return type. Throw typed
 * errors (@quire/errors); never swallow them.
 */
export type JobHandler<T extends JobType = JobType> = (ctx: JobContext<T>) => Promise<JobResult<T>>;

/** The handler of any one of the job types `T`, e.g. in a table of handlers of several types. */
export type AnyJobHandler<T extends JobType = JobType> = { [K in T]: JobHandler<K> }[T];

/** One handler per job type of a queue; the worker refuses to start if one is missing. */
export type HandlerRegistry = Partial<{ [T in JobType]: JobHandler<T> }>;

export interface WorkerDefinition {
  queue: QueueName;
  handlers: HandlerRegistry;
}
