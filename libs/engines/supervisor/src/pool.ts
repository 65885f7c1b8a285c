import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  CancelledError,
  DependencyUnavailableError,
  EngineCrashError,
  EngineTimeoutError,
  LimitExceededError,
  QuireError,
} from '@quire/errors';
import { BoundedText, StreamCollector } from './output-capture';
import { describeExit, formatSeconds, readRssBytes } from './process-info';
import { isChildMessage, type ChildMessage, type SerializedError, type TaskMessage } from './protocol';

/** Options of a {@link ChildProcessPool}. Every field but `module` has a default. */
export interface ChildPoolOptions {
  /**
   * The child module: absolute path or `file:` URL of a module whose default export is a `ChildHandler`
   * (resolve it with `new URL('./my-child.ts', import.meta.url)`).
   */
  module: string | URL;
  /** Engine name used in error messages ("ghostscript timed out after 30 s") and events. Default `'engine'`. */
  name?: string;
  /** Number of child processes, each running one task at a time. Default `1`. */
  size?: number;
  /**
   * Tasks allowed to wait while every child is busy (running tasks, and tasks about to be taken by an idle or
   * starting child, are not counted). One more is rejected at once with DependencyUnavailableError (retryable)
   * saying the queue is full. Default `32`.
   */
  maxQueue?: number;
  /**
   * Hard deadline per task in ms, counted from when a child starts the task (time in the queue is not counted).
   * On expiry the child is SIGKILLed and the task fails with EngineTimeoutError. Per-task override:
   * `RunOptions.timeoutMs`. Default `120_000`.
   */
  timeoutMs?: number;
  /**
   * Resident-memory cap per child in MB, polled from /proc/<pid>/status (Linux; not enforced elsewhere). A busy
   * child over the cap is SIGKILLed and its task fails with LimitExceededError naming the cap; an idle one is
   * retired. `0` disables the cap. Default `1024`.
   */
  memoryLimitMb?: number;
  /** How often the memory cap is checked, in ms. Default `250`. */
  memoryPollMs?: number;
  /** A child is replaced after this many tasks (native engines leak). `0` = never. Default `100`. */
  maxTasksPerChild?: number;
  /** Replace the child after any task whose handler threw (for engines whose global state an error may taint). Default `false`. */
  recycleOnTaskError?: boolean;
  /** A child that has not loaded its module and reported ready within this many ms is killed. Default `30_000`. */
  startupTimeoutMs?: number;
  /** Per task and stream, at most this many characters of output are kept (head and tail). Default `262_144`. */
  maxOutputChars?: number;
  /**
   * How long to wait, after a result arrives, for the rest of the task's stdout/stderr (the pipes and the IPC
   * channel are not ordered with each other), in ms. Default `1000`.
   */
  outputGraceMs?: number;
  /** Node flags for the children. Default `['--import', <tsx loader>]`, so `.ts` child modules load without a build. */
  execArgv?: readonly string[];
  /** Working directory of the children. Default: the parent's. */
  cwd?: string;
  /** Lifecycle notifications, for logs and metrics. Must not throw. */
  onEvent?: (event: PoolEvent) => void;
}

/** Per-task options of {@link ChildProcessPool.run}. */
export interface RunOptions {
  /** Aborting kills the child running the task (or drops it from the queue); the task fails with the signal's reason when it is a QuireError, else CancelledError. */
  signal?: AbortSignal;
  /** Overrides the pool's `timeoutMs` for this task. */
  timeoutMs?: number;
  /** Receives what the handler passes to `ctx.emit()`. */
  onEvent?: (event: unknown) => void;
  /** Receives the task's stdout/stderr as it arrives (e.g. to parse progress lines). */
  onOutput?: (stream: 'stdout' | 'stderr', text: string) => void;
}

export interface TaskResult<Res> {
  value: Res;
  /** What the child printed on stdout while running this task (bounded by `maxOutputChars`). */
  stdout: string;
  stderr: string;
  durationMs: number;
  pid: number;
}

export type ChildExitCause =
  'crash' | 'timeout' | 'memory' | 'abort' | 'recycle' | 'idle-memory' | 'startup-failure' | 'close';

