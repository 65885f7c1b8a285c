import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { CorruptPdfError, LimitExceededError } from '@quire/errors';
import { performance } from 'node:perf_hooks';
import {
  assertPixelLimit,
  rasterizePdf,
  type Ghostscript,
  type RasterImage,
} from '@quire/engine-ghostscript';
import { MAX_DOCUMENT_PAGES, type PdfEngine, type PdfInfo } from '@quire/engine-pdf';
import { toQpdfRanges, type Qpdf } from '@quire/engine-qpdf';
import type { Tesseract } from '@quire/engine-tesseract';

/** The engines every OCR pipeline composes, and the limits and deadlines of one job. */
export interface OcrEngines {
  gs: Ghostscript;
  pdf: PdfEngine;
  tesseract: Tesseract;
  limits: OcrLimits;
  /** Resolution pages are rendered at for recognition. */
  dpi: number;
  /** Deadline of one page's recognition. */
  pageTimeoutMs: number;
  /** Deadline of one Ghostscript run rendering `pages` pages. */
  renderTimeoutMs: (pages: number) => number;
  /** Deadline of the pdf.js reading of the document (page count, sizes, text layer). */
  inspectTimeoutMs: number;
  /** Pages of one document recognised at once (the Tesseract pool's size). Default 1. */
  pageConcurrency?: number;
  /** Where the time goes, stage by stage (the OCR benchmark's breakdown); not set in the worker. */
  timings?: StageTimings;
}

/** Adds up milliseconds per stage (render, osd, recognise, text-layer write, overlay, pdf.js, …). */
export interface StageTimings {
  add(stage: string, ms: number): void;
}

/** Runs `fn` and adds its wall time to `stage` (when timings are kept). */
export async function timed<T>(
  timings: StageTimings | undefined,
  stage: string,
  fn: () => Promise<T>,
): Promise<T> {
  if (!timings) return fn();
  const started = performance.now();
  try {
    return await fn();
  } finally {
    timings.add(stage, performance.now() - started);
  }
}

export interface OcrLimits {
  maxPages: number;
  maxPixelsPerPage: number;
}

export interface PageOcr {
  page: number;
  text: string;
  confidence: number;
  /** Degrees the page must turn clockwise to be upright (only when orientation was detected). */
  orientation: number;
  /** The one-page invisible-text PDF, when asked for. */
  layerPath?: string;
  /** False for a turned page only looked at for its orientation (`orientationOnlyIfTurned`): no text, no layer. */
  read: boolean;
}

/**
 * Reads a PDF's page count, the text layer of `textPages` and the size of every page, and fails the job on a
 * document with no pages or over the page limit.
 */
export async function readDocument(
  engines: OcrEngines,
  inputPath: string,
  signal: AbortSignal,
  selection: ReadonlyArray<{ start: number; end?: number | undefined }> = [{ start: 1 }],
): Promise<PdfInfo> {
  const info = await timed(engines.timings, 'pdf.js inspect', () =>
    engines.pdf.inspect(inputPath, {
      signal,
      timeoutMs: engines.inspectTimeoutMs,
      maxPages: MAX_DOCUMENT_PAGES,
      pageSizes: selection,
      pageTexts: selection,
      maxPageSizes: engines.limits.maxPages,
    }),
  );
  if (info.pages === 0) throw new CorruptPdfError('the PDF is damaged: it has no pages');
  return info;
}

export function assertOcrPageLimit(pages: number, limits: OcrLimits): void {
  if (pages > limits.maxPages) {
    throw new LimitExceededError(
      `the job would OCR ${pages} pages; the limit is ${limits.maxPages} pages per job`,
      {
        details: { pages, maxPages: limits.maxPages },
      },
    );
  }
}

/**
 * Renders `pages` of the PDF at the OCR resolution and recognises them, calling `onPage` after each (in the order
 * pages finish). Rendering is streamed: Ghostscript renders one page at a time (8-bit grey, what Tesseract reads)
 * and the next page renders while earlier ones are being recognised; up to `engines.pageConcurrency` pages are
 * recognised at once (the Tesseract pool's children), so at most that many + 1 images wait on disk, whatever the
 * page count. Every image is deleted as soon as it is read. The first failure stops the rest (abort) and is thrown.
 * Returns the pages in ascending order.
 */
