import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CancelledError,
  DependencyUnavailableError,
  EngineCrashError,
  EngineTimeoutError,
  LimitExceededError,
  TimeoutError,
} from '@quire/errors';
import { CommandRunner, type CommandRunnerOptions } from './command-runner';

const runners: CommandRunner[] = [];
function runner(options: Partial<CommandRunnerOptions> & { command?: string } = {}): CommandRunner {
  const r = new CommandRunner({ command: 'sh', name: 'test-cmd', timeoutMs: 10_000, ...options });
  runners.push(r);
  return r;
}

afterAll(async () => {
  await Promise.all(runners.map((r) => r.close()));
});

function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('CommandRunner', () => {
  it('resolves with the exit code and the output, whatever the code', async () => {
    const r = runner();
    const ok = await r.run(['-c', 'echo out; echo err >&2']);
    expect(ok).toMatchObject({ exitCode: 0, stdout: 'out\n', stderr: 'err\n' });
    const three = await r.run(['-c', 'echo warned >&2; exit 3']);
    expect(three.exitCode).toBe(3);
    expect(three.stderr).toBe('warned\n');
  });

  it('passes arguments as they are (no shell interpretation)', async () => {
    const r = runner({ command: 'printf' });
    const res = await r.run(['%s|', 'a b', '$(echo no)', '*']);
    expect(res.stdout).toBe('a b|$(echo no)|*|');
  });

  it('kills a run past its deadline: EngineTimeoutError, process gone', async () => {
    const r = runner();
    let pid = 0;
    const started = Date.now();
    const err = await r.run(['-c', 'echo $$; exec sleep 30'], { timeoutMs: 300 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineTimeoutError);
    expect((err as Error).message).toBe('test-cmd timed out after 0.3 s');
    expect(Date.now() - started).toBeLessThan(5_000);
    pid = Number(((err as { cause?: { stdout?: string } }).cause?.stdout ?? '').trim());
    expect(pid).toBeGreaterThan(0);
    expect(isAlive(pid)).toBe(false);
  });

  it('reports a process killed by a signal it did not get from us as a crash', async () => {
    const err = await runner()
      .run(['-c', 'kill -SEGV $$'])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineCrashError);
    expect((err as Error).message).toBe('test-cmd crashed: killed by signal SIGSEGV (segmentation fault)');
  });

  it('kills a process over the memory cap with LimitExceededError naming the cap', async () => {
    const r = runner({ command: process.execPath, memoryLimitMb: 120, memoryPollMs: 50 });
    const hog = 'const a = []; setInterval(() => a.push(Buffer.alloc(20e6, 1)), 20);';
    const err = await r.run(['-e', hog]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LimitExceededError);
    expect((err as Error).message).toMatch(
      /^test-cmd exceeded its memory cap of 120 MB \(resident \d+ MB\)$/,
    );
  });

  it('aborts a running process with the signal reason, and a queued run leaves the queue', async () => {
    const r = runner({ size: 1 });
    const controller = new AbortController();
    const queuedController = new AbortController();
    const running = r.run(['-c', 'exec sleep 30'], { signal: controller.signal }).catch((e: unknown) => e);
    const queued = r.run(['-c', 'exit 0'], { signal: queuedController.signal }).catch((e: unknown) => e);
    await new Promise((res) => setTimeout(res, 200));
    expect(r.stats()).toMatchObject({ running: 1, queued: 1 });
    queuedController.abort();
    expect(await queued).toBeInstanceOf(CancelledError);
    controller.abort(new TimeoutError('soft time limit'));
    const err = await running;
    expect(err).toBeInstanceOf(TimeoutError);
    expect((await r.run(['-c', 'exit 0'])).exitCode).toBe(0);
  });

  it('rejects at once when the queue is full', async () => {
    const r = runner({ size: 1, maxQueue: 1 });
    const a = r.run(['-c', 'sleep 0.3']);
    const b = r.run(['-c', 'exit 0']);
    await expect(r.run(['-c', 'exit 0'])).rejects.toBeInstanceOf(DependencyUnavailableError);
    await Promise.all([a, b]);
  });

  it('says when the executable is not installed', async () => {
    for (const cpuLimit of [true, false]) {
      const err = await runner({ command: 'quire-no-such-command', cpuLimit })
        .run([])
        .catch((e: unknown) => e);
      expect(err, `cpuLimit ${cpuLimit}`).toBeInstanceOf(DependencyUnavailableError);
      expect((err as Error).message).toBe(
        'test-cmd is not installed (command "quire-no-such-command" not found)',
      );
    }
  });

  it('close() fails running and queued runs and refuses new ones', async () => {
    const r = runner({ size: 1 });
    const running = r.run(['-c', 'exec sleep 30']).catch((e: unknown) => e);
    const queued = r.run(['-c', 'exit 0']).catch((e: unknown) => e);
    await new Promise((res) => setTimeout(res, 150));
    await r.close();
    expect(await running).toBeInstanceOf(DependencyUnavailableError);
    expect(await queued).toBeInstanceOf(DependencyUnavailableError);
    await expect(r.run([])).rejects.toBeInstanceOf(DependencyUnavailableError);
  });

  it('keeps the head and the tail of a huge output', async () => {
    const r = runner({ maxOutputChars: 400 });
    const res = await r.run([
      '-c',
      'echo FIRST; i=0; while [ $i -lt 2000 ]; do echo line$i; i=$((i+1)); done; echo LAST',
    ]);
    expect(res.stdout.startsWith('FIRST\n')).toBe(true);
    expect(res.stdout.trimEnd().endsWith('LAST')).toBe(true);
    expect(res.stdout).toContain('characters omitted');
  });
});
