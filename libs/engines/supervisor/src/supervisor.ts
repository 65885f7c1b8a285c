import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { childProcessEnv } from '@quire/config';
import {
  CancelledError,
  DependencyUnavailableError,
  EngineTimeoutError,
  LimitExceededError,
  QuireError,
} from '@quire/errors';
import { inSpan } from '@quire/tracing';
import { BoundedText } from './output-capture';
import { formatSeconds, readRssBytes } from './process-info';

/** What both ways of running work share: admission, deadline, memory cap, output budget, environment. */
export interface SupervisorOptions {
  /** Engine name used in messages ("ghostscript timed out after 30 s"). */
  name?: string;
  /** Processes running work at the same time (children of a pool, or commands). Default `1`. */
  size?: number;
  /**
   * Work allowed to wait while every process is busy (work an idle or starting child is about to take is not
   * counted). One more is rejected at once with DependencyUnavailableError (retryable). Default `32`.
   */
  maxQueue?: number;
  /**
   * Hard deadline of one run in ms, counted from when a process starts it (time in the queue is not counted). On
   * expiry the process is SIGKILLed and the run fails with EngineTimeoutError. Per-run override: `timeoutMs` of
   * the run's options. Default `120_000`.
   */
  timeoutMs?: number;
  /**
   * Resident-memory cap per process in MB, polled from /proc/<pid>/status (Linux; not enforced elsewhere). A
   * process over it is SIGKILLed and its run fails with LimitExceededError naming the cap. `0` = off. Default `1024`.
   */
  memoryLimitMb?: number;
  /** How often the memory cap is checked, in ms. Default `250`. */
  memoryPollMs?: number;
  /** Per run and stream, at most this many characters of output are kept (head ¼ and tail ¾). */
  maxOutputChars?: number;
  /** Working directory of the processes. Default: the parent's. */
  cwd?: string;
  /**
   * Environment variables the processes may inherit besides the allow-list of `childProcessEnv` (PATH, HOME,
   * TMPDIR, LANG, LC_*, TZ, XDG_CACHE_HOME), e.g. `['GS_LIB']`. Nothing else of the parent's environment reaches
   * them.
   */
  inheritEnv?: readonly string[];
}

/** Per-run controls. */
export interface RunControl {
  /** Aborting kills the process running the work (or drops it from the queue); it fails with the signal's reason when that is a QuireError, else CancelledError. */
  signal?: AbortSignal;
  /** Overrides the supervisor's `timeoutMs` for this run. */
  timeoutMs?: number;
}

/** Internal `cause` attached to crash/timeout/memory errors: what the process printed, for the logs only. */
export interface ChildFailureDetails {
  pid: number;
  exit?: string;
  stdout: string;
  stderr: string;
}

export interface SupervisorTotals {
  /** Processes started. */
  spawned: number;
  completed: number;
  /** Runs whose work reported a failure (a child handler threw). */
  failed: number;
  crashed: number;
  timedOut: number;
  memoryKilled: number;
  cancelled: number;
}

/** One unit of work, from admission to settlement. */
export interface Job<R> {
  timeoutMs: number;
  resolve: (result: R) => void;
  reject: (err: unknown) => void;
  settled: boolean;
  /** The work is done and only its output is draining: no longer killed for time, memory or abort. */
  finishing?: boolean;
  pid?: number;
  startedAt?: number;
  deadline?: NodeJS.Timeout;
  detachAbort?: () => void;
  stdout: BoundedText;
  stderr: BoundedText;
}

// Processes must not outlive a parent that exits normally (see the pool and command runner for abnormal exits).
const liveProcesses = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(proc: ChildProcess): void {
  liveProcesses.add(proc);
  proc.once('exit', () => liveProcesses.delete(proc));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const p of liveProcesses) p.kill('SIGKILL');
  });
}

export function positiveInt(
  value: number | undefined,
  fallback: number,
  field: string,
  allowZero = false,
): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < (allowZero ? 0 : 1))
    throw new RangeError(`supervisor option ${field} must be ${allowZero ? '>= 0' : '>= 1'}, got ${value}`);
  return Math.floor(value);
}

/** Resolves once `proc` has exited (or after 2 s: a stuck pipe must not hang shutdown). */
export function exitOf(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null || proc.pid === undefined) return resolve();
    proc.once('exit', () => resolve());
    setTimeout(resolve, 2000).unref();
  });
}

