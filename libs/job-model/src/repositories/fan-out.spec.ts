import { describe, expect, it } from 'vitest';
import { planChunks } from './fan-out';

describe('planChunks (docs/architecture.md (fan-out))', () => {
  it('covers every page once, in order, the last chunk shorter', () => {
    expect(planChunks(120, 50)).toEqual([
      { index: 0, first: 1, last: 50 },
      { index: 1, first: 51, last: 100 },
      { index: 2, first: 101, last: 120 },
    ]);
    expect(planChunks(100, 50).map((c) => c.last)).toEqual([50, 100]);
    expect(planChunks(1, 50)).toEqual([{ index: 0, first: 1, last: 1 }]);
    expect(planChunks(3, 0)).toHaveLength(3);
  });
});