export async function ocrPdfPages(
  engines: OcrEngines,
  options: {
    inputPath: string;
    info: PdfInfo;
    pages: readonly number[];
    languages: readonly string[];
    workDir: string;
    signal: AbortSignal;
    layers: boolean;
    detectOrientation?: boolean;
    /** With `detectOrientation`: a turned page is not recognised, only its orientation found (see PageOcr.read). */
    orientationOnlyIfTurned?: boolean;
    deskew?: boolean;
    onPage?: (result: PageOcr, done: number) => void;
  },
): Promise<PageOcr[]> {
  const { info, pages } = options;
  if (pages.length === 0) return [];
  assertOcrPageLimit(pages.length, engines.limits);
  const sizes = new Map((info.pageSizes ?? []).map((s) => [s.page, s]));
  const selected = pages.map((page) => {
    const size = sizes.get(page);
    if (!size || size.error !== undefined || size.width <= 0 || size.height <= 0) {
      throw new CorruptPdfError(`the PDF is damaged: page ${page} could not be read`, { cause: size?.error });
    }
    return size;
  });
  assertPixelLimit(selected, engines.dpi, engines.limits.maxPixelsPerPage);

  const concurrency = Math.max(1, engines.pageConcurrency ?? 1);
  // One failed page ends the others: their recognitions are aborted, rendering stops at the next page.
  const stop = new AbortController();
  const signal = AbortSignal.any([options.signal, stop.signal]);
  const results: PageOcr[] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;

  const read = async (image: RasterImage): Promise<void> => {
    const layerPath = options.layers ? path.join(options.workDir, `layer-${image.page}.pdf`) : undefined;
    try {
      const got = await engines.tesseract.recognize(image.path, {
        languages: options.languages,
        dpi: engines.dpi,
        ...(layerPath ? { pdfPath: layerPath } : {}),
        detectOrientation: options.detectOrientation ?? false,
        ...(options.orientationOnlyIfTurned ? { orientationOnlyIfTurned: true } : {}),
        deskew: options.deskew ?? false,
        signal,
        timeoutMs: engines.pageTimeoutMs,
      });
      engines.timings?.add('osd', got.timings.osdMs);
      engines.timings?.add('recognise', got.timings.recognizeMs);
      engines.timings?.add('text-layer write', got.timings.writeMs);
      engines.timings?.add(
        'pool queue + IPC',
        Math.max(0, got.durationMs - got.timings.osdMs - got.timings.recognizeMs - got.timings.writeMs),
      );
      const result: PageOcr = {
        page: image.page,
        text: got.text,
        confidence: got.confidence,
        orientation: got.orientation,
        read: got.recognised,
        ...(layerPath && got.recognised ? { layerPath } : {}),
      };
      results.push(result);
      options.onPage?.(result, results.length);
    } catch (error) {
      failure ??= { error };
      stop.abort(error);
    } finally {
      await rm(image.path, { force: true });
    }
  };

  let renderStarted = performance.now();
  try {
    await rasterizePdf(engines.gs, {
      inputPath: options.inputPath,
      outputDir: path.join(options.workDir, 'pages'),
      pages,
      format: 'png-gray',
      dpi: engines.dpi,
      // One page per Ghostscript run (libgs stays loaded in its child, a run costs milliseconds): the first page
      // is being read while the second renders, and no more images are on disk than pages being read.
      batchSize: 1,
      signal,
      timeoutMs: ({ pages: n }) => engines.renderTimeoutMs(n),
      onBatch: async (images) => {
        engines.timings?.add('render', performance.now() - renderStarted);
        for (const image of images) {
          while (inFlight.size >= concurrency) await Promise.race(inFlight);
          if (failure) throw failure.error;
          const task: Promise<void> = read(image).finally(() => inFlight.delete(task));
          inFlight.add(task);
        }
        renderStarted = performance.now();
      },
    });
  } catch (error) {
    failure ??= { error };
    stop.abort(error);
  }
  await Promise.all(inFlight);
  if (failure) throw failure.error;
  return results.sort((a, b) => a.page - b.page);
}

