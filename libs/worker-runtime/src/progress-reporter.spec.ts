import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { JobProgress } from '@quire/job-model';
import { ProgressReporter } from './progress-reporter';

describe('ProgressReporter', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function reporter(write: (p: JobProgress) => Promise<void> = () => Promise.resolve()) {
    const written: JobProgress[] = [];
    const errors: unknown[] = [];
    const r = new ProgressReporter(
      async (p) => {
        written.push(p);
        await write(p);
      },
      (err) => errors.push(err),
      500,
    );
    return { r, written, errors };
  }

  it('writes the first update at once, then at most one per interval, the latest one', async () => {
    const { r, written } = reporter();
    r.report({ stage: 'compression', percent: 10, message: 'page 1' });
    await vi.advanceTimersByTimeAsync(0);
    expect(written).toEqual([{ stage: 'compression', percent: 10, message: 'page 1' }]);

    r.report({ stage: 'compression', percent: 20, message: 'page 2' });
    r.report({ stage: 'compression', percent: 30, message: 'page 3' });
    await vi.advanceTimersByTimeAsync(499);
    expect(written).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(written.map((p) => p.percent)).toEqual([10, 30]);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(written).toHaveLength(2);
  });

  it('writes a stage change at once, even inside the interval', async () => {
    const { r, written } = reporter();
    r.report({ stage: 'analysis', percent: 5 });
    r.report({ stage: 'analysis', percent: 8 });
    r.report({ stage: 'conversion', percent: 15, message: 'rendering' });
    await vi.advanceTimersByTimeAsync(0);
    expect(written.map((p) => [p.stage, p.percent])).toEqual([
      ['analysis', 5],
      ['conversion', 15],
    ]);
  });

  it('keeps the last message and percent when an update leaves them out; clamps and rounds percent', async () => {
    const { r, written } = reporter();
    r.report({ stage: 'a', percent: 33.6, message: 'reading' });
    r.report({ stage: 'b' });
    r.report({ stage: 'c', percent: 140 });
    r.report({ stage: 'd', percent: -3 });
    await vi.advanceTimersByTimeAsync(0);
    expect(written).toEqual([
      { stage: 'a', percent: 34, message: 'reading' },
      { stage: 'b', percent: 34, message: 'reading' },
      { stage: 'c', percent: 100, message: 'reading' },
      { stage: 'd', percent: 0, message: 'reading' },
    ]);
  });

  it('drain() writes the pending update now and waits for every write', async () => {
    let release!: () => void;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const { r, written } = reporter(() => slow);
    r.report({ stage: 'x', percent: 1 });
    r.report({ stage: 'x', percent: 2 });
    let drained = false;
    const draining = r.drain().then(() => (drained = true));
    await vi.advanceTimersByTimeAsync(0);
    // Writes are serialised: the pending one waits for the slow first write.
    expect(written.map((p) => p.percent)).toEqual([1]);
    expect(drained).toBe(false);
    release();
    await draining;
    expect(written.map((p) => p.percent)).toEqual([1, 2]);
    // Nothing is left on a timer after a drain.
    expect(vi.getTimerCount()).toBe(0);
  });

  it('reports a failing write to onError and keeps writing', async () => {
    let fail = true;
    const { r, written, errors } = reporter(() =>
      fail ? Promise.reject(new Error('db down')) : Promise.resolve(),
    );
    r.report({ stage: 'a', percent: 1 });
    await vi.advanceTimersByTimeAsync(0);
    fail = false;
    r.report({ stage: 'b', percent: 2 });
    await r.drain();
    expect(errors.map(String)).toEqual(['Error: db down']);
    expect(written.map((p) => p.stage)).toEqual(['a', 'b']);
  });
});
