import { spawn, type ChildProcess } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import { DependencyUnavailableError, EngineCrashError, type QuireError } from '@quire/errors';
import { describeExit } from './process-info';
import {
  exitOf,
  Supervisor,
  type Job,
  type RunControl,
  type SupervisorOptions,
  type SupervisorTotals,
} from './supervisor';

/** Options of a {@link CommandRunner}: the supervisor's (`size` = runs at once), and these. */
export interface CommandRunnerOptions extends SupervisorOptions {
  /** The executable, looked up on PATH (e.g. `'qpdf'`). Also the default `name`. */
  command: string;
  /**
   * Also start the process under `prlimit --cpu=<deadline + 5 s>` (util-linux), so the kernel ends it even if this
   * process dies without killing it (SIGKILL, OOM). Default `true`; ignored when `prlimit` is not installed.
   */
  cpuLimit?: boolean;
}

/** Per-run options of {@link CommandRunner.run}. */
export type CommandRunOptions = RunControl;

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
  totals: SupervisorTotals;
}

interface Run extends Job<CommandResult> {
  args: readonly string[];
  proc?: ChildProcess;
  /** Set when we killed the process on purpose; the exit then reports this error instead of a crash. */
  killedWith?: QuireError;
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

/**
 * Work run as one supervised process per run (engines that are programs rather than libraries: qpdf, img2pdf), with
 * the {@link Supervisor}'s queue, deadline, memory cap, abort and scrubbed environment. The executable is spawned
 * directly (no shell), so arguments are never interpreted.
 */
export class CommandRunner extends Supervisor<Run, CommandResult> {
  private readonly command: string;
  private readonly cpuLimit: boolean;
  private readonly running = new Set<Run>();

  constructor(options: CommandRunnerOptions) {
    super(options, { name: options.command, maxOutputChars: 65_536 });
    this.command = options.command;
    this.cpuLimit = options.cpuLimit ?? true;
  }

  /**
   * Runs `command args…` once. Resolves with the exit code and output whatever the code; rejects with
   * EngineTimeoutError (deadline), LimitExceededError (memory cap), EngineCrashError (killed by a signal we did not
   * send), CancelledError or the abort reason, DependencyUnavailableError (queue full, runner closed, executable
   * missing).
   */
  run(args: readonly string[], options: CommandRunOptions = {}): Promise<CommandResult> {
    return this.admit(options, (job) => ({ ...job, args }));
  }

  stats(): CommandRunnerStats {
    const { name, size } = this;
    return { name, size, running: this.running.size, queued: this.queue.length, totals: { ...this.totals } };
  }

  // ---- the supervisor's hooks ----

  protected freeCapacity(): number {
    return this.size - this.running.size;
  }

  protected dispatch(): void {
    while (!this.closed && this.running.size < this.size && this.queue.length > 0) {
      const run = this.queue.shift()!;
      this.running.add(run);
      void this.start(run);
    }
  }

  protected stop(run: Run, error: QuireError): void {
    if (run.settled || run.killedWith) return;
    run.killedWith = error;
    if (run.deadline) clearTimeout(run.deadline);
    // A run still waiting for spawn() sees `settled` and never starts.
    if (run.proc && run.proc.exitCode === null && run.proc.signalCode === null) run.proc.kill('SIGKILL');
    else this.settle(run, error);
  }

  protected watched(): Array<{ pid: number; job: Run }> {
    return [...this.running].filter((r) => r.pid && !r.killedWith).map((r) => ({ pid: r.pid ?? -1, job: r }));
  }

  protected shutDown(): Promise<void>[] {
    return [...this.running].map((run) => {
      const gone = run.proc ? exitOf(run.proc) : Promise.resolve();
      this.stop(run, this.shutDownError());
      return gone;
    });
  }

  // ---- one run ----

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
    const notInstalled = (cause?: unknown) =>
      new DependencyUnavailableError(`${this.name} is not installed (command "${this.command}" not found)`, {
        cause,
      });
    let proc: ChildProcess;
    try {
      proc = this.spawnProcess(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      this.settle(run, new DependencyUnavailableError(`${this.name} could not be started`, { cause: err }));
      return this.finish(run);
    }
    run.proc = proc;
    this.totals.spawned++;
    this.begin(run, proc.pid ?? -1);
    const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
    for (const stream of ['stdout', 'stderr'] as const) {
      proc[stream]?.on('data', (chunk: Buffer) => run[stream].append(decoders[stream].write(chunk)));
    }
    proc.on('error', (err: NodeJS.ErrnoException) => {
      if (run.settled) return;
      const cause = err.code === 'ENOENT' ? notInstalled(err) : undefined;
      this.settle(
        run,
        cause ?? new DependencyUnavailableError(`${this.name} could not be started`, { cause: err }),
      );
      if (proc.pid === undefined) this.finish(run);
    });
    // 'close': the process has exited and its output is drained.
    proc.on('close', (code, signal) => {
      run.stdout.append(decoders.stdout.end());
      run.stderr.append(decoders.stderr.end());
      if (run.killedWith) {
        this.settle(run, run.killedWith);
      } else if (signal !== null || code === null) {
        this.totals.crashed++;
        const exit = describeExit(code, signal);
        this.settle(
          run,
          new EngineCrashError(`${this.name} crashed: ${exit}`, { cause: this.details(run, exit) }),
        );
      } else if (
        file === 'prlimit' &&
        code === 127 &&
        /failed to execute|No such file/i.test(run.stderr.toString())
      ) {
        // prlimit reports a missing command as 127 (exec failed) before running anything.
        this.settle(run, notInstalled());
      } else {
        this.totals.completed++;
        const output = { stdout: run.stdout.toString(), stderr: run.stderr.toString() };
        const durationMs = Date.now() - (run.startedAt ?? Date.now());
        this.settle(run, undefined, { exitCode: code, ...output, durationMs, pid: run.pid ?? -1 });
      }
      this.finish(run);
    });
  }

  private finish(run: Run): void {
    if (run.deadline) clearTimeout(run.deadline);
    this.running.delete(run);
    this.dispatch();
  }
}
