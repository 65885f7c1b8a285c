import { LimitExceededError, ValidationError } from '@quire/errors';
import { parsePageRanges, selectPages, type PageRange, type PageSelection } from '@quire/job-model';

/** The guards every conversion job passes before its engine runs; each exceeded one fails the job naming it. */
export interface ConversionLimits {
  /** Pages one job may process (rendered, merged, or in the document being split). */
  maxPages: number;
  /** Output files one job may produce. */
  maxOutputs: number;
  /** Pixels (width × height) of one rendered page. */
  maxPixelsPerPage: number;
}

export function assertPageLimit(pages: number, limits: ConversionLimits, what: string): void {
  if (pages > limits.maxPages) {
    throw new LimitExceededError(
      `page limit exceeded: ${what} ${pages} pages; the limit is ${limits.maxPages} pages per job`,
      {
        details: { limit: 'maxPagesPerJob', pages, maxPages: limits.maxPages },
      },
    );
  }
}

export function assertOutputLimit(outputs: number, limits: ConversionLimits): void {
  if (outputs > limits.maxOutputs) {
    throw new LimitExceededError(
      `output limit exceeded: the job would produce ${outputs} files; the limit is ${limits.maxOutputs} outputs per job`,
      {
        details: { limit: 'maxOutputsPerJob', outputs, maxOutputs: limits.maxOutputs },
      },
    );
  }
}

/** Parses a page-range param (already validated at the gateway; re-checked because params come from the DB). */
export function parseRangesParam(spec: string, field: string): PageRange[] {
  const parsed = parsePageRanges(spec);
  if (!parsed.ok) throw new ValidationError(`${field}: ${parsed.problem}`);
  return parsed.ranges;
}

/**
 * Resolves ranges against the document, counted and not listed: the caller checks its limits on the counts
 * before listing any page. A range past the end is the client's mistake (400-like, not retried).
 */
export function selectRangesParam(ranges: PageRange[], pageCount: number, field: string): PageSelection {
  const selected = selectPages(ranges, pageCount);
  if (!selected.ok)
    throw new ValidationError(`${field}: ${selected.problem}`, { details: { field, pageCount } });
  return selected.selection;
}

export { baseName, padded, StageProgress, scaledDeadline, type Stage } from '@quire/worker-runtime';
