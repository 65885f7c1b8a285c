import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CancelledError,
  DependencyUnavailableError,
  EngineCrashError,
  EngineTimeoutError,
  LimitExceededError,
  ValidationError,
} from '@quire/errors';
import { ChildProcessPool, ChildTaskError, type ChildPoolOptions } from './pool';
import type { TestRequest } from './__fixtures__/test-child';

const TEST_CHILD = new URL('./__fixtures__/test-child.ts', import.meta.url);
const pools: ChildProcessPool[] = [];

function makePool(options: Partial<ChildPoolOptions> = {}): ChildProcessPool<TestRequest, unknown> {
  const pool = new ChildProcessPool<TestRequest, unknown>({
    module: TEST_CHILD,
    name: 'test-engine',
    timeoutMs: 10_000,
    ...options,
  });
  pools.push(pool);
  return pool;
}

/** Alive and not a zombie (a container's PID 1 may never reap orphans). */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function waitFor(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (predicate()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return predicate();
}

async function busyPid(pool: ChildProcessPool<TestRequest, unknown>): Promise<number> {
  let pid = 0;
  await waitFor(() => {
    pid = pool.stats().children.find((c) => c.state === 'busy')?.pid ?? 0;
    return pid > 0;
  }, 10_000);
  return pid;
}

afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

describe('ChildProcessPool', () => {
  it('runs tasks in a child and keeps each task’s stdout/stderr separate', async () => {
    const pool = makePool();
    const first = await pool.run({ op: 'print', stdout: 'first out\n', stderr: 'first err\n' });
    const second = await pool.run({ op: 'print', stdout: 'second out\n', stderr: 'second err\n' });
    expect(first).toMatchObject({ value: 'printed', stdout: 'first out\n', stderr: 'first err\n' });
    expect(second).toMatchObject({ stdout: 'second out\n', stderr: 'second err\n' });
    expect(second.pid).toBe(first.pid);
    expect(first.pid).not.toBe(process.pid);
  });

  it('delivers events emitted by the handler and streams output', async () => {
    const pool = makePool();
    const events: unknown[] = [];
    const streamed: string[] = [];
    await pool.run({ op: 'emit', events: [{ page: 1 }, { page: 2 }] }, { onEvent: (e) => events.push(e) });
    await pool.run(
      { op: 'print', stdout: 'abcdef', stderr: 'xyz' },
      { onOutput: (s, t) => streamed.push(`${s}:${t}`) },
    );
    expect(events).toEqual([{ page: 1 }, { page: 2 }]);
    expect(streamed.join('')).toContain('abc');
    expect(streamed.join('')).toContain('xyz');
  });

  it('reports a handler error as ChildTaskError and keeps the child', async () => {
    const pool = makePool();
    const pid = (await pool.run({ op: 'pid' })).value;
    const err = await pool
      .run({ op: 'throw', message: 'no luck', code: 'E_LUCK', data: { n: 1 } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChildTaskError);
    expect(err).toMatchObject({ message: 'no luck', remoteName: 'Error', code: 'E_LUCK', data: { n: 1 } });
    expect((await pool.run({ op: 'pid' })).value).toBe(pid);
  });

  it('kills a task past its deadline (even a blocked event loop) and keeps serving', async () => {
    const pool = makePool();
    const before = (await pool.run({ op: 'pid' })).value as number;
    const started = Date.now();
    const err = await pool.run({ op: 'spin' }, { timeoutMs: 500 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineTimeoutError);
    expect((err as Error).message).toBe('test-engine timed out after 0.5 s');
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await waitFor(() => !isAlive(before), 3000)).toBe(true);
    const after = await pool.run({ op: 'echo', value: 'still here' });
    expect(after.value).toBe('still here');
    expect(after.pid).not.toBe(before);
  });

  it('turns a crash into EngineCrashError with a readable reason and replaces the child', async () => {
    const pool = makePool();
    const segv = await pool.run({ op: 'signal', signal: 'SIGSEGV' }).catch((e: unknown) => e);
    expect(segv).toBeInstanceOf(EngineCrashError);
    expect((segv as Error).message).toBe(
      'test-engine crashed: killed by signal SIGSEGV (segmentation fault)',
    );
    const exited = await pool.run({ op: 'exit', code: 3 }).catch((e: unknown) => e);
    expect(exited).toBeInstanceOf(EngineCrashError);
    expect((exited as Error).message).toBe('test-engine crashed: exited with code 3');
    expect((await pool.run({ op: 'echo', value: 1 })).value).toBe(1);
  });

  it('fails the task of a child killed from outside mid-task, then serves the next task', async () => {
    const pool = makePool();
    const pending = pool.run({ op: 'hang' }).catch((e: unknown) => e);
    const pid = await busyPid(pool);
    process.kill(pid, 'SIGKILL');
    const err = await pending;
    expect(err).toBeInstanceOf(EngineCrashError);
    expect((err as Error).message).toContain('killed by signal SIGKILL');
    expect((await pool.run({ op: 'echo', value: 'next' })).value).toBe('next');
  });

  it('enforces the RSS cap and names it', async () => {
    const pool = makePool({ memoryLimitMb: 200, memoryPollMs: 100 });
    const err = await pool.run({ op: 'alloc', mb: 400 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LimitExceededError);
    expect((err as Error).message).toMatch(
      /^test-engine exceeded its memory cap of 200 MB \(resident \d+ MB\)$/,
    );
    expect((await pool.run({ op: 'echo', value: 'ok' })).value).toBe('ok');
  });

  it('replaces a child that keeps more than half its cap after a task (a grown heap never shrinks)', async () => {
    const pool = makePool({ memoryLimitMb: 400, memoryPollMs: 100 });
    const bloated = (await pool.run({ op: 'hold', mb: 250 })).value as number;
    const next = (await pool.run({ op: 'pid' })).value as number;
    expect(next).not.toBe(bloated);
    expect(await waitFor(() => !isAlive(bloated), 3000)).toBe(true);
    // A child that stays small is kept.
    const small = (await pool.run({ op: 'hold', mb: 1 })).value as number;
    expect((await pool.run({ op: 'pid' })).value).toBe(small);
  });

  it('aborts: a running task’s child is killed, a queued task is dropped, the reason is kept', async () => {
    const pool = makePool();
    const controller = new AbortController();
    const running = pool.run({ op: 'hang' }, { signal: controller.signal }).catch((e: unknown) => e);
    const pid = await busyPid(pool);
    const queuedController = new AbortController();
    const queued = pool
      .run({ op: 'echo', value: 'never' }, { signal: queuedController.signal })
      .catch((e: unknown) => e);
    queuedController.abort(new ValidationError('caller changed its mind'));
    controller.abort();
    const err = await running;
    expect(err).toBeInstanceOf(CancelledError);
    expect((err as Error).message).toBe('test-engine task was cancelled');
    expect(await queued).toEqual(new ValidationError('caller changed its mind'));
    expect(await waitFor(() => !isAlive(pid), 3000)).toBe(true);
    const already = await pool.run({ op: 'pid' }, { signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(already).toBeInstanceOf(CancelledError);
    expect((await pool.run({ op: 'echo', value: 'after' })).value).toBe('after');
  });

  it('rejects at once when the queue is full', async () => {
    const pool = makePool({ size: 1, maxQueue: 1 });
    const controller = new AbortController();
    const running = pool.run({ op: 'hang' }, { signal: controller.signal }).catch((e: unknown) => e);
    await busyPid(pool);
    const waiting = pool.run({ op: 'echo', value: 'waited' });
    const err = await pool.run({ op: 'echo', value: 'rejected' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DependencyUnavailableError);
    expect((err as Error).message).toBe('test-engine engine is busy: its queue is full (1 tasks waiting)');
    controller.abort();
    await running;
    expect((await waiting).value).toBe('waited');
  });

  it('maxQueue 0 still lets a task wait for a child that is starting', async () => {
    const pool = makePool({ maxQueue: 0 });
    expect((await pool.run({ op: 'echo', value: 'first' })).value).toBe('first');
  });

  it('close() during warmup() settles warmup()', async () => {
    const pool = makePool({ size: 2 });
    const warming = pool.warmup().catch((e: unknown) => e);
    await pool.close();
    expect(await warming).toBeInstanceOf(DependencyUnavailableError);
  });

  it('runs tasks in parallel up to size, one per child', async () => {
    const pool = makePool({ size: 2 });
    await pool.warmup();
    const started = Date.now();
    const results = await Promise.all([
      pool.run({ op: 'sleep', ms: 600 }),
      pool.run({ op: 'sleep', ms: 600 }),
    ]);
    expect(Date.now() - started).toBeLessThan(1100);
    expect(new Set(results.map((r) => r.pid)).size).toBe(2);
  });

  it('recycles a child after maxTasksPerChild tasks', async () => {
    const pool = makePool({ maxTasksPerChild: 2 });
    const pids: unknown[] = [];
    for (let i = 0; i < 3; i++) pids.push((await pool.run({ op: 'pid' })).value);
    expect(pids[0]).toBe(pids[1]);
    expect(pids[2]).not.toBe(pids[0]);
    expect(await waitFor(() => !isAlive(pids[0] as number), 3000)).toBe(true);
  });

  it('close() kills the children and fails running, queued and later tasks', async () => {
    const pool = makePool({ size: 1 });
    const running = pool.run({ op: 'hang' }).catch((e: unknown) => e);
    const pid = await busyPid(pool);
    const queued = pool.run({ op: 'echo', value: 1 }).catch((e: unknown) => e);
    await pool.close();
    expect(await running).toBeInstanceOf(DependencyUnavailableError);
    expect(await queued).toBeInstanceOf(DependencyUnavailableError);
    expect(isAlive(pid)).toBe(false);
    await expect(pool.run({ op: 'pid' })).rejects.toThrow('test-engine engine is shut down');
  });

  it('fails a task with DependencyUnavailableError when the child cannot start', async () => {
    const pool = makePool({ module: new URL('./__fixtures__/does-not-exist.ts', import.meta.url) });
    const err = await pool.run({ op: 'pid' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DependencyUnavailableError);
    expect((err as Error).message).toMatch(/^test-engine engine failed to start: it exited with code 70/);
  });
});

describe('children never outlive the parent', () => {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const parentScript = fileURLToPath(new URL('./__fixtures__/parent.ts', import.meta.url));

  async function startParent(
    mode: string,
  ): Promise<{ parentPid: number; childPid: number; exited: Promise<number | null> }> {
    const parent = spawn(process.execPath, ['--import', tsx, parentScript, mode], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<number | null>((resolve) => parent.on('exit', (code) => resolve(code)));
    const childPid = await new Promise<number>((resolve, reject) => {
      let out = '';
      parent.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const m = /child (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      setTimeout(() => reject(new Error(`parent printed no child pid: ${out}`)), 15_000).unref();
    });
    return { parentPid: parent.pid!, childPid, exited };
  }

  it.each(['hang', 'spin'])('a child busy with a %s task dies when its parent is SIGKILLed', async (mode) => {
    const { parentPid, childPid } = await startParent(mode);
    expect(isAlive(childPid)).toBe(true);
    process.kill(parentPid, 'SIGKILL');
    expect(await waitFor(() => !isAlive(childPid), 5000)).toBe(true);
  });

  it('an idle pool does not keep the parent alive, and its child dies with it', async () => {
    const { childPid, exited } = await startParent('idle');
    expect(await exited).toBe(0);
    expect(await waitFor(() => !isAlive(childPid), 3000)).toBe(true);
  });
});

describe('helpers', () => {
  it('formats deadlines in seconds and exits for people', async () => {
    const { describeExit, formatSeconds } = await import('./process-info');
    expect([formatSeconds(30_000), formatSeconds(500), formatSeconds(1), formatSeconds(1234)]).toEqual([
      '30 s',
      '0.5 s',
      '0.001 s',
      '1.234 s',
    ]);
    expect(describeExit(null, 'SIGABRT')).toBe('killed by signal SIGABRT (aborted)');
    expect(describeExit(134, null)).toBe('exited with code 134 (probably signal 6)');
    expect(describeExit(2, null)).toBe('exited with code 2');
  });
});
