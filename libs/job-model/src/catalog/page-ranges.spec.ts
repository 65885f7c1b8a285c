import { describe, expect, it } from 'vitest';
import {
  PAGE_RANGE_LIMITS,
  listPages,
  mergePageRanges,
  parsePageRanges,
  selectPages,
  type PageRange,
} from './page-ranges';

function parsed(spec: string): PageRange[] {
  const r = parsePageRanges(spec);
  if (!r.ok) throw new Error(r.problem);
  return r.ranges;
}

function selected(spec: string, pageCount: number) {
  const r = selectPages(parsed(spec), pageCount);
  if (!r.ok) throw new Error(r.problem);
  return r.selection;
}

describe('page ranges', () => {
  it('parses the contract syntax', () => {
    expect(parsePageRanges('1-3,5,8-')).toEqual({
      ok: true,
      ranges: [
        { start: 1, end: 3 },
        { start: 5, end: 5 },
        { start: 8, end: undefined },
      ],
    });
    expect(listPages(selected('1-3,5,8-', 9), 'in-order', 100)).toEqual([1, 2, 3, 5, 8, 9]);
  });

  it.each(['', '0', '3-1', 'a', '1,,2', '-3', '1e3', '0x10', '1-2-3'])('rejects %j', (spec) => {
    expect(parsePageRanges(spec).ok).toBe(false);
  });

  it('reports pages outside the document', () => {
    expect(selectPages(parsed('2-5'), 3)).toEqual({
      ok: false,
      problem: 'page range 2-5 is outside the document (3 pages)',
    });
    expect(selectPages(parsed('4-'), 3).ok).toBe(false);
  });

  it('bounds the string: length, number of ranges and page numbers', () => {
    const tooMany = Array.from({ length: PAGE_RANGE_LIMITS.maxRanges + 1 }, () => '1-').join(',');
    expect(parsePageRanges(tooMany)).toEqual({
      ok: false,
      problem: `too many page ranges (${PAGE_RANGE_LIMITS.maxRanges + 1}; at most ${PAGE_RANGE_LIMITS.maxRanges})`,
    });
    const atLimit = Array.from({ length: PAGE_RANGE_LIMITS.maxRanges }, () => '1-').join(',');
    expect(parsePageRanges(atLimit).ok).toBe(true);
    expect(parsePageRanges('1,'.repeat(2_000) + '1')).toMatchObject({ ok: false });
    expect(parsePageRanges(` ${'1'.padStart(PAGE_RANGE_LIMITS.maxLength, ' ')}`)).toEqual({
      ok: false,
      problem: `page ranges are longer than ${PAGE_RANGE_LIMITS.maxLength} characters`,
    });
    // 400 digits parse to Infinity: refused, never counted.
    expect(parsePageRanges('1-' + '9'.repeat(400)).ok).toBe(false);
    expect(parsePageRanges(`1-${PAGE_RANGE_LIMITS.maxPageNumber}`).ok).toBe(true);
    expect(parsePageRanges(`${PAGE_RANGE_LIMITS.maxPageNumber + 1}`).ok).toBe(false);
  });

  it('counts repeats and distinct pages without listing them', () => {
    const s = selected('1-3,2,5-,3', 6);
    expect(s.count).toBe(3 + 1 + 2 + 1);
    expect(s.distinctCount).toBe(5);
    expect(listPages(s, 'in-order', 7)).toEqual([1, 2, 3, 2, 5, 6, 3]);
    expect(listPages(s, 'distinct', 5)).toEqual([1, 2, 3, 5, 6]);
  });

  it('refuses to list more pages than the caller allows', () => {
    const s = selected('1-,1-', 10);
    expect(() => listPages(s, 'in-order', 19)).toThrow(RangeError);
    expect(listPages(s, 'distinct', 10)).toHaveLength(10);
  });

  it('merges ranges into sorted disjoint ones (open ends absorb the rest)', () => {
    expect(mergePageRanges(parsed('8-9,1-3,2-4,5,20-,25,30-40'))).toEqual([
      { start: 1, end: 5 },
      { start: 8, end: 9 },
      { start: 20, end: undefined },
    ]);
    expect(mergePageRanges(parsed('3,1'))).toEqual([
      { start: 1, end: 1 },
      { start: 3, end: 3 },
    ]);
  });

  // The incident: a few hundred `1-` against a 100,000-page document took 1.2 GB and 9 s to expand. Counting it
  // must take neither time nor memory.
  it('counts 256 × "1-" over 100,000 pages in bounded time and memory', () => {
    const spec = Array.from({ length: PAGE_RANGE_LIMITS.maxRanges }, () => '1-').join(',');
    const heapBefore = process.memoryUsage().heapUsed;
    const started = performance.now();
    const s = selected(spec, 100_000);
    const ms = performance.now() - started;
    expect(s.count).toBe(256 * 100_000);
    expect(s.distinctCount).toBe(100_000);
    expect(ms).toBeLessThan(50);
    // Listing those pages would need > 200 MB; counting them needs a few KB (GC noise allowed for).
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(8 * 1024 * 1024);
    expect(() => listPages(s, 'in-order', 2_000)).toThrow(RangeError);
  });
});
