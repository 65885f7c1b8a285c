import { spawn, type ChildProcess } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import {
  CancelledError,
  DependencyUnavailableError,
  EngineCrashError,
  EngineTimeoutError,
  LimitExceededError,
  QuireError,
} from '@quire/errors';
import { BoundedText } from './output-capture';
import type { ChildFailureDetails } from './pool';
import { describeExit, formatSeconds, readRssBytes } from './process-info';

/** Options of a {@link CommandRunner}. Every field but `command` has a default. */
export interface CommandRunnerOptions {
  /** The executable, looked up on PATH (e.g. `'qpdf'`). */
  command: string;
  /** Engine name used in error messages ("qpdf timed out after 30 s"). Default: `command`. */
  name?: string;
  /** Runs allowed at the same time. Default `1`. */
  size?: number;
  /** Runs allowed to wait while `size` are running; one more is rejected at once (DependencyUnavailableError, retryable). Default `32`. */
  maxQueue?: number;
  /** Hard deadline per run in ms, from the moment the process starts; the process is SIGKILLed on expiry. Default `120_000`. */
  timeoutMs?: number;
  /** Resident-memory cap per process in MB, polled from /proc (Linux); over it the process is SIGKILLed. `0` = off. Default `1024`. */
  memoryLimitMb?: number;
  /** How often the memory cap is checked, in ms. Default `250`. */
  memoryPollMs?: number;
  /**
   * Also start the process under `prlimit --cpu=<deadline + 5 s>` (util-linux), so the kernel ends it even if this
   * process dies without killing it (SIGKILL, OOM). Default `true`; ignored when `prlimit` is not installed.
   */
  cpuLimit?: boolean;
  /** Per run and stream, at most this many characters of output are kept (head ¼ and tail ¾). Default `65_536`. */
  maxOutputChars?: number;
  /** Working directory of the processes. Default: the parent's. */
  cwd?: string;
}

/** Per-run options of {@link CommandRunner.run}. */
export interface CommandRunOptions {
  /** Aborting kills the process (or drops the run from the queue); the run fails with the signal's reason when it is a QuireError, else CancelledError. */
  signal?: AbortSignal;
  /** Overrides the runner's `timeoutMs` for this run. */
  timeoutMs?: number;
}

export interface CommandResult {
  /** The process's exit code. A non-zero code is not an error here: each engine knows what its codes mean. */
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
  pid: number;
}

export interface CommandRunnerStats {
  name: string;
  size: number;
  running: number;
  queued: number;
  totals: {
    started: number;
    exited: number;
    crashed: number;
    timedOut: number;
    memoryKilled: number;
    cancelled: number;
  };
}

interface Run {
  args: readonly string[];
  opts: CommandRunOptions;
  timeoutMs: number;
  resolve: (result: CommandResult) => void;
  reject: (err: unknown) => void;
  settled: boolean;
  proc?: ChildProcess;
  pid?: number;
  startedAt?: number;
  deadline?: NodeJS.Timeout;
  /** Set when we killed the process on purpose; the exit then reports this error instead of a crash. */
  killedWith?: QuireError;
  detachAbort?: () => void;
  stdout: BoundedText;
  stderr: BoundedText;
}

const DEFAULTS = {
  size: 1,
  maxQueue: 32,
  timeoutMs: 120_000,
  memoryLimitMb: 1024,
  memoryPollMs: 250,
  cpuLimit: true,
  maxOutputChars: 65_536,
} as const;

// Children must not outlive a parent that exits normally; prlimit covers a parent that is SIGKILLed.
const liveProcesses = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(proc: ChildProcess): void {
  liveProcesses.add(proc);
  proc.once('exit', () => liveProcesses.delete(proc));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const p of liveProcesses) p.kill('SIGKILL');
    });
  }
}

