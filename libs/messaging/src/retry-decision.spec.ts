import { describe, expect, it } from 'vitest';
import {
  CorruptPdfError,
  DependencyUnavailableError,
  InternalError,
  RateLimitedError,
  TimeoutError,
} from '@quire/errors';
import { defineQueuePolicy } from './policy';
import { decideDisposition } from './retry-decision';

const policy = defineQueuePolicy({
  queue: 'compression',
  prefetch: 1,
  concurrency: 1,
  retryDelaysMs: [60_000, 180_000, 600_000],
  maxAttempts: 4,
  deliveryLimit: 5,
  softTimeLimitMs: 1000,
  hardTimeLimitMs: 2000,
});

describe('decideDisposition', () => {
  it('fails non-retryable errors at once without dead-lettering', () => {
    expect(decideDisposition(new CorruptPdfError('bad xref'), 1, policy)).toEqual({
      kind: 'fail',
      deadLetter: false,
      reason: 'bad xref',
    });
  });
  it('walks the retry tiers with jitter inside ±10 %', () => {
    const d1 = decideDisposition(new DependencyUnavailableError('db down'), 1, policy, () => 0);
    const d3 = decideDisposition(new TimeoutError('slow'), 3, policy, () => 1);
    expect(d1).toEqual({ kind: 'retry', delayMs: 54_000, tierMs: 60_000, attempt: 2 });
    expect(d3).toEqual({ kind: 'retry', delayMs: 660_000, tierMs: 600_000, attempt: 4 });
  });
  it('honours Retry-After: waits at least that long, in the first tier that can hold the wait', () => {
    const soon = decideDisposition(new RateLimitedError('429', { retryAfterMs: 5_000 }), 1, policy, () => 0);
    expect(soon).toEqual({ kind: 'retry', delayMs: 54_000, tierMs: 60_000, attempt: 2 }); // the tier is longer anyway
    const later = decideDisposition(
      new RateLimitedError('429', { retryAfterMs: 120_000 }),
      1,
      policy,
      () => 0,
    );
    expect(later).toEqual({ kind: 'retry', delayMs: 120_000, tierMs: 180_000, attempt: 2 }); // 60 s tier holds ≤ 90 s
    const huge = decideDisposition(
      new DependencyUnavailableError('503', { retryAfterMs: 3_600_000 }),
      1,
      policy,
      () => 0,
    );
    expect(huge).toEqual({ kind: 'retry', delayMs: 900_000, tierMs: 600_000, attempt: 2 }); // the longest ceiling
  });
  it('dead-letters when attempts are exhausted', () => {
    const d = decideDisposition(new TimeoutError('slow'), 4, policy);
    expect(d).toMatchObject({ kind: 'fail', deadLetter: true });
  });
  it('retries unknown errors once', () => {
    expect(decideDisposition(new InternalError(), 1, policy).kind).toBe('retry');
    expect(decideDisposition(new InternalError(), 2, policy)).toMatchObject({
      kind: 'fail',
      deadLetter: true,
    });
  });
  it('honours per-policy code overrides', () => {
    const p = defineQueuePolicy({ ...policy, noRetryCodes: ['TIMEOUT'], retryCodes: ['PDF_CORRUPT'] });
    expect(decideDisposition(new TimeoutError('x'), 1, p).kind).toBe('fail');
    expect(decideDisposition(new CorruptPdfError('x'), 1, p).kind).toBe('retry');
  });
  it('rejects unknown policy keys', () => {
    expect(() => defineQueuePolicy({ ...policy, retries: 3 } as never)).toThrow(/retries/);
  });
});
