import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { PdfEngine } from '@quire/engine-pdf';
import type { Qpdf } from '@quire/engine-qpdf';
import type { JobResult } from '@quire/job-model';
import type { FanOut } from '@quire/worker-runtime';
import { assertOutputLimit, assertPageLimit, baseName, padded, type ConversionLimits } from './support';

/**
 * `convert-to-images` split across workers when large (docs/architecture.md (fan-out)): a chunk renders its page
 * range of the PDF (cut out by qpdf) with the ordinary handler; the merge stores each image again under the name
 * of its page in the whole document, in page order, and the result lists them as one job would.
 */
export function convertToImagesFanOut(engines: {
  pdf: PdfEngine;
  qpdf: Qpdf;
  limits: ConversionLimits;
  qpdfTimeoutMs: (pages: number) => number;
  inspectTimeoutMs: number;
}): FanOut<'convert-to-images'> {
  return {
    pageCount: async (ctx, inputPath) => {
      // A page selection is rendered whole; chunks are page ranges of the document.
      if (ctx.params.pages) return undefined;
      const { pages } = await engines.pdf.inspect(inputPath, {
        signal: ctx.signal,
        timeoutMs: engines.inspectTimeoutMs,
      });
      // The job's limits hold for the document, not per chunk.
      assertPageLimit(pages, engines.limits, 'the job selects');
      assertOutputLimit(pages, engines.limits);
      return pages;
    },
    slice: async (ctx, inputPath, chunk, outPath) => {
      await engines.qpdf.run([inputPath, '--pages', '.', `${chunk.first}-${chunk.last}`, '--', outPath], {
        signal: ctx.signal,
        timeoutMs: engines.qpdfTimeoutMs(chunk.last - chunk.first + 1),
        files: [{ path: inputPath, label: ctx.job.inputs[0]?.name ?? 'the PDF' }],
      });
    },
    merge: async (ctx, chunks): Promise<JobResult<'convert-to-images'>> => {
      const first = chunks[0]?.result;
      if (!first) throw new Error('no chunks to merge');
      const pageCount = chunks.reduce((n, c) => n + c.result.pageCount, 0);
      const prefix = baseName(ctx.job.inputs[0]?.name);
      const outputs: JobResult<'convert-to-images'>['outputs'] = [];
      for (const { chunk, result } of chunks) {
        for (const image of result.outputs) {
          const page = image.page + chunk.first - 1;
          const name = `${prefix}-page-${padded(page, pageCount)}.${ctx.params.format === 'png' ? 'png' : 'jpg'}`;
          const local = path.join(ctx.tempDir, name);
          await ctx.storage.copyToFile(image.key, local);
          const saved = await ctx.saveOutput(local, name);
          await rm(local, { force: true });
          outputs.push({ ...image, name, key: saved.key, bytes: saved.bytes, page });
        }
        ctx.checkpoint();
      }
      return {
        format: first.format,
        dpi: first.dpi,
        ...(first.quality === undefined ? {} : { quality: first.quality }),
        pageCount,
        pages: outputs.length,
        outputs,
      };
    },
  };
}
