import path from 'node:path';
import type { Ghostscript } from '@quire/engine-ghostscript';
import { compressPdf, type CompressionPreset as PipelinePreset } from '@quire/pipeline-compression';
import type { CompressionPreset } from '@quire/job-model';
import type { JobHandler } from '@quire/worker-runtime';

/**
 * `compress`: one PDF through Ghostscript pdfwrite with the chosen preset. The output is never larger than the
 * input (the original is kept and the result says so) and keeps the page count.
 */
// The engine and the pipeline cannot import the catalog, so they keep their own preset list: fail the build if they diverge.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const presetsMatch: Same<CompressionPreset, PipelinePreset> = true;
void presetsMatch;

export interface CompressHandlerOptions {
  /** Ghostscript deadline for one document, from its page count and size. */
  timeoutMs: (input: { pages: number; bytes: number }) => number;
}

export function compressHandler(gs: Ghostscript, options: CompressHandlerOptions): JobHandler<'compress'> {
  return async (ctx): ReturnType<JobHandler<'compress'>> => {
    ctx.progress({ stage: 'initialization', percent: 0, message: 'fetching the document' });
    const inputPath = await ctx.inputPath(0);
    const outputPath = path.join(ctx.tempDir, 'compressed.pdf');
    const summary = await compressPdf(gs, {
      inputPath,
      outputPath,
      preset: ctx.params.preset,
      signal: ctx.signal,
      timeoutMs: options.timeoutMs,
      onProgress: (p) => ctx.progress(p),
    });
    ctx.checkpoint();
    const inputName = ctx.job.inputs[0]?.name ?? 'document.pdf';
    // Storage keys allow A-Z a-z 0-9 . _ - only; uploaded names may hold spaces and more.
    const stem = path
      .basename(inputName, path.extname(inputName))
      .replace(/[^A-Za-z0-9._-]+/g, '_')
      .replace(/^[._]+/, '');
    const name = `${stem || 'document'}.compressed.pdf`;
    const saved = await ctx.saveOutput(outputPath, name);
    ctx.progress({ stage: 'finalization', percent: 100, message: 'done' });
    return {
      preset: summary.preset,
      inputBytes: summary.inputBytes,
      outputBytes: saved.bytes,
      ratio: summary.ratio,
      pages: summary.pages,
      keptOriginal: summary.keptOriginal,
      ...(summary.keptOriginal
        ? { note: 'Ghostscript output was not smaller than the input; the original is returned unchanged' }
        : {}),
      outputs: [
        { name, key: saved.key, bytes: saved.bytes, pages: summary.pages, contentType: 'application/pdf' },
      ],
    };
  };
}
