import { CorruptPdfError, InternalError, QuireError, ValidationError } from '@quire/errors';
import {
  ChildProcessPool,
  ChildTaskError,
  type ChildPoolOptions,
  type PoolStats,
} from '@quire/engine-supervisor';
import { classifyGhostscriptRun, ghostscriptWarnings } from './classify';
import type { GhostscriptRequest, GhostscriptResponse } from './ghostscript-child';
import { ghostscriptSafeArgs } from './pdfwrite-args';

/**
 * Options of {@link createGhostscript}: the supervisor's pool options (see `@quire/engine-supervisor`), with these
 * defaults for Ghostscript: `size` 1, `timeoutMs` 120 000, `memoryLimitMb` 1536, `maxTasksPerChild` 50,
 * `recycleOnTaskError` true (libgs's global state is not trusted after a failed run), `maxQueue` 32, `inheritEnv`
 * GS_LIB and GS_FONTPATH (never GS_OPTIONS: libgs reads options from it, and -dNOSAFER there would lift the sandbox).
 */
export type GhostscriptOptions = Omit<ChildPoolOptions, 'module' | 'name'>;

export interface GhostscriptRunOptions {
  signal?: AbortSignal;
  /** Hard deadline of this run in ms; the child is killed on expiry (EngineTimeoutError). Default: the engine's `timeoutMs`. */
  timeoutMs?: number;
  /**
   * Called with each page number Ghostscript starts ("Page N"), and the total when it announces it. Setting it
   * drops `-dQUIET` for this run, since that also silences the page lines.
   */
  onPage?: (page: number, total: number | undefined) => void;
}

export interface GhostscriptRunResult {
  stdout: string;
  stderr: string;
  /** Non-fatal complaints ("file was repaired", "Output may be incorrect"), for the logs. */
  warnings: string[];
  durationMs: number;
}

export interface Ghostscript {
  /**
   * Runs Ghostscript with {@link ghostscriptSafeArgs} + `args` in a supervised child (`-sDEVICE=nullpage` is added
   * when `args` name no device). Rejects with
   * EncryptedPdfError, CorruptPdfError (with a reason taken from Ghostscript's messages), LimitExceededError
   * (memory), EngineTimeoutError, EngineCrashError, CancelledError (or the abort reason), DependencyUnavailableError
   * (queue full / engine shut down), ValidationError (arguments that would lift -dSAFER).
   */
  run(args: readonly string[], options?: GhostscriptRunOptions): Promise<GhostscriptRunResult>;
  /** Starts the children now instead of on the first run. */
  warmup(): Promise<void>;
  stats(): PoolStats;
  /** Kills the children; runs in flight fail with DependencyUnavailableError. */
  close(): Promise<void>;
}

// Arguments that would lift the sandbox. Callers pass document paths and pdfwrite settings; never these.
const UNSAFE_ARG =
  /^-d(?:NOSAFER|DELAYSAFER|DELAYBIND)\b|^--permit-file-(?:write|control|all)=|^-sOutputFile=%pipe%|^-sOutputFile=\|/i;

export function createGhostscript(options: GhostscriptOptions = {}): Ghostscript {
  const pool = new ChildProcessPool<GhostscriptRequest, GhostscriptResponse>({
    size: 1,
    timeoutMs: 120_000,
    memoryLimitMb: 1536,
    maxTasksPerChild: 50,
    recycleOnTaskError: true,
    inheritEnv: ['GS_LIB', 'GS_FONTPATH'],
    ...options,
    module: new URL('./ghostscript-child.ts', import.meta.url),
    name: 'ghostscript',
  });

  const run = async (
    args: readonly string[],
    opts: GhostscriptRunOptions = {},
  ): Promise<GhostscriptRunResult> => {
    const unsafe = args.find((a) => UNSAFE_ARG.test(a));
    if (unsafe) throw new ValidationError(`Ghostscript argument not allowed: ${unsafe}`);
    const onPage = opts.onPage;
    // Without a device Ghostscript tries to open an X11 display; a server has none.
    const device = args.some((a) => a.startsWith('-sDEVICE=')) ? [] : ['-sDEVICE=nullpage'];
    const fullArgs = [...ghostscriptSafeArgs({ quiet: !onPage }), ...device, ...args];
    try {
      const result = await pool.run(
        { args: fullArgs },
        { signal: opts.signal, timeoutMs: opts.timeoutMs, onOutput: onPage && pageParser(onPage) },
      );
      const output = `${result.stdout}\n${result.stderr}`;
      const failure = classifyGhostscriptRun(output, undefined, {
        stdout: result.stdout,
        stderr: result.stderr,
      });
      if (failure) throw failure;
      return {
        stdout: result.stdout,
        stderr: result.stderr,
        warnings: ghostscriptWarnings(output),
        durationMs: result.durationMs,
      };
    } catch (err) {
      if (err instanceof QuireError) throw err;
      if (err instanceof ChildTaskError) {
        const code = typeof err.code === 'number' ? err.code : -1;
        throw (
          classifyGhostscriptRun(`${err.stdout}\n${err.stderr}`, code, err) ??
          new CorruptPdfError('the PDF is damaged: Ghostscript could not process it', { cause: err })
        );
      }
      throw new InternalError('internal error', { cause: err });
    }
  };

  return { run, warmup: () => pool.warmup(), stats: () => pool.stats(), close: () => pool.close() };
}

/** Ghostscript prints "Processing pages 1 through N." then "Page 1", "Page 2"... on stdout; chunks may split lines. */
function pageParser(
  onPage: (page: number, total: number | undefined) => void,
): (stream: 'stdout' | 'stderr', text: string) => void {
  let partial = '';
  let total: number | undefined;
  return (stream, text) => {
    if (stream !== 'stdout') return;
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const range = /^Processing pages (\d+) through (\d+)\./.exec(line);
      if (range) total = Number(range[2]) - Number(range[1]) + 1;
      const page = /^Page (\d+)$/.exec(line.trim());
      if (page) onPage(Number(page[1]), total);
    }
  };
}
