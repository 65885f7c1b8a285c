import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fairPublishingEnvFields, fairPublishingFrom } from './fair-publishing-config';

const schema = z.object({ ...fairPublishingEnvFields, QUIRE_STALE_AFTER_MS: z.number().optional() });

describe('fair publishing settings', () => {
  it('defaults to a cap of one unclaimed message per tenant and queue, no override, no window', () => {
    expect(fairPublishingFrom(schema.parse({}))).toEqual({ cap: 1, capByQueue: {}, windowByQueue: {} });
  });

  it('takes per-queue caps and windows as JSON, and the stale threshold when the app has one', () => {
    const parsed = schema.parse({
      QUIRE_FAIR_PUBLISH_CAP: '2',
      QUIRE_FAIR_PUBLISH_CAP_BY_QUEUE: '{"ai-extraction": 4}',
      QUIRE_FAIR_PUBLISH_WINDOW_BY_QUEUE: '{"compression": 3}',
      QUIRE_STALE_AFTER_MS: 10_000,
    });
    expect(fairPublishingFrom(parsed)).toEqual({
      cap: 2,
      capByQueue: { 'ai-extraction': 4 },
      windowByQueue: { compression: 3 },
      staleAfterMs: 10_000,
    });
  });

  it.each([
    ['QUIRE_FAIR_PUBLISH_CAP', '0'],
    ['QUIRE_FAIR_PUBLISH_CAP_BY_QUEUE', 'not json'],
    ['QUIRE_FAIR_PUBLISH_CAP_BY_QUEUE', '{"no-such-queue": 2}'],
    ['QUIRE_FAIR_PUBLISH_WINDOW_BY_QUEUE', '{"compression": 0}'],
  ])('refuses %s=%s at start', (name, value) => {
    expect(schema.safeParse({ [name]: value }).success).toBe(false);
  });
});