let prlimitAvailable: Promise<boolean> | undefined;
function hasPrlimit(): Promise<boolean> {
  prlimitAvailable ??= new Promise((resolve) => {
    const probe = spawn('prlimit', ['--version'], { stdio: 'ignore' });
    probe.on('error', () => resolve(false));
    probe.on('exit', (code) => resolve(code === 0));
  });
  return prlimitAvailable;
}

function positive(value: number | undefined, fallback: number, field: string, allowZero = false): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < (allowZero ? 0 : 1))
    throw new RangeError(
      `CommandRunnerOptions.${field} must be ${allowZero ? '>= 0' : '>= 1'}, got ${value}`,
    );
  return Math.floor(value);
}

/**
 * Runs a native executable (qpdf, …) as supervised child processes: bounded concurrency and queue, a hard deadline
 * per run, an RSS cap, cancellation through an AbortSignal, bounded output capture, and no process left behind.
 * The executable is spawned directly (no shell), so arguments are never interpreted.
 *
 * Unlike {@link ChildProcessPool}, there is no long-lived child: each run is one process. Use it for engines that
 * are programs rather than libraries.
 */
export class CommandRunner {
  readonly name: string;
  private readonly command: string;
  private readonly size: number;
  private readonly maxQueue: number;
  private readonly timeoutMs: number;
  private readonly memoryLimitBytes: number;
  private readonly memoryPollMs: number;
  private readonly cpuLimit: boolean;
  private readonly maxOutputChars: number;
  private readonly cwd: string | undefined;
  private readonly running = new Set<Run>();
  private readonly queue: Run[] = [];
  private memoryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly totals = { started: 0, exited: 0, crashed: 0, timedOut: 0, memoryKilled: 0, cancelled: 0 };

  constructor(options: CommandRunnerOptions) {
    this.command = options.command;
    this.name = options.name ?? options.command;
    this.size = positive(options.size, DEFAULTS.size, 'size');
    this.maxQueue = positive(options.maxQueue, DEFAULTS.maxQueue, 'maxQueue', true);
    this.timeoutMs = positive(options.timeoutMs, DEFAULTS.timeoutMs, 'timeoutMs');
    this.memoryLimitBytes =
      positive(options.memoryLimitMb, DEFAULTS.memoryLimitMb, 'memoryLimitMb', true) * 1024 * 1024;
    this.memoryPollMs = positive(options.memoryPollMs, DEFAULTS.memoryPollMs, 'memoryPollMs');
    this.cpuLimit = options.cpuLimit ?? DEFAULTS.cpuLimit;
    this.maxOutputChars = positive(options.maxOutputChars, DEFAULTS.maxOutputChars, 'maxOutputChars');
    this.cwd = options.cwd;
  }

  /**
   * Runs `command args…` once. Resolves with the exit code and output whatever the code; rejects with
   * EngineTimeoutError (deadline), LimitExceededError (memory cap), EngineCrashError (killed by a signal we did not
   * send), CancelledError or the abort reason, DependencyUnavailableError (queue full, runner closed, executable
   * missing).
   */
  run(args: readonly string[], options: CommandRunOptions = {}): Promise<CommandResult> {
    if (this.closed)
      return Promise.reject(new DependencyUnavailableError(`${this.name} engine is shut down`));
    if (options.signal?.aborted) return Promise.reject(this.abortError(options.signal));
    if (this.running.size >= this.size && this.queue.length >= this.maxQueue) {
      return Promise.reject(
        new DependencyUnavailableError(
          `${this.name} engine is busy: its queue is full (${this.maxQueue} runs waiting)`,
          {
            details: { engine: this.name, maxQueue: this.maxQueue },
          },
        ),
      );
    }
    const timeoutMs =
      options.timeoutMs === undefined
        ? this.timeoutMs
        : positive(options.timeoutMs, this.timeoutMs, 'timeoutMs');
    return new Promise<CommandResult>((resolve, reject) => {
      const run: Run = {
        args,
        opts: options,
        timeoutMs,
        resolve,
        reject,
        settled: false,
        stdout: new BoundedText(
          Math.floor(this.maxOutputChars / 4),
          Math.ceil((this.maxOutputChars * 3) / 4),
        ),
        stderr: new BoundedText(
          Math.floor(this.maxOutputChars / 4),
          Math.ceil((this.maxOutputChars * 3) / 4),
        ),
      };
      const signal = options.signal;
      if (signal) {
        const onAbort = (): void => this.abort(run, signal);
        signal.addEventListener('abort', onAbort, { once: true });
        run.detachAbort = () => signal.removeEventListener('abort', onAbort);
      }
      this.queue.push(run);
      this.dispatch();
    });
  }

