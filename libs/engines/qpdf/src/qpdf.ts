import { stat } from 'node:fs/promises';
import { CorruptPdfError, InternalError, LimitExceededError } from '@quire/errors';
import { CommandRunner, type CommandRunnerOptions, type CommandRunnerStats } from '@quire/engine-supervisor';
import { classifyQpdfFailure, qpdfWarnings, type LabelledPath } from './classify';

/**
 * Options of {@link createQpdf}: the supervisor's command-runner options without `command`, with these defaults:
 * `size` 1, `timeoutMs` 120 000, `memoryLimitMb` 1024, `maxQueue` 32, `cpuLimit` true.
 */
export type QpdfOptions = Omit<CommandRunnerOptions, 'command' | 'name'> & {
  /** Path or name of the qpdf executable. Default `'qpdf'`. */
  executable?: string;
};

export interface QpdfRunOptions {
  signal?: AbortSignal;
  /** Hard deadline of this run in ms (the process is killed on expiry). Default: the engine's `timeoutMs`. */
  timeoutMs?: number;
  /** The input files of the run, so errors name the right one and no path leaks into a message. */
  files?: readonly LabelledPath[];
}

export interface QpdfRunResult {
  stdout: string;
  /** Repairs qpdf made ("file is damaged", "Attempting to reconstruct cross-reference table"), paths replaced. */
  warnings: string[];
  durationMs: number;
}

export interface Qpdf {
  /**
   * Runs `qpdf args…` under the supervisor. Exit codes 0 (success) and 3 (success with warnings: qpdf repaired the
   * file) resolve; anything else is classified: EncryptedPdfError, CorruptPdfError (with the reason qpdf gave),
   * LimitExceededError (memory), InternalError (a path of ours); plus the supervisor's EngineTimeoutError,
   * EngineCrashError, CancelledError, DependencyUnavailableError.
   */
  run(args: readonly string[], options?: QpdfRunOptions): Promise<QpdfRunResult>;
  /**
   * Page count as the document declares it (`qpdf --show-npages`), after repairs. A zero-byte file and a document
   * with no pages are CorruptPdfError; above `maxPages` (when given) LimitExceededError.
   */
  countPages(path: string, options?: QpdfRunOptions & { label?: string; maxPages?: number }): Promise<number>;
  stats(): CommandRunnerStats;
  /** Kills running processes; later runs fail with DependencyUnavailableError. */
  close(): Promise<void>;
}

export function createQpdf(options: QpdfOptions = {}): Qpdf {
  const { executable = 'qpdf', ...rest } = options;
  const runner = new CommandRunner({
    size: 1,
    timeoutMs: 120_000,
    memoryLimitMb: 1024,
    ...rest,
    command: executable,
    name: 'qpdf',
  });

  const run = async (args: readonly string[], opts: QpdfRunOptions = {}): Promise<QpdfRunResult> => {
    const files = opts.files ?? [];
    const result = await runner.run(args, { signal: opts.signal, timeoutMs: opts.timeoutMs });
    if (result.exitCode !== 0 && result.exitCode !== 3) {
      throw classifyQpdfFailure(result.stderr, result.exitCode, files, {
        exitCode: result.exitCode,
        stderr: result.stderr,
      });
    }
    return {
      stdout: result.stdout,
      warnings: qpdfWarnings(result.stderr, files),
      durationMs: result.durationMs,
    };
  };

  const countPages: Qpdf['countPages'] = async (path, opts = {}) => {
    const file: LabelledPath = opts.label === undefined ? { path } : { path, label: opts.label };
    const prefix = opts.label ? `${opts.label}: ` : '';
    await assertNotEmpty(path, prefix);
    const { stdout } = await run(['--show-npages', path], { ...opts, files: [file, ...(opts.files ?? [])] });
    const pages = Number(stdout.trim());
    if (!Number.isSafeInteger(pages) || pages < 0) {
      throw new CorruptPdfError(`${prefix}the PDF is damaged: its page count could not be read`, {
        cause: { stdout },
      });
    }
    if (pages === 0) throw new CorruptPdfError(`${prefix}the PDF is damaged: it has no pages`);
    if (opts.maxPages !== undefined && pages > opts.maxPages) {
      throw new LimitExceededError(`${prefix}the PDF has ${pages} pages; the limit is ${opts.maxPages}`, {
        details: { pages, maxPages: opts.maxPages },
      });
    }
    return pages;
  };

  return { run, countPages, stats: () => runner.stats(), close: () => runner.close() };
}

/** A zero-byte input is reported as such, rather than as qpdf's "unable to find trailer dictionary". */
export async function assertNotEmpty(path: string, prefix = ''): Promise<number> {
  let bytes: number;
  try {
    bytes = (await stat(path)).size;
  } catch (err) {
    throw new InternalError('the input file could not be read', { cause: err });
  }
  if (bytes === 0) throw new CorruptPdfError(`${prefix}the file is empty (0 bytes)`);
  return bytes;
}

/**
 * 1-based page numbers as qpdf's page-range syntax, consecutive runs folded: [1,2,3,5,9,8] → "1-3,5,9,8".
 * Order and repetitions are kept, because qpdf honours both.
 */
export function toQpdfRanges(pages: readonly number[]): string {
  if (pages.length === 0) throw new RangeError('toQpdfRanges: no pages');
  const parts: string[] = [];
  let start = pages[0];
  let prev = start;
  const flush = () => parts.push(start === prev ? String(start) : `${start}-${prev}`);
  for (const page of pages.slice(1)) {
    if (page === prev + 1) {
      prev = page;
      continue;
    }
    flush();
    start = page;
    prev = page;
  }
  flush();
  return parts.join(',');
}