/**
 * The one implementation of what every engine process gets: a bounded admission queue, a hard deadline per run, an
 * RSS cap, cancellation, shutdown, and a scrubbed environment. Subclasses say how work runs: {@link ChildProcessPool}
 * in long-lived Node children, {@link CommandRunner} as one process per run.
 */
export abstract class Supervisor<J extends Job<R>, R> {
  readonly name: string;
  protected readonly size: number;
  protected readonly maxQueue: number;
  protected readonly timeoutMs: number;
  protected readonly queue: J[] = [];
  protected closed = false;
  protected readonly totals: SupervisorTotals = {
    spawned: 0,
    completed: 0,
    failed: 0,
    crashed: 0,
    timedOut: 0,
    memoryKilled: 0,
    cancelled: 0,
  };
  private readonly memoryLimitBytes: number;
  private readonly memoryPollMs: number;
  private readonly maxOutputChars: number;
  private readonly cwd: string | undefined;
  private readonly env: Record<string, string>;
  private memoryTimer: NodeJS.Timeout | undefined;
  private memoryCheckRunning = false;
  private closing: Promise<void> | undefined;

  protected constructor(options: SupervisorOptions, defaults: { name: string; maxOutputChars: number }) {
    this.name = options.name ?? defaults.name;
    this.size = positiveInt(options.size, 1, 'size');
    this.maxQueue = positiveInt(options.maxQueue, 32, 'maxQueue', true);
    this.timeoutMs = positiveInt(options.timeoutMs, 120_000, 'timeoutMs');
    this.memoryLimitBytes = positiveInt(options.memoryLimitMb, 1024, 'memoryLimitMb', true) * 1024 * 1024;
    this.memoryPollMs = positiveInt(options.memoryPollMs, 250, 'memoryPollMs');
    this.maxOutputChars = positiveInt(options.maxOutputChars, defaults.maxOutputChars, 'maxOutputChars');
    this.cwd = options.cwd;
    this.env = childProcessEnv(options.inheritEnv);
  }

  /** Starts queued work on free processes. */
  protected abstract dispatch(): void;
  /** How much queued work a process can take without waiting for a busy one. */
  protected abstract freeCapacity(): number;
  /** Kills the process running `job` and fails the job with `error` (deadline, memory cap, abort). */
  protected abstract stop(job: J, error: QuireError): void;
  /** The processes held to the memory cap, each with the job it runs (none when idle). */
  protected abstract watched(): Array<{ pid: number; job: J | undefined }>;
  /** Kills every process for `close()`; resolves when they are gone. */
  protected abstract shutDown(): Promise<void>[];
  /** An idle process is over the memory cap. */
  protected retireIdle(_pid: number, _reason: string): void {}

