import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { PdfEngine } from '@quire/engine-pdf';
import type { Qpdf } from '@quire/engine-qpdf';
import type { JobChunk, JobResult } from '@quire/job-model';
import { assertOcrPageLimit, inlineText, type OcrLimits } from '@quire/pipeline-ocr';
import { baseName, type FanOut, type JobContext } from '@quire/worker-runtime';

/**
 * The OCR worker's job types split across workers when large (docs/architecture.md (fan-out)): a chunk is the
 * page range of the PDF (qpdf `--pages`, pages copied as they are), read by the type's ordinary handler; the
 * parent's result is the chunks' in page order, their PDFs joined by qpdf and their texts concatenated.
 */
export interface FanOutEngines {
  pdf: PdfEngine;
  qpdf: Qpdf;
  /** Deadline of one qpdf run over `pages` pages. */
  qpdfTimeoutMs: (pages: number) => number;
  inspectTimeoutMs: number;
  limits: OcrLimits;
}

/** Page count of a PDF input (images are never split). */
async function pdfPages(
  engines: FanOutEngines,
  ctx: JobContext,
  inputPath: string,
): Promise<number | undefined> {
  if (!ctx.job.inputs[0]?.contentType.includes('pdf')) return undefined;
  const info = await engines.pdf.inspect(inputPath, {
    signal: ctx.signal,
    timeoutMs: engines.inspectTimeoutMs,
  });
  // The job's page limit holds for the document, not per chunk.
  assertOcrPageLimit(info.pages, engines.limits);
  return info.pages;
}

async function slicePdf(
  engines: FanOutEngines,
  ctx: JobContext,
  inputPath: string,
  chunk: JobChunk,
  outPath: string,
): Promise<void> {
  const pages = chunk.last - chunk.first + 1;
  await engines.qpdf.run([inputPath, '--pages', '.', `${chunk.first}-${chunk.last}`, '--', outPath], {
    signal: ctx.signal,
    timeoutMs: engines.qpdfTimeoutMs(pages),
    files: [{ path: inputPath, label: ctx.job.inputs[0]?.name ?? 'the PDF' }],
  });
}

/** Copies each chunk's first output to the temp folder, in page order. */
async function fetchOutputs(
  ctx: JobContext,
  chunks: ReadonlyArray<{ chunk: JobChunk; result: { outputs: ReadonlyArray<{ key: string }> } }>,
  ext: string,
): Promise<string[]> {
  const paths: string[] = [];
  for (const { chunk, result } of chunks) {
    const key = result.outputs[0]?.key;
    if (!key) throw new Error(`chunk ${chunk.index} has no output`);
    const local = path.join(ctx.tempDir, `chunk-${chunk.index}.${ext}`);
    await ctx.storage.copyToFile(key, local);
    paths.push(local);
    ctx.checkpoint();
  }
  return paths;
}

const shift = <P extends { page: number }>(pages: readonly P[], chunk: JobChunk): P[] =>
  pages.map((p) => ({ ...p, page: p.page + chunk.first - 1 }));

export function ocrFanOut(engines: FanOutEngines): FanOut<'ocr'> {
  return {
    pageCount: (ctx, inputPath) => pdfPages(engines, ctx, inputPath),
    slice: (ctx, inputPath, chunk, outPath) => slicePdf(engines, ctx, inputPath, chunk, outPath),
    merge: async (ctx, chunks): Promise<JobResult<'ocr'>> => {
      const parts = await fetchOutputs(ctx, chunks, 'pdf');
      const name = `${baseName(ctx.job.inputs[0]?.name)}-ocr.pdf`;
      const merged = path.join(ctx.tempDir, name);
      const pageCount = chunks.reduce((n, c) => n + c.result.pageCount, 0);
      await engines.qpdf.run(['--empty', '--pages', ...parts, '--', merged], {
        signal: ctx.signal,
        timeoutMs: engines.qpdfTimeoutMs(pageCount),
      });
      const saved = await ctx.saveOutput(merged, name);
      const results = chunks.map((c) => c.result);
      const pagesOcred = results.reduce((n, r) => n + r.pagesOcred, 0);
      const weighted = results.reduce((n, r) => n + (r.averageConfidence ?? 0) * r.pagesOcred, 0);
      const warnings = [...new Set(results.flatMap((r) => r.warnings ?? []))];
      return {
        mode: ctx.params.mode,
        languages: ctx.params.languages,
        pageCount,
        pagesOcred,
        ...(pagesOcred ? { averageConfidence: Math.round((weighted / pagesOcred) * 10) / 10 } : {}),
        ...(pagesOcred === 0
          ? { note: 'every page already has a text layer; the document is returned unchanged' }
          : {}),
        ...(warnings.length ? { warnings } : {}),
        pages: chunks.flatMap((c) => shift(c.result.pages, c.chunk)),
        ...inlineText(results.map((r) => r.text).join('\f')),
        outputs: [
          { name, key: saved.key, bytes: saved.bytes, pages: pageCount, contentType: 'application/pdf' },
        ],
      };
    },
  };
}

export function extractTextFanOut(engines: FanOutEngines): FanOut<'extract-text'> {
  return {
    // A page selection is read whole (it is small by nature, and chunks are page ranges of the document).
    pageCount: (ctx, inputPath) =>
      ctx.params.pages ? Promise.resolve(undefined) : pdfPages(engines, ctx, inputPath),
    slice: (ctx, inputPath, chunk, outPath) => slicePdf(engines, ctx, inputPath, chunk, outPath),
    merge: async (ctx, chunks): Promise<JobResult<'extract-text'>> => {
      const parts = await fetchOutputs(ctx, chunks, 'txt');
      const texts = await Promise.all(parts.map((p) => readFile(p, 'utf8')));
      const text = texts.join('\f');
      const name = `${baseName(ctx.job.inputs[0]?.name)}.txt`;
      const merged = path.join(ctx.tempDir, name);
      await writeFile(merged, text, 'utf8');
      const saved = await ctx.saveOutput(merged, name);
      const pages = chunks.flatMap((c) => shift(c.result.pages, c.chunk));
      const empty = pages.filter((p) => p.source === 'none').map((p) => p.page);
      return {
        ocr: ctx.params.ocr,
        pageCount: chunks.reduce((n, c) => n + c.result.pageCount, 0),
        pages,
        ...(empty.length
          ? { warnings: [`no text on page${empty.length === 1 ? '' : 's'} ${empty.join(', ')}`] }
          : {}),
        ...inlineText(text),
        outputs: [{ name, key: saved.key, bytes: saved.bytes, contentType: 'text/plain; charset=utf-8' }],
      };
    },
  };
}
