import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { MAX_DOCUMENT_PAGES } from '@quire/engine-pdf';
import { splitPdf, toQpdfRanges, type Qpdf } from '@quire/engine-qpdf';
import { listPages, type JobResult } from '@quire/job-model';
import type { JobHandler } from '@quire/worker-runtime';
import {
  assertOutputLimit,
  assertPageLimit,
  baseName,
  padded,
  parseRangesParam,
  selectRangesParam,
  StageProgress,
  type ConversionLimits,
} from '../support';

export interface SplitDeps {
  qpdf: Qpdf;
  limits: ConversionLimits;
  /** Deadline of one qpdf run from the pages it handles. */
  timeoutMs: (pages: number) => number;
}

const STAGES = [
  { stage: 'initialization', weight: 5, message: 'Preparing split' },
  { stage: 'analysis', weight: 5, message: 'Counting pages' },
  { stage: 'splitting', weight: 75, message: 'Splitting the document' },
  { stage: 'finalization', weight: 15, message: 'Storing the parts' },
] as const;

/** [1..n] in chunks of `size`. */
function chunks(pageCount: number, size: number): number[][] {
  const out: number[][] = [];
  for (let start = 1; start <= pageCount; start += size) {
    out.push(Array.from({ length: Math.min(size, pageCount - start + 1) }, (_, i) => start + i));
  }
  return out;
}

/** "report-pages-01-03.pdf", "report-page-05.pdf", "report-pages-01-03_05.pdf": named by the part's ranges. */
export function partName(base: string, pages: readonly number[], pageCount: number): string {
  if (pages.length === 1) return `${base}-page-${padded(pages[0], pageCount)}.pdf`;
  const label = toQpdfRanges(pages)
    .split(',')
    .map((r) =>
      r
        .split('-')
        .map((n) => padded(Number(n), pageCount))
        .join('-'),
    )
    .join('_');
  return `${base}-pages-${label}.pdf`;
}

/**
 * `split`: by page ranges (`{ mode: 'ranges', ranges }`, one output per range), every N pages, or one file per
 * page. Outputs are named by their ranges. Every part keeps the document's metadata.
 */
export function splitHandler(deps: SplitDeps): JobHandler<'split'> {
  return async (ctx): ReturnType<JobHandler<'split'>> => {
    const params = ctx.params;
    const progress = new StageProgress(ctx, STAGES);
    progress.report('initialization', 0, 'Fetching the document');
    const inputPath = await ctx.inputPath(0);

    progress.report('analysis', 0);
    const pageCount = await deps.qpdf.countPages(inputPath, {
      signal: ctx.signal,
      maxPages: MAX_DOCUMENT_PAGES,
      timeoutMs: deps.timeoutMs(0),
    });
    // Every limit is checked on counts (outputs, pages with repeats) before any part's page list is built.
    let parts: number[][];
    if (params.mode === 'ranges') {
      const selections = params.ranges.map((spec, i) =>
        selectRangesParam(parseRangesParam(spec, `ranges[${i}]`), pageCount, `ranges[${i}]`),
      );
      assertOutputLimit(selections.length, deps.limits);
      assertPageLimit(
        selections.reduce((n, s) => n + s.count, 0),
        deps.limits,
        'the split would write',
      );
      parts = selections.map((s) => listPages(s, 'in-order', deps.limits.maxPages));
    } else {
      const size = params.mode === 'every' ? params.every : 1;
      assertOutputLimit(Math.ceil(pageCount / size), deps.limits);
      assertPageLimit(pageCount, deps.limits, 'the split would write');
      parts = chunks(pageCount, size);
    }
    ctx.checkpoint();

    const base = baseName(ctx.job.inputs[0]?.name);
    const used = new Map<string, number>();
    const names = parts.map((pages) => {
      const name = partName(base, pages, pageCount);
      const seen = (used.get(name) ?? 0) + 1;
      used.set(name, seen);
      return seen === 1 ? name : name.replace(/\.pdf$/, `-${seen}.pdf`);
    });
    const dir = path.join(ctx.tempDir, 'parts');
    await mkdir(dir, { recursive: true });
    const total = parts.length;
    progress.report('splitting', 0, `Writing ${total} part${total === 1 ? '' : 's'}`, { current: 0, total });
    const split = await splitPdf(deps.qpdf, {
      inputPath,
      pageCount,
      parts,
      outputPaths: names.map((n) => path.join(dir, n)),
      signal: ctx.signal,
      timeoutMs: ({ pages }) => deps.timeoutMs(pages),
      onPart: (done) =>
        progress.report('splitting', done / total, `Wrote part ${done} of ${total}`, {
          current: done,
          total,
        }),
    });

    const outputs: JobResult<'split'>['outputs'] = [];
    for (const [i, part] of split.parts.entries()) {
      const saved = await ctx.saveOutput(part.path, names[i]);
      outputs.push({
        name: names[i],
        key: saved.key,
        bytes: saved.bytes,
        pages: part.pages,
        range: toQpdfRanges(parts[i]),
        contentType: 'application/pdf',
      });
      progress.report('finalization', (i + 1) / total, `Stored part ${i + 1} of ${total}`);
      ctx.checkpoint();
    }
    return {
      mode: params.mode,
      ...(params.mode === 'every' ? { every: params.every } : {}),
      pageCount,
      parts: total,
      ...(split.warnings.length > 0 ? { repairs: split.warnings.slice(0, 10) } : {}),
      outputs,
    };
  };
}
