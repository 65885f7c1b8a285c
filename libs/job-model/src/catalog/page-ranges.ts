/** A 1-based inclusive page range; `end` undefined means "to the last page" (`8-`). */
export interface PageRange {
  start: number;
  end: number | undefined;
}

const PART = /^(\d+)(?:\s*-\s*(\d*))?$/;

/**
 * Parses the contract's page-range syntax `1-3,5,8-` (1-based, inclusive, open-ended allowed).
 * Returns a description of the problem instead of throwing so zod can attach it to the right field.
 */
export function parsePageRanges(
  spec: string,
): { ok: true; ranges: PageRange[] } | { ok: false; problem: string } {
  const parts = spec.split(',').map((p) => p.trim());
  if (parts.length === 0 || parts.some((p) => p === ''))
    return { ok: false, problem: `empty range in "${spec}"` };
  const ranges: PageRange[] = [];
  for (const part of parts) {
    const m = PART.exec(part);
    if (!m) return { ok: false, problem: `"${part}" is not a page or range (use e.g. 1-3,5,8-)` };
    const start = Number(m[1]);
    const hasDash = part.includes('-');
    const end = hasDash ? (m[2] === '' ? undefined : Number(m[2])) : start;
    if (start < 1) return { ok: false, problem: `pages start at 1, got "${part}"` };
    if (end !== undefined && end < start)
      return { ok: false, problem: `range "${part}" ends before it starts` };
    ranges.push({ start, end });
  }
  return { ok: true, ranges };
}

/** Expands ranges against a document's page count; pages past the end are an error the caller reports. */
export function expandPageRanges(
  ranges: PageRange[],
  pageCount: number,
): { ok: true; pages: number[] } | { ok: false; problem: string } {
  const pages: number[] = [];
  for (const r of ranges) {
    const end = r.end ?? pageCount;
    if (r.start > pageCount || end > pageCount) {
      return {
        ok: false,
        problem: `page range ${r.start}-${r.end ?? ''} is outside the document (${pageCount} pages)`,
      };
    }
    for (let p = r.start; p <= end; p++) pages.push(p);
  }
  return { ok: true, pages };
}