  stats(): CommandRunnerStats {
    return {
      name: this.name,
      size: this.size,
      running: this.running.size,
      queued: this.queue.length,
      totals: { ...this.totals },
    };
  }

  /** Kills running processes and fails queued and running runs with DependencyUnavailableError (retryable). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.memoryTimer) clearInterval(this.memoryTimer);
    const shutDown = () => new DependencyUnavailableError(`${this.name} engine is shut down`);
    for (const run of this.queue.splice(0)) this.settle(run, shutDown());
    const exits = [...this.running].map(
      (run) =>
        new Promise<void>((resolve) => {
          if (!run.proc || run.proc.exitCode !== null || run.proc.signalCode !== null) return resolve();
          run.proc.once('close', () => resolve());
          setTimeout(resolve, 2000).unref();
        }),
    );
    for (const run of [...this.running]) this.kill(run, shutDown());
    await Promise.all(exits);
  }

  private dispatch(): void {
    while (!this.closed && this.running.size < this.size && this.queue.length > 0) {
      const run = this.queue.shift()!;
      this.running.add(run);
      void this.start(run);
    }
  }

  private async start(run: Run): Promise<void> {
    let file = this.command;
    let args = [...run.args];
    if (this.cpuLimit && (await hasPrlimit())) {
      // CPU seconds, not wall time: a safety net for a process orphaned by a dead parent, never the deadline itself.
      const cpuSeconds = Math.ceil(run.timeoutMs / 1000) + 5;
      args = [`--cpu=${cpuSeconds}:${cpuSeconds + 1}`, '--', this.command, ...args];
      file = 'prlimit';
    }
    if (run.settled) return this.finish(run);
    let proc: ChildProcess;
    try {
      proc = spawn(file, args, { cwd: this.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      this.settle(run, new DependencyUnavailableError(`${this.name} could not be started`, { cause: err }));
      return this.finish(run);
    }
    run.proc = proc;
    run.pid = proc.pid ?? -1;
    run.startedAt = Date.now();
    this.totals.started++;
    track(proc);
    this.ensureMemoryWatch();
    const outDecoder = new StringDecoder('utf8');
    const errDecoder = new StringDecoder('utf8');
    proc.stdout?.on('data', (chunk: Buffer) => run.stdout.append(outDecoder.write(chunk)));
    proc.stderr?.on('data', (chunk: Buffer) => run.stderr.append(errDecoder.write(chunk)));
    run.deadline = setTimeout(() => {
      this.totals.timedOut++;
      this.kill(
        run,
        new EngineTimeoutError(`${this.name} timed out after ${formatSeconds(run.timeoutMs)}`, {
          cause: this.details(run),
        }),
      );
    }, run.timeoutMs);
    proc.on('error', (err: NodeJS.ErrnoException) => {
      if (run.settled) return;
      const missing = err.code === 'ENOENT';
      this.settle(
        run,
        new DependencyUnavailableError(
          missing
            ? `${this.name} is not installed (command "${this.command}" not found)`
            : `${this.name} could not be started`,
          {
            cause: err,
          },
        ),
      );
      if (proc.pid === undefined) this.finish(run);
    });
    // 'close': the process has exited and its output is drained.
    proc.on('close', (code, signal) => {
      this.totals.exited++;
      run.stdout.append(outDecoder.end());
      run.stderr.append(errDecoder.end());
      if (run.killedWith) {
        this.settle(run, run.killedWith);
      } else if (signal !== null || code === null) {
        this.totals.crashed++;
        this.settle(
          run,
          new EngineCrashError(`${this.name} crashed: ${describeExit(code, signal)}`, {
            cause: this.details(run, describeExit(code, signal)),
          }),
        );
      } else {
        // prlimit reports a missing command as 127 (exec failed) before running anything.
        if (
          file === 'prlimit' &&
          code === 127 &&
          /failed to execute|No such file/i.test(run.stderr.toString())
        ) {
          this.settle(
            run,
            new DependencyUnavailableError(
              `${this.name} is not installed (command "${this.command}" not found)`,
            ),
          );
        } else {
          this.settle(run, undefined, {
            exitCode: code,
            stdout: run.stdout.toString(),
            stderr: run.stderr.toString(),
            durationMs: Date.now() - (run.startedAt ?? Date.now()),
            pid: run.pid ?? -1,
          });
        }
      }
      this.finish(run);
    });
  }

  private finish(run: Run): void {
    if (run.deadline) clearTimeout(run.deadline);
    this.running.delete(run);
    this.dispatch();
  }

  private kill(run: Run, error: QuireError): void {
    if (run.settled || run.killedWith) return;
    run.killedWith = error;
    if (run.deadline) clearTimeout(run.deadline);
    if (run.proc && run.proc.exitCode === null && run.proc.signalCode === null) run.proc.kill('SIGKILL');
    else this.settle(run, error);
  }

  private abort(run: Run, signal: AbortSignal): void {
    if (run.settled) return;
    this.totals.cancelled++;
    const err = this.abortError(signal);
    const queued = this.queue.indexOf(run);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      this.settle(run, err);
      return;
    }
    // Started (or starting): kill it; a run still waiting for spawn() sees `settled` and never starts.
    if (run.proc) this.kill(run, err);
    else this.settle(run, err);
  }

  private abortError(signal: AbortSignal): QuireError {
    const reason: unknown = signal.reason;
    if (reason instanceof QuireError) return reason;
    return new CancelledError(`${this.name} run was cancelled`, { cause: reason });
  }

  private ensureMemoryWatch(): void {
    if (this.memoryLimitBytes === 0 || this.memoryTimer || this.closed) return;
    this.memoryTimer = setInterval(() => void this.checkMemory(), this.memoryPollMs);
    this.memoryTimer.unref();
  }

  private memoryCheckRunning = false;
  private async checkMemory(): Promise<void> {
    if (this.memoryCheckRunning) return;
    this.memoryCheckRunning = true;
    try {
      for (const run of [...this.running]) {
        if (!run.pid || run.pid <= 0 || run.settled || run.killedWith) continue;
        const rss = await readRssBytes(run.pid);
        if (rss === undefined || rss <= this.memoryLimitBytes || run.settled) continue;
        this.totals.memoryKilled++;
        const capMb = Math.round(this.memoryLimitBytes / 1024 / 1024);
        this.kill(
          run,
          new LimitExceededError(
            `${this.name} exceeded its memory cap of ${capMb} MB (resident ${Math.round(rss / 1024 / 1024)} MB)`,
            {
              cause: this.details(run),
            },
          ),
        );
      }
    } finally {
      this.memoryCheckRunning = false;
    }
  }

  private settle(run: Run, error: unknown, result?: CommandResult): void {
    if (run.settled) return;
    run.settled = true;
    if (run.deadline) clearTimeout(run.deadline);
    run.detachAbort?.();
    if (result) run.resolve(result);
    else run.reject(error);
  }

  private details(run: Run, exit?: string): ChildFailureDetails {
    return {
      pid: run.pid ?? -1,
      ...(exit ? { exit } : {}),
      stdout: run.stdout.toString(),
      stderr: run.stderr.toString(),
    };
  }
}

/** Creates a {@link CommandRunner}. */
export function createCommandRunner(options: CommandRunnerOptions): CommandRunner {
  return new CommandRunner(options);
}