export type PoolEvent =
  | { type: 'spawn'; pool: string; pid: number }
  | { type: 'ready'; pool: string; pid: number; startupMs: number }
  | { type: 'exit'; pool: string; pid: number; cause: ChildExitCause; reason: string };

export interface PoolStats {
  name: string;
  size: number;
  queued: number;
  children: { pid: number; state: 'starting' | 'idle' | 'busy'; tasksDone: number; taskId?: number }[];
  totals: {
    spawned: number;
    completed: number;
    failed: number;
    crashed: number;
    timedOut: number;
    memoryKilled: number;
    cancelled: number;
  };
}

/** The handler in the child threw; carries what it threw and the task's output. Engines map this to QuireErrors. */
export class ChildTaskError extends Error {
  /** `name` of the error thrown in the child (e.g. "PasswordException"). */
  readonly remoteName: string;
  readonly code: string | number | undefined;
  readonly data: unknown;
  readonly stdout: string;
  readonly stderr: string;

  constructor(remote: SerializedError, output: { stdout: string; stderr: string }) {
    super(remote.message);
    this.name = 'ChildTaskError';
    this.remoteName = remote.name;
    this.code = remote.code;
    this.data = remote.data;
    this.stdout = output.stdout;
    this.stderr = output.stderr;
    if (remote.stack) this.stack = `${this.name}: ${remote.message}\n    [in child] ${remote.stack}`;
  }
}

/** Internal `cause` attached to crash/timeout/memory errors: what the child printed, for the logs only. */
export interface ChildFailureDetails {
  pid: number;
  exit?: string;
  stdout: string;
  stderr: string;
}

type SlotState = 'starting' | 'idle' | 'busy' | 'dead';

interface Task {
  id: number;
  payload: unknown;
  opts: RunOptions;
  timeoutMs: number;
  resolve: (result: TaskResult<unknown>) => void;
  reject: (err: unknown) => void;
  settled: boolean;
  slot?: Slot;
  startedAt?: number;
  deadline?: NodeJS.Timeout;
  grace?: NodeJS.Timeout;
  detachAbort?: () => void;
  stdout: BoundedText;
  stderr: BoundedText;
  markersSeen: number;
  result?: Extract<ChildMessage, { kind: 'result' }>;
}

interface Slot {
  proc: ChildProcess;
  pid: number;
  state: SlotState;
  spawnedAt: number;
  wasReady: boolean;
  tasksDone: number;
  task?: Task;
  stdout: StreamCollector;
  stderr: StreamCollector;
  startupTimer?: NodeJS.Timeout;
  ready: Promise<void>;
  markReady: () => void;
  failReady: (err: Error) => void;
  /** Set as soon as the process has exited (its output may still be draining). */
  exited: boolean;
  /** Set once the process has ended and its output is drained. */
  ended: boolean;
  onEnded?: () => void;
}

const DEFAULTS = {
  name: 'engine',
  size: 1,
  maxQueue: 32,
  timeoutMs: 120_000,
  memoryLimitMb: 1024,
  memoryPollMs: 250,
  maxTasksPerChild: 100,
  recycleOnTaskError: false,
  startupTimeoutMs: 30_000,
  maxOutputChars: 262_144,
  outputGraceMs: 1000,
} as const;

// One process-wide 'exit' hook for all pools: children must not outlive a parent that exits normally either.
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;
function trackChild(proc: ChildProcess): void {
  liveChildren.add(proc);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const child of liveChildren) child.kill('SIGKILL');
    });
  }
}

function defaultExecArgv(): string[] {
  const require = createRequire(import.meta.url);
  return ['--import', pathToFileURL(require.resolve('tsx')).href];
}

const BOOTSTRAP_PATH = fileURLToPath(new URL('./child-bootstrap.ts', import.meta.url));

function positiveInt(value: number | undefined, fallback: number, field: string, allowZero = false): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < (allowZero ? 0 : 1))
    throw new RangeError(`ChildPoolOptions.${field} must be ${allowZero ? '>= 0' : '>= 1'}, got ${value}`);
  return Math.floor(value);
}

