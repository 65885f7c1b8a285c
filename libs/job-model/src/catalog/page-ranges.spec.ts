import { describe, expect, it } from 'vitest';
import { expandPageRanges, parsePageRanges } from './page-ranges';

describe('page ranges', () => {
  it('parses the contract syntax', () => {
    const r = parsePageRanges('1-3,5,8-');
    expect(r).toEqual({
      ok: true,
      ranges: [
        { start: 1, end: 3 },
        { start: 5, end: 5 },
        { start: 8, end: undefined },
      ],
    });
    if (r.ok) expect(expandPageRanges(r.ranges, 9)).toEqual({ ok: true, pages: [1, 2, 3, 5, 8, 9] });
  });
  it.each(['', '0', '3-1', 'a', '1,,2', '-3'])('rejects %j', (spec) => {
    expect(parsePageRanges(spec).ok).toBe(false);
  });
  it('reports pages outside the document', () => {
    const r = parsePageRanges('2-5');
    expect(r.ok && expandPageRanges(r.ranges, 3).ok).toBe(false);
  });
});
