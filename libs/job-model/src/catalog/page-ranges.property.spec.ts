/**
 * Properties of the page-range parser and counter against hostile and random input: the parser never throws, the
 * arithmetic counts equal a brute-force enumeration, and the work stays bounded however large the document.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  PAGE_RANGE_LIMITS,
  listPages,
  mergePageRanges,
  parsePageRanges,
  selectPages,
  type PageRange,
} from './page-ranges';

/** Valid specs as text, with the ranges they mean. */
const rangeArb = (maxPage: number) =>
  fc
    .tuple(
      fc.integer({ min: 1, max: maxPage }),
      fc.option(fc.integer({ min: 0, max: maxPage }), { nil: undefined }),
      fc.constantFrom('range', 'single', 'open'),
    )
    .map(([start, len, kind]): { text: string; range: PageRange } => {
      if (kind === 'single') return { text: String(start), range: { start, end: start } };
      if (kind === 'open') return { text: `${start}-`, range: { start, end: undefined } };
      const end = start + (len ?? 0);
      return { text: `${start}-${end}`, range: { start, end } };
    });
const specArb = (maxPage: number, maxRanges: number) =>
  fc.array(rangeArb(maxPage), { minLength: 1, maxLength: maxRanges }).map((parts) => ({
    text: parts.map((p) => p.text).join(','),
    ranges: parts.map((p) => p.range),
  }));

/** Characters page-range strings are made of, plus a few that are not. */
const specishString = fc.string({
  unit: fc.constantFrom('0', '1', '2', '9', '-', ',', ' ', 'a', '\t', '٣', '+', '.', 'e'),
  maxLength: 60,
});

function bruteForce(ranges: readonly PageRange[], pageCount: number): number[] | null {
  const pages: number[] = [];
  for (const r of ranges) {
    const end = r.end ?? pageCount;
    if (r.start > pageCount || end > pageCount) return null;
    for (let p = r.start; p <= end; p++) pages.push(p);
  }
  return pages;
}

describe('page ranges (properties)', () => {
  it('never throws on any string: either ranges within the limits or a problem', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 3_000 }), specishString, fc.string({ unit: 'binary' })),
        (s) => {
          const r = parsePageRanges(s);
          if (r.ok) {
            expect(r.ranges.length).toBeGreaterThan(0);
            expect(r.ranges.length).toBeLessThanOrEqual(PAGE_RANGE_LIMITS.maxRanges);
            for (const { start, end } of r.ranges) {
              expect(Number.isSafeInteger(start) && start >= 1).toBe(true);
              if (end !== undefined) expect(Number.isSafeInteger(end) && end >= start).toBe(true);
              expect(Math.max(start, end ?? 0)).toBeLessThanOrEqual(PAGE_RANGE_LIMITS.maxPageNumber);
            }
          } else {
            expect(typeof r.problem).toBe('string');
          }
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('parses what it is given back (valid specs round-trip)', () => {
    fc.assert(
      fc.property(specArb(PAGE_RANGE_LIMITS.maxPageNumber / 2, 40), ({ text, ranges }) => {
        expect(parsePageRanges(text)).toEqual({ ok: true, ranges });
        expect(parsePageRanges(text.replace(/,/g, ' , ').replace(/-/g, ' - '))).toEqual({ ok: true, ranges });
      }),
    );
  });

  it('counts exactly what a brute-force enumeration lists (small documents)', () => {
    fc.assert(
      fc.property(specArb(30, 12), fc.integer({ min: 1, max: 40 }), ({ ranges }, pageCount) => {
        const expected = bruteForce(ranges, pageCount);
        const r = selectPages(ranges, pageCount);
        if (expected === null) return void expect(r.ok).toBe(false);
        if (!r.ok) throw new Error(r.problem);
        const distinct = [...new Set(expected)].sort((a, b) => a - b);
        expect(r.selection.count).toBe(expected.length);
        expect(r.selection.distinctCount).toBe(distinct.length);
        expect(listPages(r.selection, 'in-order', expected.length)).toEqual(expected);
        expect(listPages(r.selection, 'distinct', distinct.length)).toEqual(distinct);
        const merged = mergePageRanges(ranges);
        expect(bruteForce(merged, pageCount)).toEqual(distinct);
        for (let i = 1; i < merged.length; i++)
          expect(merged[i].start).toBeGreaterThan((merged[i - 1].end ?? Infinity) + 1);
      }),
      { numRuns: 1_000 },
    );
  });

  it('counts any allowed selection over 100,000 pages in bounded time', () => {
    let worst = 0;
    fc.assert(
      fc.property(
        specArb(100_000, PAGE_RANGE_LIMITS.maxRanges),
        fc.integer({ min: 1, max: 100_000 }),
        ({ ranges }, pageCount) => {
          const started = performance.now();
          const r = selectPages(ranges, pageCount);
          if (r.ok) mergePageRanges(r.selection.ranges);
          worst = Math.max(worst, performance.now() - started);
        },
      ),
      { numRuns: 300 },
    );
    // A few hundred ranges sorted once: well under a millisecond each; 50 ms leaves room for a loaded machine.
    expect(worst).toBeLessThan(50);
  });
});
