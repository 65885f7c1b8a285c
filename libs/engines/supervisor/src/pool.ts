import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DependencyUnavailableError, EngineCrashError, type QuireError } from '@quire/errors';
import { StreamCollector } from './output-capture';
import { describeExit, formatSeconds, readRssBytesSync } from './process-info';
import { isChildMessage, type ChildMessage, type SerializedError, type TaskMessage } from './protocol';
import {
  exitOf,
  positiveInt,
  Supervisor,
  type ChildFailureDetails,
  type Job,
  type RunControl,
  type SupervisorOptions,
  type SupervisorTotals,
} from './supervisor';

/** Options of a {@link ChildProcessPool}: the supervisor's (`size` = number of children), and these. */
export interface ChildPoolOptions extends SupervisorOptions {
  /**
   * The child module: absolute path or `file:` URL of a module whose default export is a `ChildHandler`
   * (resolve it with `new URL('./my-child.ts', import.meta.url)`).
   */
  module: string | URL;
  /** A child is replaced after this many tasks (native engines leak). `0` = never. Default `100`. */
  maxTasksPerChild?: number;
  /**
   * A child whose resident size after a task is above this many MB is replaced: a heap that grew on one big input
   * (tesseract.js's WebAssembly memory, V8's) never shrinks, and idle children holding their peaks add up past the
   * container's limit (docs/architecture.md (hostile input)). `0` = never. Default: half of `memoryLimitMb`.
   */
  recycleAboveMb?: number;
  /** Replace the child after any task whose handler threw (for engines whose global state an error may taint). Default `false`. */
  recycleOnTaskError?: boolean;
  /** A child that has not loaded its module and reported ready within this many ms is killed. Default `30_000`. */
  startupTimeoutMs?: number;
  /**
   * How long to wait, after a result arrives, for the rest of the task's stdout/stderr (the pipes and the IPC
   * channel are not ordered with each other), in ms. Default `1000`.
   */
  outputGraceMs?: number;
  /** Node flags for the children. Default `['--import', <tsx loader>]`, so `.ts` child modules load without a build. */
  execArgv?: readonly string[];
}

/** Per-task options of {@link ChildProcessPool.run}. */
export interface RunOptions extends RunControl {
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

export interface PoolStats {
  name: string;
  size: number;
  queued: number;
  children: { pid: number; state: 'starting' | 'idle' | 'busy'; tasksDone: number; taskId?: number }[];
  totals: SupervisorTotals;
}

export type { ChildFailureDetails };

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

type ResultMessage = Extract<ChildMessage, { kind: 'result' }>;

interface Task extends Job<TaskResult<unknown>> {
  id: number;
  payload: unknown;
  opts: RunOptions;
  slot?: Slot;
  grace?: NodeJS.Timeout;
  markersSeen: number;
  result?: ResultMessage;
}

interface Slot {
  proc: ChildProcess;
  pid: number;
  state: 'starting' | 'idle' | 'busy' | 'dead';
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
}

function defaultExecArgv(): string[] {
  const require = createRequire(import.meta.url);
  return ['--import', pathToFileURL(require.resolve('tsx')).href];
}

const BOOTSTRAP_PATH = fileURLToPath(new URL('./child-bootstrap.ts', import.meta.url));

/**
 * Work run in long-lived, supervised Node children, one task at a time each: on top of the {@link Supervisor}'s
 * queue, deadline, memory cap and abort, children start lazily (or with `warmup()`), are replaced when they crash,
 * time out or wear out, and keep each task's output apart. See the README for the failure → error mapping.
 */
export class ChildProcessPool<Req = unknown, Res = unknown> extends Supervisor<Task, TaskResult<unknown>> {
  private readonly maxTasksPerChild: number;
  private readonly recycleOnTaskError: boolean;
  private readonly recycleAboveBytes: number;
  private readonly startupTimeoutMs: number;
  private readonly outputGraceMs: number;
  private readonly execArgv: readonly string[];
  private readonly modulePath: string;
  private readonly slots: Slot[] = [];
  private nextTaskId = 1;

  constructor(options: ChildPoolOptions) {
    super(options, { name: 'engine', maxOutputChars: 262_144 });
    this.maxTasksPerChild = positiveInt(options.maxTasksPerChild, 100, 'maxTasksPerChild', true);
    this.recycleOnTaskError = options.recycleOnTaskError ?? false;
    const capMb = positiveInt(options.memoryLimitMb, 1024, 'memoryLimitMb', true);
    this.recycleAboveBytes =
      positiveInt(options.recycleAboveMb, Math.floor(capMb / 2), 'recycleAboveMb', true) * 1024 * 1024;
    this.startupTimeoutMs = positiveInt(options.startupTimeoutMs, 30_000, 'startupTimeoutMs');
    this.outputGraceMs = positiveInt(options.outputGraceMs, 1000, 'outputGraceMs', true);
    this.execArgv = options.execArgv ?? defaultExecArgv();
    const module = options.module;
    this.modulePath = module instanceof URL || module.startsWith('file:') ? fileURLToPath(module) : module;
  }