/**
 * A fixed-size pool of supervised Node child processes running one task at a time each: bounded queue, hard
 * per-task deadline, RSS cap, crash isolation and replacement, recycling, cancellation. See the README for the
 * failure → error mapping.
 */
export class ChildProcessPool<Req = unknown, Res = unknown> {
  readonly name: string;
  private readonly size: number;
  private readonly maxQueue: number;
  private readonly timeoutMs: number;
  private readonly memoryLimitBytes: number;
  private readonly memoryPollMs: number;
  private readonly maxTasksPerChild: number;
  private readonly recycleOnTaskError: boolean;
  private readonly startupTimeoutMs: number;
  private readonly maxOutputChars: number;
  private readonly outputGraceMs: number;
  private readonly execArgv: readonly string[];
  private readonly cwd: string | undefined;
  private readonly modulePath: string;
  private readonly onPoolEvent: ((event: PoolEvent) => void) | undefined;

  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextTaskId = 1;
  private closed = false;
  private closing: Promise<void> | undefined;
  private memoryTimer: NodeJS.Timeout | undefined;
  private memoryCheckRunning = false;
  private readonly totals = {
    spawned: 0,
    completed: 0,
    failed: 0,
    crashed: 0,
    timedOut: 0,
    memoryKilled: 0,
    cancelled: 0,
  };

  constructor(options: ChildPoolOptions) {
    this.name = options.name ?? DEFAULTS.name;
    this.size = positiveInt(options.size, DEFAULTS.size, 'size');
    this.maxQueue = positiveInt(options.maxQueue, DEFAULTS.maxQueue, 'maxQueue', true);
    this.timeoutMs = positiveInt(options.timeoutMs, DEFAULTS.timeoutMs, 'timeoutMs');
    this.memoryLimitBytes =
      positiveInt(options.memoryLimitMb, DEFAULTS.memoryLimitMb, 'memoryLimitMb', true) * 1024 * 1024;
    this.memoryPollMs = positiveInt(options.memoryPollMs, DEFAULTS.memoryPollMs, 'memoryPollMs');
    this.maxTasksPerChild = positiveInt(
      options.maxTasksPerChild,
      DEFAULTS.maxTasksPerChild,
      'maxTasksPerChild',
      true,
    );
    this.recycleOnTaskError = options.recycleOnTaskError ?? DEFAULTS.recycleOnTaskError;
    this.startupTimeoutMs = positiveInt(
      options.startupTimeoutMs,
      DEFAULTS.startupTimeoutMs,
      'startupTimeoutMs',
    );
    this.maxOutputChars = positiveInt(options.maxOutputChars, DEFAULTS.maxOutputChars, 'maxOutputChars');
    this.outputGraceMs = positiveInt(options.outputGraceMs, DEFAULTS.outputGraceMs, 'outputGraceMs', true);
    this.execArgv = options.execArgv ?? defaultExecArgv();
    this.cwd = options.cwd;
    this.modulePath =
      options.module instanceof URL || options.module.startsWith('file:')
        ? fileURLToPath(options.module)
        : options.module;
    this.onPoolEvent = options.onEvent;
  }

  /**
   * Runs one task in a child. Resolves with the handler's value and the task's output; rejects with
   * {@link ChildTaskError} when the handler threw, or a QuireError when the supervisor ended the task
   * (EngineTimeoutError, EngineCrashError, LimitExceededError, CancelledError/the abort reason,
   * DependencyUnavailableError for a full queue, a closed pool or a child that failed to start).
   */
  run(payload: Req, options: RunOptions = {}): Promise<TaskResult<Res>> {
    if (this.closed)
      return Promise.reject(new DependencyUnavailableError(`${this.name} engine is shut down`));
    if (options.signal?.aborted) return Promise.reject(this.abortError(options.signal));
    // Queued tasks that an idle, starting or not-yet-spawned child will take are not waiting on a busy one.
    const free =
      this.slots.filter((s) => s.state === 'idle' || s.state === 'starting').length +
      (this.size - this.slots.length);
    if (this.queue.length >= this.maxQueue + free) {
      return Promise.reject(
        new DependencyUnavailableError(
          `${this.name} engine is busy: its queue is full (${this.maxQueue} tasks waiting)`,
          {
            details: { engine: this.name, maxQueue: this.maxQueue },
          },
        ),
      );
    }
    const timeoutMs =
      options.timeoutMs === undefined
        ? this.timeoutMs
        : positiveInt(options.timeoutMs, this.timeoutMs, 'timeoutMs');
    return new Promise<TaskResult<Res>>((resolve, reject) => {
      const task: Task = {
        id: this.nextTaskId++,
        payload,
        opts: options,
        timeoutMs,
        resolve: resolve as (result: TaskResult<unknown>) => void,
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
        markersSeen: 0,
      };
      const signal = options.signal;
      if (signal) {
        const onAbort = (): void => this.abortTask(task, signal);
        signal.addEventListener('abort', onAbort, { once: true });
        task.detachAbort = () => signal.removeEventListener('abort', onAbort);
      }
      this.queue.push(task);
      this.dispatch();
    });
  }

