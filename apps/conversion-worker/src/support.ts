import path from 'node:path';
import { LimitExceededError, ValidationError } from '@quire/errors';
import { expandPageRanges, parsePageRanges, type PageRange } from '@quire/job-model';
import type { JobContext } from '@quire/worker-runtime';

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

/** Expands ranges against the document; a range past the end is the client's mistake (400-like, not retried). */
export function expandRangesParam(ranges: PageRange[], pageCount: number, field: string): number[] {
  const expanded = expandPageRanges(ranges, pageCount);
  if (!expanded.ok)
    throw new ValidationError(`${field}: ${expanded.problem}`, { details: { field, pageCount } });
  return expanded.pages;
}

/**
 * The stem of an uploaded file name, made safe for an output name (storage keys allow `A-Z a-z 0-9 . _ -` only):
 * "my report (final).pdf" → "my_report_final_"; never empty.
 */
export function baseName(fileName: string | undefined, fallback = 'document'): string {
  const base = path
    .basename(fileName ?? '', path.extname(fileName ?? ''))
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._]+/, '')
    .slice(0, 100);
  return base || fallback;
}

/** `n` zero-padded to the width of `total`, so names sort in page order. */
export function padded(n: number, total: number): string {
  return String(n).padStart(String(total).length, '0');
}

export interface Stage {
  stage: string;
  weight: number;
  message: string;
}

/**
 * Overall percent from stage weights (ARCHITECTURE §6): `report(stage, fraction)` maps a fraction of one stage onto
 * the whole job, never going backwards.
 */
export class StageProgress {
  private last = 0;

  constructor(
    private readonly ctx: Pick<JobContext, 'progress'>,
    private readonly stages: readonly Stage[],
  ) {}

  report(
    stage: string,
    fraction: number,
    message?: string,
    extra: { current?: number; total?: number } = {},
  ): void {
    let start = 0;
    let found: Stage | undefined;
    for (const s of this.stages) {
      if (s.stage === stage) {
        found = s;
        break;
      }
      start += s.weight;
    }
    if (!found) throw new Error(`unknown progress stage ${stage}`);
    const percent = Math.min(
      100,
      Math.max(this.last, Math.floor(start + found.weight * Math.min(1, Math.max(0, fraction)))),
    );
    this.last = percent;
    this.ctx.progress({ stage, percent, message: message ?? found.message, ...extra });
  }
}

/** Deadline of one engine run: base + per page (scaled), capped. */
export function scaledDeadline(
  base: number,
  perPage: number,
  max: number,
): (pages: number, factor?: number) => number {
  return (pages, factor = 1) => Math.min(max, Math.round(base + pages * perPage * factor));
}