/** A page "has text" when its text layer holds at least this many non-blank characters. */
const MIN_TEXT_CHARS = 3;

export function hasText(text: string | undefined): boolean {
  return (text ?? '').replace(/\s+/g, '').length >= MIN_TEXT_CHARS;
}

/** Inline text in a job result is capped; the full text is always in the output file. */
export const MAX_INLINE_TEXT_CHARS = 256 * 1024;

export function inlineText(text: string): { text: string; textTruncated: boolean } {
  return text.length > MAX_INLINE_TEXT_CHARS
    ? { text: text.slice(0, MAX_INLINE_TEXT_CHARS), textTruncated: true }
    : { text, textTruncated: false };
}

/**
 * Lays the invisible text layers of `read` pages over those pages of `inputPath` (qpdf `--overlay`), writing
 * `outputPath`: the original pages are kept as they are (images, vector content), only text is added. qpdf scales
 * each layer onto its page, so the render resolution and the page size need not match exactly.
 */
export async function overlayTextLayers(
  qpdf: Qpdf,
  options: {
    inputPath: string;
    outputPath: string;
    read: readonly PageOcr[];
    workDir: string;
    signal?: AbortSignal;
    timeoutMs: number;
    /** How the input is named in error messages. */
    label?: string;
  },
): Promise<void> {
  const { read, signal, timeoutMs } = options;
  const layers = path.join(options.workDir, 'layers.pdf');
  await qpdf.run(['--empty', '--pages', ...read.map((r) => r.layerPath ?? ''), '--', layers], {
    signal,
    timeoutMs,
  });
  await qpdf.run(
    [
      options.inputPath,
      '--overlay',
      layers,
      `--to=${toQpdfRanges(read.map((r) => r.page))}`,
      `--from=1-${read.length}`,
      '--',
      options.outputPath,
    ],
    { signal, timeoutMs, files: [{ path: options.inputPath, label: options.label ?? 'the PDF' }] },
  );
}

/**
 * {@link ocrPdfPages} with the page orientation detected first (Tesseract OSD): a page found turned by 90, 180 or
 * 270° is turned upright in a working copy (qpdf `--rotate`, the page itself is not re-encoded), rendered again and
 * read upright. Returns the pages read and the document to lay the text over (the working copy when a page was
 * turned, else the input).
 */
export async function ocrPdfPagesUpright(
  engines: OcrEngines,
  qpdf: Qpdf,
  options: Parameters<typeof ocrPdfPages>[1] & { qpdfTimeoutMs: number },
): Promise<{ read: PageOcr[]; basePath: string; turned: Array<{ page: number; degrees: number }> }> {
  // A page found turned is only looked at for its orientation here and read once, upright, below; progress counts
  // pages read, over both passes.
  let done = 0;
  const onPage = (result: PageOcr) => {
    if (result.read) options.onPage?.(result, ++done);
  };
  const first = await ocrPdfPages(engines, {
    ...options,
    detectOrientation: true,
    orientationOnlyIfTurned: true,
    onPage,
  });
  const turned = first
    .filter((r) => r.orientation !== 0)
    .map((r) => ({ page: r.page, degrees: r.orientation }));
  if (turned.length === 0) return { read: first, basePath: options.inputPath, turned };
  const basePath = path.join(options.workDir, 'upright.pdf');
  await qpdf.run(
    [options.inputPath, ...turned.map((t) => `--rotate=+${t.degrees}:${t.page}`), '--', basePath],
    { signal: options.signal, timeoutMs: options.qpdfTimeoutMs },
  );
  const info = await readDocument(engines, basePath, options.signal);
  const workDir = path.join(options.workDir, 'upright');
  await mkdir(workDir, { recursive: true });
  const again = await ocrPdfPages(engines, {
    ...options,
    inputPath: basePath,
    info,
    pages: turned.map((t) => t.page),
    workDir,
    detectOrientation: false,
    orientationOnlyIfTurned: false,
    onPage,
  });
  const upright = new Map(again.map((r) => [r.page, r]));
  const read = first.map((r) => {
    const second = upright.get(r.page);
    return second ? { ...second, orientation: r.orientation } : r;
  });
  return { read, basePath, turned };
}
