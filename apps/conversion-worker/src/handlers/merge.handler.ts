import path from 'node:path';
import { ValidationError } from '@quire/errors';
import { MAX_DOCUMENT_PAGES } from '@quire/engine-pdf';
import { mergePdfs, toQpdfRanges, type Qpdf } from '@quire/engine-qpdf';
import { listPages, paramsProblemForInputs } from '@quire/job-model';
import type { JobHandler } from '@quire/worker-runtime';
import {
  assertPageLimit,
  baseName,
  parseRangesParam,
  selectRangesParam,
  StageProgress,
  type ConversionLimits,
} from '../support';

export interface MergeDeps {
  qpdf: Qpdf;
  limits: ConversionLimits;
  /** Deadline of one qpdf run from the pages it handles. */
  timeoutMs: (pages: number) => number;
}

const STAGES = [
  { stage: 'initialization', weight: 5, message: 'Preparing merge' },
  { stage: 'analysis', weight: 15, message: 'Counting pages' },
  { stage: 'merging', weight: 75, message: 'Merging documents' },
  { stage: 'finalization', weight: 5, message: 'Finalizing result' },
] as const;

/**
 * `merge`: the uploaded PDFs in upload order, each restricted to its page range (`params.ranges[i]`, default all
 * pages), into one PDF with exactly the selected pages in order. Metadata and bookmarks come from the first file
 * (qpdf keeps the primary input's document-level data; see @quire/engine-qpdf).
 */
export function mergeHandler(deps: MergeDeps): JobHandler<'merge'> {
  return async (ctx): ReturnType<JobHandler<'merge'>> => {
    const progress = new StageProgress(ctx, STAGES);
    const inputs = ctx.job.inputs;
    const ranges = ctx.params.ranges;
    // Checked at the gateway too (400); params come back from the database here.
    const problem = paramsProblemForInputs('merge', ctx.params, inputs.length);
    if (problem) throw new ValidationError(problem, { details: { field: 'ranges' } });
    progress.report('initialization', 0, `Fetching ${inputs.length} documents`);
    const paths: string[] = [];
    for (let i = 0; i < inputs.length; i++) {
      paths.push(await ctx.inputPath(i));
      ctx.checkpoint();
    }

    const selected: Array<{
      path: string;
      label: string;
      name: string;
      pageCount: number;
      pages: number[];
      range: string;
    }> = [];
    let total = 0;
    for (const [i, file] of paths.entries()) {
      const name = inputs[i].name;
      const label = `file #${i + 1} (${name})`;
      progress.report('analysis', i / paths.length, `Counting pages of ${label}`, {
        current: i,
        total: paths.length,
      });
      const pageCount = await deps.qpdf.countPages(file, {
        label,
        signal: ctx.signal,
        maxPages: MAX_DOCUMENT_PAGES,
        timeoutMs: deps.timeoutMs(0),
      });
      const spec = ranges?.[i];
      const field = `ranges[${i}] (${label})`;
      const selection = selectRangesParam(
        spec ? parseRangesParam(spec, `ranges[${i}]`) : [{ start: 1, end: undefined }],
        pageCount,
        field,
      );
      total += selection.count;
      // Checked on the count (repeats included: merge writes them) as the sum grows, before any page is listed,
      // so a huge input or a repeated `1-` fails before the others are counted.
      assertPageLimit(total, deps.limits, 'the merged document would have');
      const pages = listPages(selection, 'in-order', deps.limits.maxPages);
      selected.push({ path: file, label, name, pageCount, pages, range: toQpdfRanges(pages) });
    }
    ctx.checkpoint();

    progress.report('merging', 0, `Merging ${total} pages from ${paths.length} documents`);
    const outputPath = path.join(ctx.tempDir, 'merged.pdf');
    const merged = await mergePdfs(deps.qpdf, {
      inputs: selected.map((s) => ({ path: s.path, pages: s.pages, label: s.label })),
      outputPath,
      signal: ctx.signal,
      timeoutMs: ({ pages }) => deps.timeoutMs(pages),
    });
    ctx.checkpoint();

    progress.report('finalization', 0);
    const name = `${baseName(inputs[0]?.name)}-merged.pdf`;
    const saved = await ctx.saveOutput(outputPath, name);
    progress.report('finalization', 1, `Merged ${total} pages`);
    return {
      pages: merged.pages,
      inputs: selected.map((s) => ({
        name: s.name,
        pageCount: s.pageCount,
        pages: s.pages.length,
        range: s.range,
      })),
      metadataFrom: inputs[0]?.name,
      ...(merged.warnings.length > 0 ? { repairs: merged.warnings.slice(0, 10) } : {}),
      outputs: [
        { name, key: saved.key, bytes: saved.bytes, pages: merged.pages, contentType: 'application/pdf' },
      ],
    };
  };
}