  /**
   * Kills every process (SIGKILL) and fails queued and running work with DependencyUnavailableError (retryable:
   * the work can run elsewhere). Resolves once the processes have exited. Idempotent.
   */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closed = true;
    if (this.memoryTimer) clearInterval(this.memoryTimer);
    for (const job of this.queue.splice(0)) this.settle(job, this.shutDownError());
    this.closing = Promise.all(this.shutDown()).then(() => undefined);
    return this.closing;
  }

  /** Admission: refuses at once when shut down, aborted or the queue is full; otherwise queues the job. */
  protected admit(control: RunControl, create: (job: Job<R>) => J): Promise<R> {
    // One span per engine invocation, child of whatever span is active (a job's, in a worker): docs/architecture.md
    // (tracing). Queue wait included: it is part of what the caller waited for.
    return inSpan(`engine ${this.name}`, { attributes: { 'quire.engine': this.name } }, () =>
      this.admitNow(control, create),
    );
  }

  private admitNow(control: RunControl, create: (job: Job<R>) => J): Promise<R> {
    if (this.closed) return Promise.reject(this.shutDownError());
    if (control.signal?.aborted) return Promise.reject(this.abortError(control.signal));
    if (this.queue.length >= this.maxQueue + this.freeCapacity()) {
      return Promise.reject(
        new DependencyUnavailableError(
          `${this.name} engine is busy: its queue is full (${this.maxQueue} tasks waiting)`,
          { details: { engine: this.name, maxQueue: this.maxQueue } },
        ),
      );
    }
    const timeoutMs =
      control.timeoutMs === undefined
        ? this.timeoutMs
        : positiveInt(control.timeoutMs, this.timeoutMs, 'timeoutMs');
    const head = Math.floor(this.maxOutputChars / 4);
    const tail = Math.ceil((this.maxOutputChars * 3) / 4);
    return new Promise<R>((resolve, reject) => {
      const job = create({
        timeoutMs,
        resolve,
        reject,
        settled: false,
        stdout: new BoundedText(head, tail),
        stderr: new BoundedText(head, tail),
      });
      const signal = control.signal;
      if (signal) {
        const onAbort = (): void => this.abort(job, signal);
        signal.addEventListener('abort', onAbort, { once: true });
        job.detachAbort = () => signal.removeEventListener('abort', onAbort);
      }
      this.queue.push(job);
      this.dispatch();
    });
  }

  /** Spawns a process with the scrubbed environment; it is killed if this process exits. */
  protected spawnProcess(
    file: string,
    args: readonly string[],
    options: { stdio: StdioOptions; serialization?: 'advanced' },
  ): ChildProcess {
    const proc = spawn(file, args, { ...options, cwd: this.cwd, env: this.env });
    track(proc);
    this.watchMemory();
    return proc;
  }

  /** `job` now runs in process `pid`: its deadline starts. */
  protected begin(job: J, pid: number): void {
    job.pid = pid;
    job.startedAt = Date.now();
    job.deadline = setTimeout(() => {
      this.totals.timedOut++;
      this.stop(
        job,
        new EngineTimeoutError(`${this.name} timed out after ${formatSeconds(job.timeoutMs)}`, {
          cause: this.details(job),
        }),
      );
    }, job.timeoutMs);
  }

  protected settle(job: J, error: unknown, result?: R): void {
    if (job.settled) return;
    job.settled = true;
    if (job.deadline) clearTimeout(job.deadline);
    job.detachAbort?.();
    if (result) job.resolve(result);
    else job.reject(error);
  }

  protected details(job: J, exit?: string): ChildFailureDetails {
    return {
      pid: job.pid ?? -1,
      ...(exit ? { exit } : {}),
      stdout: job.stdout.toString(),
      stderr: job.stderr.toString(),
    };
  }

  protected shutDownError(): DependencyUnavailableError {
    return new DependencyUnavailableError(`${this.name} engine is shut down`);
  }

  protected abortError(signal: AbortSignal): QuireError {
    const reason: unknown = signal.reason;
    if (reason instanceof QuireError) return reason;
    return new CancelledError(`${this.name} task was cancelled`, { cause: reason });
  }

  private abort(job: J, signal: AbortSignal): void {
    if (job.settled || job.finishing) return;
    this.totals.cancelled++;
    const err = this.abortError(signal);
    const queued = this.queue.indexOf(job);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      this.settle(job, err);
    } else this.stop(job, err);
  }

  private watchMemory(): void {
    if (this.memoryLimitBytes === 0 || this.memoryTimer || this.closed) return;
    this.memoryTimer = setInterval(() => void this.checkMemory(), this.memoryPollMs);
    this.memoryTimer.unref();
  }

  private async checkMemory(): Promise<void> {
    if (this.memoryCheckRunning) return;
    this.memoryCheckRunning = true;
    try {
      for (const { pid, job } of this.watched()) {
        if (pid <= 0) continue;
        const rss = await readRssBytes(pid);
        if (rss === undefined || rss <= this.memoryLimitBytes) continue;
        const capMb = Math.round(this.memoryLimitBytes / 1024 / 1024);
        const rssMb = Math.round(rss / 1024 / 1024);
        // The job may have ended while /proc was being read.
        if (job && !job.settled && !job.finishing) {
          this.totals.memoryKilled++;
          const message = `${this.name} exceeded its memory cap of ${capMb} MB (resident ${rssMb} MB)`;
          this.stop(job, new LimitExceededError(message, { cause: this.details(job) }));
        } else if (!job) this.retireIdle(pid, `idle child over the memory cap (${rssMb} MB > ${capMb} MB)`);
      }
    } finally {
      this.memoryCheckRunning = false;
    }
  }
}
