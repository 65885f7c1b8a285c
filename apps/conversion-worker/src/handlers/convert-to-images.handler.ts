import { rm } from 'node:fs/promises';
import path from 'node:path';
import { CorruptPdfError } from '@quire/errors';
import { assertPixelLimit, rasterizePdf, type Ghostscript } from '@quire/engine-ghostscript';
import { MAX_DOCUMENT_PAGES, type PdfEngine } from '@quire/engine-pdf';
import { listPages, mergePageRanges, type JobResult } from '@quire/job-model';
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

export interface ConvertToImagesDeps {
  gs: Ghostscript;
  pdf: PdfEngine;
  limits: ConversionLimits;
  /** Deadline of one Ghostscript run from the pages it renders and the dpi. */
  renderTimeoutMs: (input: { pages: number; dpi: number }) => number;
  /** Deadline of the pdf.js inspection. */
  inspectTimeoutMs: number;
  /** Pages per Ghostscript run. Default 20. */
  batchSize?: number;
}

const STAGES = [
  { stage: 'initialization', weight: 5, message: 'Preparing conversion' },
  { stage: 'analysis', weight: 10, message: 'Reading page sizes' },
  { stage: 'conversion', weight: 80, message: 'Rendering pages' },
  { stage: 'finalization', weight: 5, message: 'Finalizing result' },
] as const;

/**
 * `convert-to-images`: one image per selected page, PNG or JPEG, at `dpi`. Before rendering anything, every limit
 * is checked: pages per job, outputs per job, and the pixel count of each page at that dpi (decompression bombs).
 * Images are stored as they are rendered (one batch at a time), named `page-<n>.<ext>`.
 */
export function convertToImagesHandler(deps: ConvertToImagesDeps): JobHandler<'convert-to-images'> {
  return async (ctx): ReturnType<JobHandler<'convert-to-images'>> => {
    const { format, dpi, quality } = ctx.params;
    const progress = new StageProgress(ctx, STAGES);
    progress.report('initialization', 0, 'Fetching the document');
    const inputPath = await ctx.inputPath(0);

    progress.report('analysis', 0);
    const ranges = ctx.params.pages
      ? parseRangesParam(ctx.params.pages, 'pages')
      : [{ start: 1, end: undefined }];
    const info = await deps.pdf.inspect(inputPath, {
      signal: ctx.signal,
      timeoutMs: deps.inspectTimeoutMs,
      maxPages: MAX_DOCUMENT_PAGES,
      // Each page once, however often the selection repeats it.
      pageSizes: mergePageRanges(ranges),
      maxPageSizes: deps.limits.maxPages,
    });
    if (info.pages === 0) throw new CorruptPdfError('the PDF is damaged: it has no pages');
    // Counted before listed: `1-,1-,…` over a huge document is refused here, not after building its page list.
    const selection = selectRangesParam(ranges, info.pages, 'pages');
    assertPageLimit(selection.distinctCount, deps.limits, 'the job selects');
    assertOutputLimit(selection.distinctCount, deps.limits);
    const selected = listPages(selection, 'distinct', deps.limits.maxPages);
    const sizes = new Map((info.pageSizes ?? []).map((s) => [s.page, s]));
    const pageSizes = selected.map((page) => {
      const size = sizes.get(page);
      if (!size || size.error !== undefined || size.width <= 0 || size.height <= 0) {
        throw new CorruptPdfError(`the PDF is damaged: page ${page} could not be read`, {
          cause: size?.error,
        });
      }
      return size;
    });
    assertPixelLimit(pageSizes, dpi, deps.limits.maxPixelsPerPage);
    ctx.checkpoint();

    const ext = format === 'png' ? 'png' : 'jpg';
    const contentType = format === 'png' ? 'image/png' : 'image/jpeg';
    const prefix = baseName(ctx.job.inputs[0]?.name);
    const nameOf = (page: number) => `${prefix}-page-${padded(page, info.pages)}.${ext}`;
    const outputs: JobResult<'convert-to-images'>['outputs'] = [];
    const total = selected.length;
    progress.report('conversion', 0, `Rendering ${total} page${total === 1 ? '' : 's'} at ${dpi} dpi`, {
      current: 0,
      total,
    });
    await rasterizePdf(deps.gs, {
      inputPath,
      outputDir: path.join(ctx.tempDir, 'images'),
      pages: selected,
      format,
      dpi,
      quality,
      fileName: nameOf,
      batchSize: deps.batchSize ?? 20,
      signal: ctx.signal,
      timeoutMs: deps.renderTimeoutMs,
      onPage: ({ page, done }) =>
        progress.report('conversion', done / total, `Rendering page ${page} (${done + 1} of ${total})`, {
          current: done,
          total,
        }),
      onBatch: async (images) => {
        for (const image of images) {
          const name = nameOf(image.page);
          const saved = await ctx.saveOutput(image.path, name);
          await rm(image.path, { force: true });
          outputs.push({
            name,
            key: saved.key,
            bytes: saved.bytes,
            page: image.page,
            width: image.width,
            height: image.height,
            contentType,
          });
        }
        ctx.checkpoint();
      },
    });

    progress.report('finalization', 0);
    const result = {
      format,
      dpi,
      ...(format === 'jpeg' ? { quality } : {}),
      pageCount: info.pages,
      pages: total,
      outputs,
    };
    progress.report('finalization', 1, `Rendered ${total} page${total === 1 ? '' : 's'}`);
    return result;
  };
}
