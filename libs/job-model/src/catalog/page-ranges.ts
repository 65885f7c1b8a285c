/** A 1-based inclusive page range; `end` undefined means "to the last page" (`8-`). */
export interface PageRange {
  start: number;
  end: number | undefined;
}

/**
 * Bounds of one page-range string. Selections are counted arithmetically (never page by page), so these bound the
 * parser's own work and what a job row stores, not the pages a job may process (the workers' page limits do that).
 */
export const PAGE_RANGE_LIMITS = {
  /** Characters of one page-range string. */
  maxLength: 2_048,
  /** Comma-separated parts of one page-range string. */
  maxRanges: 256,
  /** The largest page number accepted: far above any document a worker opens (100,000 pages), exact in a double. */
  maxPageNumber: 10_000_000,
} as const;

const PART = /^(\d+)(?:\s*-\s*(\d*))?$/;

/**
 * Parses the contract's page-range syntax `1-3,5,8-` (1-based, inclusive, open-ended allowed).
 * Returns a description of the problem instead of throwing so zod can attach it to the right field. The work is
 * bounded by `PAGE_RANGE_LIMITS` whatever the input.
 */
export function parsePageRanges(
  spec: string,
): { ok: true; ranges: PageRange[] } | { ok: false; problem: string } {
  const { maxLength, maxRanges, maxPageNumber } = PAGE_RANGE_LIMITS;
  if (spec.length > maxLength)
    return { ok: false, problem: `page ranges are longer than ${maxLength} characters` };
  const parts = spec.split(',').map((p) => p.trim());
  if (parts.length > maxRanges)
    return { ok: false, problem: `too many page ranges (${parts.length}; at most ${maxRanges})` };
  if (parts.some((p) => p === '')) return { ok: false, problem: `empty range in "${spec}"` };
  const ranges: PageRange[] = [];
  for (const part of parts) {
    const m = PART.exec(part);
    if (!m) return { ok: false, problem: `"${part}" is not a page or range (use e.g. 1-3,5,8-)` };
    const start = Number(m[1]);
    const hasDash = part.includes('-');
    const end = hasDash ? (m[2] === '' ? undefined : Number(m[2])) : start;
    if (start < 1) return { ok: false, problem: `pages start at 1, got "${part}"` };
    if (start > maxPageNumber || (end ?? 0) > maxPageNumber)
      return { ok: false, problem: `page numbers go up to ${maxPageNumber}, got "${part}"` };
    if (end !== undefined && end < start)
      return { ok: false, problem: `range "${part}" ends before it starts` };
    ranges.push({ start, end });
  }
  return { ok: true, ranges };
}

/** A page selection resolved against a document: counted, not listed. */
export interface PageSelection {
  /** The ranges in the caller's order, open ends closed at the last page (repeats and overlaps kept). */
  readonly ranges: ReadonlyArray<{ start: number; end: number }>;
  /** Pages counting repeats (`1-3,2` → 4): what merge and split write. */
  readonly count: number;
  /** Distinct pages (`1-3,2` → 3): what convert-to-images and extract-text process. */
  readonly distinctCount: number;
}

/**
 * Resolves ranges against a document's page count without listing a single page (O(ranges · log ranges)), so
 * every limit can be checked on `count` / `distinctCount` before anything is materialised. A range past the end
 * is a problem the caller reports.
 */
export function selectPages(
  ranges: readonly PageRange[],
  pageCount: number,
): { ok: true; selection: PageSelection } | { ok: false; problem: string } {
  const closed: Array<{ start: number; end: number }> = [];
  let count = 0;
  for (const r of ranges) {
    const end = r.end ?? pageCount;
    if (r.start > pageCount || end > pageCount) {
      return {
        ok: false,
        problem: `page range ${r.start}-${r.end ?? ''} is outside the document (${pageCount} pages)`,
      };
    }
    closed.push({ start: r.start, end });
    count += end - r.start + 1;
  }
  const distinctCount = mergePageRanges(closed).reduce((n, r) => n + (r.end ?? pageCount) - r.start + 1, 0);
  return { ok: true, selection: { ranges: closed, count, distinctCount } };
}

/**
 * The same pages as sorted, disjoint, non-adjacent ranges (an open end absorbs everything after its start). What an
 * engine that reads each page once (sizes, text layer) should be given: at most one pass over each page however
 * often the caller repeated it.
 */
export function mergePageRanges(ranges: readonly PageRange[]): PageRange[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  const out: PageRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && (last.end === undefined || r.start <= last.end + 1)) {
      if (last.end !== undefined) last.end = r.end === undefined ? undefined : Math.max(last.end, r.end);
      continue;
    }
    out.push({ start: r.start, end: r.end });
  }
  return out;
}

/**
 * Lists the selected pages: `in-order` repeats them as asked (merge and split, where order and repeats mean
 * something), `distinct` sorts and deduplicates (rendering, text). Refuses to list more than `max` pages: the
 * caller checks its limits on the selection's counts first, so this is never where a huge selection is found.
 */
export function listPages(selection: PageSelection, order: 'in-order' | 'distinct', max: number): number[] {
  const n = order === 'in-order' ? selection.count : selection.distinctCount;
  if (n > max)
    throw new RangeError(`refusing to list ${n} pages (at most ${max}): check the page limit first`);
  const pages: number[] = [];
  const ranges = order === 'in-order' ? selection.ranges : mergePageRanges(selection.ranges);
  for (const r of ranges) for (let p = r.start; p <= (r.end ?? r.start); p++) pages.push(p);
  return pages;
}