  /** Starts children up to `size` and waits until they are ready (optional: children also start on demand). */
  async warmup(): Promise<void> {
    if (this.closed) throw new DependencyUnavailableError(`${this.name} engine is shut down`);
    while (this.slots.length < this.size) this.spawnSlot();
    await Promise.all(this.slots.map((s) => s.ready));
  }

  stats(): PoolStats {
    return {
      name: this.name,
      size: this.size,
      queued: this.queue.length,
      children: this.slots
        .filter((s): s is Slot & { state: 'starting' | 'idle' | 'busy' } => s.state !== 'dead')
        .map((s) => ({
          pid: s.pid,
          state: s.state,
          tasksDone: s.tasksDone,
          ...(s.task ? { taskId: s.task.id } : {}),
        })),
      totals: { ...this.totals },
    };
  }

  /**
   * Kills every child (SIGKILL) and fails queued and running tasks with DependencyUnavailableError (retryable: the
   * work can run elsewhere). Resolves once the children have exited. Idempotent.
   */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closed = true;
    if (this.memoryTimer) clearInterval(this.memoryTimer);
    const shutDown = (): DependencyUnavailableError =>
      new DependencyUnavailableError(`${this.name} engine is shut down`);
    for (const task of this.queue.splice(0)) this.settle(task, shutDown());
    const waits = this.slots.map(
      (slot) =>
        new Promise<void>((resolve) => {
          if (slot.ended) return resolve();
          slot.onEnded = resolve;
          // A stuck pipe must not hang shutdown.
          setTimeout(resolve, 2000).unref();
        }),
    );
    // Idle children are unref()ed; re-reference them so their exit is awaited, else close() never settles when
    // nothing else keeps the event loop alive (a script awaiting close() would just stop).
    for (const slot of [...this.slots]) {
      this.setRef(slot, true);
      this.terminate(slot, shutDown(), 'close');
    }
    this.closing = Promise.all(waits).then(() => undefined);
    return this.closing;
  }

  // ---- scheduling ----

  private dispatch(): void {
    if (this.closed) return;
    while (this.queue.length > 0) {
      const slot = this.slots.find((s) => s.state === 'idle' && !s.exited);
      if (!slot) break;
      this.startTask(slot, this.queue.shift()!);
    }
    const starting = this.slots.filter((s) => s.state === 'starting').length;
    let wanted = Math.min(this.queue.length - starting, this.size - this.slots.length);
    while (wanted-- > 0) this.spawnSlot();
  }

  private spawnSlot(): Slot {
    const proc = spawn(process.execPath, [...this.execArgv, BOOTSTRAP_PATH, this.modulePath], {
      cwd: this.cwd,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    let markReady!: () => void;
    let failReady!: (err: Error) => void;
    const ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    });
    ready.catch(() => undefined); // observed by warmup() only when someone waits
    const slot: Slot = {
      proc,
      pid: proc.pid ?? -1,
      state: 'starting',
      spawnedAt: Date.now(),
      wasReady: false,
      tasksDone: 0,
      stdout: new StreamCollector(),
      stderr: new StreamCollector(),
      ready,
      markReady,
      failReady,
      exited: false,
      ended: false,
    };
    this.slots.push(slot);
    this.totals.spawned++;
    trackChild(proc);
    this.ensureMemoryWatch();

    proc.stdout?.on('data', (chunk: Buffer) => slot.stdout.push(chunk));
    proc.stderr?.on('data', (chunk: Buffer) => slot.stderr.push(chunk));
    proc.on('message', (msg: unknown) => {
      if (isChildMessage(msg)) this.onMessage(slot, msg);
    });
    let exitInfo: string | undefined;
    const ended = (): void => {
      if (slot.ended) return;
      slot.ended = true;
      liveChildren.delete(proc);
      this.onChildEnded(slot, exitInfo ?? 'exited');
      slot.onEnded?.();
    };
    proc.on('exit', (code, signal) => {
      slot.exited = true;
      exitInfo = describeExit(code, signal);
      // 'close' (all output read) normally follows at once; do not wait forever if something else holds the pipes.
      setTimeout(ended, 500).unref();
    });
    proc.on('close', ended);
    proc.on('error', (err) => {
      exitInfo ??= `could not be started or signalled (${err.message})`;
      if (proc.exitCode === null && proc.signalCode === null && proc.pid === undefined) ended();
    });
    slot.startupTimer = setTimeout(() => {
      if (slot.state === 'starting') {
        this.failStartup(slot, `it did not become ready within ${formatSeconds(this.startupTimeoutMs)}`);
      }
    }, this.startupTimeoutMs);
    slot.startupTimer.unref();
    if (slot.pid > 0) this.emit({ type: 'spawn', pool: this.name, pid: slot.pid });
    return slot;
  }

  private startTask(slot: Slot, task: Task): void {
    slot.state = 'busy';
    slot.task = task;
    task.slot = slot;
    task.startedAt = Date.now();
    this.setRef(slot, true);
    const marker = `\u001e${randomBytes(12).toString('hex')}\u001e`;
    const onMarker = (): void => {
      task.markersSeen++;
      if (task.markersSeen >= 2 && task.result) this.complete(slot, task);
    };
    const onOutput = task.opts.onOutput;
    slot.stdout.begin(
      marker,
      task.stdout,
      onMarker,
      onOutput && ((text) => this.safeCall(() => onOutput('stdout', text))),
    );
    slot.stderr.begin(
      marker,
      task.stderr,
      onMarker,
      onOutput && ((text) => this.safeCall(() => onOutput('stderr', text))),
    );
    task.deadline = setTimeout(() => {
      this.totals.timedOut++;
      this.terminate(
        slot,
        new EngineTimeoutError(`${this.name} timed out after ${formatSeconds(task.timeoutMs)}`, {
          cause: this.details(slot, task),
        }),
        'timeout',
      );
    }, task.timeoutMs);
    const message: TaskMessage = { kind: 'task', id: task.id, marker, payload: task.payload };
    try {
      slot.proc.send(message, (err) => {
        if (err && slot.task === task) {
          this.totals.crashed++;
          this.terminate(
            slot,
            new EngineCrashError(`${this.name} crashed: the task could not be sent to it`, { cause: err }),
            'crash',
          );
        }
      });
    } catch (err) {
      // Not structured-cloneable: a caller bug, not an engine failure; the child is untouched.
      slot.stdout.end();
      slot.stderr.end();
      slot.task = undefined;
      slot.state = 'idle';
      this.setRef(slot, false);
      this.settle(task, err);
      this.dispatch();
    }
  }

  private onMessage(slot: Slot, msg: ChildMessage): void {
    if (msg.kind === 'ready') {
      if (slot.state !== 'starting') return;
      if (slot.startupTimer) clearTimeout(slot.startupTimer);
      slot.state = 'idle';
      slot.wasReady = true;
      this.setRef(slot, false);
      slot.markReady();
      this.emit({ type: 'ready', pool: this.name, pid: slot.pid, startupMs: Date.now() - slot.spawnedAt });
      this.dispatch();
      return;
    }
    const task = slot.task;
    if (!task || task.id !== msg.id || task.settled) return;
    if (msg.kind === 'event') {
      const onEvent = task.opts.onEvent;
      if (onEvent) this.safeCall(() => onEvent(msg.event));
      return;
    }
    task.result = msg;
    if (task.deadline) clearTimeout(task.deadline);
    if (task.markersSeen >= 2) {
      this.complete(slot, task);
      return;
    }
    task.grace = setTimeout(() => this.complete(slot, task), this.outputGraceMs);
  }

  /** The child delivered a result: settle the task and put the child back to work (or retire it). */
  private complete(slot: Slot, task: Task): void {
    if (task.settled || !task.result || slot.task !== task) return;
    slot.stdout.end();
    slot.stderr.end();
    slot.task = undefined;
    slot.tasksDone++;
    const output = { stdout: task.stdout.toString(), stderr: task.stderr.toString() };
    const result = task.result;
    if (result.ok) {
      this.totals.completed++;
      this.settle(task, undefined, {
        value: result.value,
        ...output,
        durationMs: Date.now() - (task.startedAt ?? Date.now()),
        pid: slot.pid,
      });
    } else {
      this.totals.failed++;
      this.settle(task, new ChildTaskError(result.error, output));
    }
    if (slot.state !== 'busy' || slot.exited) return; // the child died while we were waiting for its output
    const worn = this.maxTasksPerChild > 0 && slot.tasksDone >= this.maxTasksPerChild;
    if (worn || (this.recycleOnTaskError && !result.ok)) {
      this.retire(
        slot,
        'recycle',
        worn ? `recycled after ${slot.tasksDone} tasks` : 'recycled after a failed task',
        true,
      );
      return;
    }
    slot.state = 'idle';
    this.setRef(slot, false);
    this.dispatch();
  }

  // ---- failures ----

  /** Kills a child on purpose (deadline, memory, abort, close) and fails its task with `error`. */
  private terminate(slot: Slot, error: unknown, cause: ChildExitCause): void {
    if (slot.state === 'dead') return;
    const task = slot.task;
    const replace = slot.wasReady && cause !== 'close';
    this.retire(slot, cause, error instanceof Error ? error.message : String(error), replace);
    if (task) this.settle(task, error);
  }

  /** Removes a child from service and SIGKILLs it; optionally starts a replacement at once so the pool stays warm. */
  private retire(slot: Slot, cause: ChildExitCause, reason: string, replace: boolean): void {
    if (slot.state === 'dead') return;
    // Whoever waits in warmup() must hear that this child will never become ready.
    if (slot.state === 'starting')
      slot.failReady(
        new DependencyUnavailableError(`${this.name} engine child stopped before it was ready: ${reason}`),
      );
    slot.state = 'dead';
    if (slot.startupTimer) clearTimeout(slot.startupTimer);
    slot.stdout.end();
    slot.stderr.end();
    slot.task = undefined;
    this.removeSlot(slot);
    slot.proc.kill('SIGKILL');
    this.emit({ type: 'exit', pool: this.name, pid: slot.pid, cause, reason });
    if (replace && !this.closed) this.spawnSlot();
    this.dispatch();
  }

  private failStartup(slot: Slot, why: string): void {
    if (slot.state !== 'starting') return;
    const stderr = slot.stderr.background.toString();
    const err = new DependencyUnavailableError(`${this.name} engine failed to start: ${why}`, {
      cause: {
        pid: slot.pid,
        stdout: slot.stdout.background.toString(),
        stderr,
      } satisfies ChildFailureDetails,
    });
    slot.failReady(err);
    // Each failed start consumes one waiting task, so a broken installation fails tasks instead of respawning forever.
    const head = this.queue.shift();
    if (head) this.settle(head, err);
    this.retire(slot, 'startup-failure', why, false);
  }

  /** The process is gone and its output drained; if we did not kill it, it crashed. */
  private onChildEnded(slot: Slot, exitInfo: string): void {
    if (slot.state === 'dead') return;
    if (slot.state === 'starting') {
      this.failStartup(slot, `it ${exitInfo}`);
      return;
    }
    const task = slot.task;
    if (task?.result) {
      // The result arrived before the exit: the work is done, only trailing output may be missing.
      this.complete(slot, task);
    }
    if (slot.task) {
      this.totals.crashed++;
      this.terminate(
        slot,
        new EngineCrashError(`${this.name} crashed: ${exitInfo}`, {
          cause: this.details(slot, slot.task, exitInfo),
        }),
        'crash',
      );
    } else {
      this.retire(slot, 'crash', `${exitInfo} while idle`, slot.wasReady);
    }
  }

  private abortTask(task: Task, signal: AbortSignal): void {
    if (task.settled || task.result) return;
    this.totals.cancelled++;
    const err = this.abortError(signal);
    const queued = this.queue.indexOf(task);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      this.settle(task, err);
      return;
    }
    if (task.slot) this.terminate(task.slot, err, 'abort');
  }

  private abortError(signal: AbortSignal): QuireError {
    const reason: unknown = signal.reason;
    if (reason instanceof QuireError) return reason;
    return new CancelledError(`${this.name} task was cancelled`, { cause: reason });
  }

  // ---- memory cap ----

  private ensureMemoryWatch(): void {
    if (this.memoryLimitBytes === 0 || this.memoryTimer || this.closed) return;
    this.memoryTimer = setInterval(() => void this.checkMemory(), this.memoryPollMs);
    this.memoryTimer.unref();
  }

  private async checkMemory(): Promise<void> {
    if (this.memoryCheckRunning) return;
    this.memoryCheckRunning = true;
    try {
      for (const slot of [...this.slots]) {
        if (slot.state === 'dead' || slot.pid <= 0) continue;
        const rss = await readRssBytes(slot.pid);
        // The slot may have changed state while /proc was being read.
        if (rss === undefined || rss <= this.memoryLimitBytes || (slot.state as SlotState) === 'dead')
          continue;
        const capMb = Math.round(this.memoryLimitBytes / 1024 / 1024);
        const rssMb = Math.round(rss / 1024 / 1024);
        if (slot.task && !slot.task.result) {
          this.totals.memoryKilled++;
          const err = new LimitExceededError(
            `${this.name} exceeded its memory cap of ${capMb} MB (resident ${rssMb} MB)`,
            {
              cause: this.details(slot, slot.task),
            },
          );
          this.terminate(slot, err, 'memory');
        } else if (slot.state === 'idle') {
          // No eager replacement: if the cap is below an idle child's footprint, that would respawn forever.
          this.retire(
            slot,
            'idle-memory',
            `idle child over the memory cap (${rssMb} MB > ${capMb} MB)`,
            false,
          );
        }
      }
    } finally {
      this.memoryCheckRunning = false;
    }
  }

  // ---- helpers ----

  private settle(task: Task, error: unknown, result?: TaskResult<unknown>): void {
    if (task.settled) return;
    task.settled = true;
    if (task.deadline) clearTimeout(task.deadline);
    if (task.grace) clearTimeout(task.grace);
    task.detachAbort?.();
    if (result) task.resolve(result);
    else task.reject(error);
  }

  private removeSlot(slot: Slot): void {
    const at = this.slots.indexOf(slot);
    if (at >= 0) this.slots.splice(at, 1);
  }

  private details(slot: Slot, task: Task, exit?: string): ChildFailureDetails {
    return {
      pid: slot.pid,
      ...(exit ? { exit } : {}),
      stdout: task.stdout.toString(),
      stderr: task.stderr.toString(),
    };
  }

  /** An idle pool must not keep the parent's event loop alive; a busy one must. */
  private setRef(slot: Slot, ref: boolean): void {
    const handles = [
      slot.proc,
      slot.proc.channel,
      slot.proc.stdout as Socket | null,
      slot.proc.stderr as Socket | null,
    ];
    for (const handle of handles) {
      if (!handle) continue;
      if (ref) handle.ref();
      else handle.unref();
    }
  }

  private emit(event: PoolEvent): void {
    const onEvent = this.onPoolEvent;
    if (onEvent) this.safeCall(() => onEvent(event));
  }

  private safeCall(fn: () => void): void {
    try {
      fn();
    } catch {
      // A throwing observer must not take the supervisor down with it.
    }
  }
}

/** Creates a {@link ChildProcessPool}. */
export function createChildPool<Req = unknown, Res = unknown>(
  options: ChildPoolOptions,
): ChildProcessPool<Req, Res> {
  return new ChildProcessPool<Req, Res>(options);
}
