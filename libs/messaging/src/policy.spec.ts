import { describe, expect, it } from 'vitest';
import { defineWorkerPolicy, WORKER_POLICY_DEFAULTS } from './policy';

const limits = { softTimeLimitMs: 60_000, hardTimeLimitMs: 120_000 };

describe('defineWorkerPolicy', () => {
  it('fills in the document-queue defaults around a worker’s own time limits', () => {
    expect(defineWorkerPolicy('compression', limits)).toMatchObject({
      queue: 'compression',
      prefetch: 1,
      concurrency: 1,
      retryDelaysMs: [60_000, 180_000, 600_000],
      maxAttempts: 4,
      jitter: 0.1,
      deliveryLimit: 5,
      unknownErrorRetries: 1,
      ...limits,
    });
  });

  it('takes what a worker states over the defaults, with prefetch following concurrency', () => {
    const policy = defineWorkerPolicy('maintenance', {
      ...limits,
      concurrency: 2,
      retryDelaysMs: [],
      maxAttempts: 1,
    });
    expect(policy).toMatchObject({ prefetch: 2, concurrency: 2, retryDelaysMs: [], maxAttempts: 1 });
  });

  it('lets the deployment override the retry tiers, and only when it sets them', () => {
    expect(defineWorkerPolicy('ocr', limits, { retryDelaysMs: [500, 500] }).retryDelaysMs).toEqual([
      500, 500,
    ]);
    expect(defineWorkerPolicy('ocr', limits, { retryDelaysMs: undefined }).retryDelaysMs).toEqual(
      WORKER_POLICY_DEFAULTS.retryDelaysMs,
    );
  });

  it('does not hand out the shared default tiers (a caller mutating its policy cannot change the next one)', () => {
    defineWorkerPolicy('a', limits).retryDelaysMs.push(1);
    expect(defineWorkerPolicy('b', limits).retryDelaysMs).toEqual([60_000, 180_000, 600_000]);
  });

  it('validates like defineQueuePolicy', () => {
    expect(() => defineWorkerPolicy('Bad Name', { softTimeLimitMs: 2_000, hardTimeLimitMs: 1_000 })).toThrow(
      /queue: .*hardTimeLimitMs must exceed softTimeLimitMs/s,
    );
  });
});
