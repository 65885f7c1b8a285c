import type { JobChunk, JobResult, JobType } from '@quire/job-model';
import type { JobContext, JobHandler } from './job-handler';

/**
 * How a job type runs split across workers (docs/architecture.md (fan-out)): a job whose document has more pages
 * than the worker's `QUIRE_FANOUT_PAGES` is split into chunk jobs of `QUIRE_FANOUT_CHUNK_PAGES` pages on the same
 * queue; each chunk runs the type's ordinary handler on its own pages (its `inputPath(0)` is the slice), and when all
 * have completed, one attempt of the parent merges their results. A type opts in by giving the worker one of these;
 * the runtime does the rest (splitting, retries per chunk, progress, failure, cancellation, merge scheduling).
 */
export interface FanOut<T extends JobType = JobType> {
  /** The page count of the job's document (input 0), or undefined when it cannot be split (e.g. an image). */
  pageCount(ctx: JobContext<T>, inputPath: string): Promise<number | undefined>;
  /** Writes pages `chunk.first`–`chunk.last` of `inputPath` to `outPath` (the chunk's own document). */
  slice(ctx: JobContext<T>, inputPath: string, chunk: JobChunk, outPath: string): Promise<void>;
  /**
   * The parent's result from its chunks' results, in page order (`chunk.first` is where each one's page 1 is in the
   * document). Store merged outputs with `ctx.saveOutput`; chunk outputs are read with `ctx.storage`, and removed by
   * the runtime once the parent has completed.
   */
  merge(ctx: JobContext<T>, chunks: Array<{ chunk: JobChunk; result: JobResult<T> }>): Promise<JobResult<T>>;
}

/** Per job type, for the types of a worker that opt in. */
export type FanOutRegistry = Partial<{ [T in JobType]: FanOut<T> }>;

/** When to split: above `thresholdPages` pages, into chunks of `chunkPages`. */
export interface FanOutSettings {
  thresholdPages: number;
  chunkPages: number;
}

/** A chunk's context: input 0 is its slice of the parent's document, made once on first use. */
export function chunkContext<T extends JobType>(
  ctx: JobContext<T>,
  fanOut: FanOut<T>,
  chunk: JobChunk,
): JobContext<T> {
  let slice: Promise<string> | undefined;
  return {
    ...ctx,
    inputPath: (index) => {
      if (index !== 0) return ctx.inputPath(index);
      slice ??= (async () => {
        const whole = await ctx.inputPath(0);
        const out = whole.replace(/(\.[a-z0-9]+)?$/i, `-pages-${chunk.first}-${chunk.last}$1`);
        await fanOut.slice(ctx, whole, chunk, out);
        return out;
      })();
      return slice;
    },
  };
}

export type { JobHandler };