  /**
   * Runs one task in a child. Resolves with the handler's value and the task's output; rejects with
   * {@link ChildTaskError} when the handler threw, or a QuireError when the supervisor ended the task
   * (EngineTimeoutError, EngineCrashError, LimitExceededError, CancelledError/the abort reason,
   * DependencyUnavailableError for a full queue, a closed pool or a child that failed to start).
   */
  run(payload: Req, options: RunOptions = {}): Promise<TaskResult<Res>> {
    return this.admit(options, (job) => ({
      ...job,
      id: this.nextTaskId++,
      payload,
      opts: options,
      markersSeen: 0,
    })) as Promise<TaskResult<Res>>;
  }

  /** Starts children up to `size` and waits until they are ready (optional: children also start on demand). */
  async warmup(): Promise<void> {
    if (this.closed) throw this.shutDownError();
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

  // ---- the supervisor's hooks ----

  protected freeCapacity(): number {
    // Queued tasks that an idle, starting or not-yet-spawned child will take are not waiting on a busy one.
    const free = this.slots.filter((s) => s.state === 'idle' || s.state === 'starting').length;
    return free + this.size - this.slots.length;
  }

  protected dispatch(): void {
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

  protected stop(task: Task, error: QuireError): void {
    if (task.slot?.task === task) this.terminate(task.slot, error);
  }

  protected watched(): Array<{ pid: number; job: Task | undefined }> {
    return this.slots.filter((s) => s.state !== 'dead').map((s) => ({ pid: s.pid, job: s.task }));
  }

  protected override retireIdle(pid: number, reason: string): void {
    const slot = this.slots.find((s) => s.pid === pid && s.state === 'idle');
    // No replacement: if the cap is below an idle child's footprint, that would respawn forever.
    if (slot) this.retire(slot, reason, false);
  }

  protected shutDown(): Promise<void>[] {
    return [...this.slots].map((slot) => {
      // Idle children are unref()ed; re-reference them so their exit is awaited, else close() never settles when
      // nothing else keeps the event loop alive (a script awaiting close() would just stop).
      this.setRef(slot, true);
      const gone = exitOf(slot.proc);
      this.terminate(slot, this.shutDownError());
      return gone;
    });
  }

  // ---- children ----

  private spawnSlot(): Slot {
    const proc = this.spawnProcess(process.execPath, [...this.execArgv, BOOTSTRAP_PATH, this.modulePath], {
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
      wasReady: false,
      tasksDone: 0,
      stdout: new StreamCollector(),
      stderr: new StreamCollector(),
      ready,
      markReady,
      failReady,
      exited: false,
    };
    this.slots.push(slot);
    this.totals.spawned++;
    proc.stdout?.on('data', (chunk: Buffer) => slot.stdout.push(chunk));
    proc.stderr?.on('data', (chunk: Buffer) => slot.stderr.push(chunk));
    proc.on('message', (msg: unknown) => {
      if (isChildMessage(msg)) this.onMessage(slot, msg);
    });
    let exitInfo: string | undefined;
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      this.onChildEnded(slot, exitInfo ?? 'exited');
    };
    proc.on('exit', (code, signal) => {
      slot.exited = true;
      exitInfo = describeExit(code, signal);
      // 'close' (all output read) normally follows at once; do not wait forever if something else holds the pipes.
      setTimeout(end, 500).unref();
    });
    proc.on('close', end);
    proc.on('error', (err) => {
      exitInfo ??= `could not be started or signalled (${err.message})`;
      if (proc.exitCode === null && proc.signalCode === null && proc.pid === undefined) end();
    });
    slot.startupTimer = setTimeout(() => {
      this.failStartup(slot, `it did not become ready within ${formatSeconds(this.startupTimeoutMs)}`);
    }, this.startupTimeoutMs);
    slot.startupTimer.unref();
    return slot;
  }

  private startTask(slot: Slot, task: Task): void {
    slot.state = 'busy';
    slot.task = task;
    task.slot = slot;
    this.setRef(slot, true);
    const marker = `\u001e${randomBytes(12).toString('hex')}\u001e`;
    const onMarker = (): void => {
      task.markersSeen++;
      if (task.markersSeen >= 2 && task.result) this.complete(slot, task);
    };
    const onOutput = task.opts.onOutput;
    for (const stream of ['stdout', 'stderr'] as const) {
      const forward = onOutput && ((text: string) => this.safeCall(() => onOutput(stream, text)));
      slot[stream].begin(marker, task[stream], onMarker, forward);
    }
    this.begin(task, slot.pid);
    const message: TaskMessage = { kind: 'task', id: task.id, marker, payload: task.payload };
    try {
      slot.proc.send(message, (err) => {
        if (!err || slot.task !== task) return;
        this.totals.crashed++;
        this.terminate(
          slot,
          new EngineCrashError(`${this.name} crashed: the task could not be sent to it`, { cause: err }),
        );
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
    task.finishing = true;
    if (task.deadline) clearTimeout(task.deadline);
    if (task.markersSeen >= 2) this.complete(slot, task);
    else task.grace = setTimeout(() => this.complete(slot, task), this.outputGraceMs);
  }

  /** The child delivered a result: settle the task and put the child back to work (or retire it). */
  private complete(slot: Slot, task: Task): void {
    if (task.settled || !task.result || slot.task !== task) return;
    if (task.grace) clearTimeout(task.grace);
    slot.stdout.end();
    slot.stderr.end();
    slot.task = undefined;
    slot.tasksDone++;
    const output = { stdout: task.stdout.toString(), stderr: task.stderr.toString() };
    const result = task.result;
    if (result.ok) {
      this.totals.completed++;
      const durationMs = Date.now() - (task.startedAt ?? Date.now());
      this.settle(task, undefined, { value: result.value, ...output, durationMs, pid: slot.pid });
    } else {
      this.totals.failed++;
      this.settle(task, new ChildTaskError(result.error, output));
    }
    if (slot.state !== 'busy' || slot.exited) return; // the child died while we were waiting for its output
    const worn = this.maxTasksPerChild > 0 && slot.tasksDone >= this.maxTasksPerChild;
    const resident = this.recycleAboveBytes > 0 ? (readRssBytesSync(slot.pid) ?? 0) : 0;
    const bloated = resident > this.recycleAboveBytes && this.recycleAboveBytes > 0;
    if (worn || bloated || (this.recycleOnTaskError && !result.ok)) {
      this.retire(
        slot,
        worn
          ? `recycled after ${slot.tasksDone} tasks`
          : bloated
            ? `recycled holding ${Math.round(resident / 1048576)} MB after a task`
            : 'recycled after a failed task',
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
  private terminate(slot: Slot, error: unknown): void {
    if (slot.state === 'dead') return;
    const task = slot.task;
    this.retire(slot, error instanceof Error ? error.message : String(error), slot.wasReady);
    if (task) this.settle(task, error);
  }

  /** Removes a child from service and SIGKILLs it; optionally starts a replacement at once so the pool stays warm. */
  private retire(slot: Slot, reason: string, replace: boolean): void {
    if (slot.state === 'dead') return;
    // Whoever waits in warmup() must hear that this child will never become ready.
    if (slot.state === 'starting') {
      slot.failReady(
        new DependencyUnavailableError(`${this.name} engine child stopped before it was ready: ${reason}`),
      );
    }
    slot.state = 'dead';
    if (slot.startupTimer) clearTimeout(slot.startupTimer);
    slot.stdout.end();
    slot.stderr.end();
    slot.task = undefined;
    const at = this.slots.indexOf(slot);
    if (at >= 0) this.slots.splice(at, 1);
    slot.proc.kill('SIGKILL');
    if (replace && !this.closed) this.spawnSlot();
    this.dispatch();
  }

  private failStartup(slot: Slot, why: string): void {
    if (slot.state !== 'starting') return;
    const cause: ChildFailureDetails = {
      pid: slot.pid,
      stdout: slot.stdout.background.toString(),
      stderr: slot.stderr.background.toString(),
    };
    const err = new DependencyUnavailableError(`${this.name} engine failed to start: ${why}`, { cause });
    slot.failReady(err);
    // Each failed start consumes one waiting task, so a broken installation fails tasks instead of respawning forever.
    const head = this.queue.shift();
    if (head) this.settle(head, err);
    this.retire(slot, why, false);
  }

  /** The process is gone and its output drained; if we did not kill it, it crashed. */
  private onChildEnded(slot: Slot, exitInfo: string): void {
    if (slot.state === 'dead') return;
    if (slot.state === 'starting') return this.failStartup(slot, `it ${exitInfo}`);
    // A result that arrived before the exit: the work is done, only trailing output may be missing.
    if (slot.task?.result) this.complete(slot, slot.task);
    const task = slot.task;
    if (task) {
      this.totals.crashed++;
      this.terminate(
        slot,
        new EngineCrashError(`${this.name} crashed: ${exitInfo}`, { cause: this.details(task, exitInfo) }),
      );
    } else {
      this.retire(slot, `${exitInfo} while idle`, slot.wasReady);
    }
  }

  // ---- helpers ----

  /** An idle pool must not keep the parent's event loop alive; a busy one must. */
  private setRef(slot: Slot, ref: boolean): void {
    const { proc } = slot;
    for (const handle of [proc, proc.channel, proc.stdout as Socket | null, proc.stderr as Socket | null]) {
      if (ref) handle?.ref();
      else handle?.unref();
    }
  }

  private safeCall(fn: () => void): void {
    try {
      fn();
    } catch {
      // A throwing observer must not take the supervisor down with it.
    }
  }
}
