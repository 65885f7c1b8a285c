import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { CorruptPdfError, LimitExceededError } from '@quire/errors';
import { assertPixelLimit, rasterizePdf, type Ghostscript } from '@quire/engine-ghostscript';
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
  const info = await engines.pdf.inspect(inputPath, {
    signal,
    timeoutMs: engines.inspectTimeoutMs,
    maxPages: MAX_DOCUMENT_PAGES,
    pageSizes: selection,
    pageTexts: selection,
    maxPageSizes: engines.limits.maxPages,
  });
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
 * Renders `pages` of the PDF at the OCR resolution (Ghostscript, in batches) and recognises each one (Tesseract),
 * page by page, calling `onPage` after each. Every image is deleted as soon as it is read.
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

  const results: PageOcr[] = [];
  await rasterizePdf(engines.gs, {
    inputPath: options.inputPath,
    outputDir: path.join(options.workDir, 'pages'),
    pages,
    format: 'png',
    dpi: engines.dpi,
    // Small batches: each page is OCR'd (seconds) before the next batch renders, so few images wait on disk.
    batchSize: 4,
    signal: options.signal,
    timeoutMs: ({ pages: n }) => engines.renderTimeoutMs(n),
    onBatch: async (images) => {
      for (const image of images) {
        const layerPath = options.layers ? path.join(options.workDir, `layer-${image.page}.pdf`) : undefined;
        const read = await engines.tesseract.recognize(image.path, {
          languages: options.languages,
          dpi: engines.dpi,
          ...(layerPath ? { pdfPath: layerPath } : {}),
          detectOrientation: options.detectOrientation ?? false,
          deskew: options.deskew ?? false,
          signal: options.signal,
          timeoutMs: engines.pageTimeoutMs,
        });
        await rm(image.path, { force: true });
        const result: PageOcr = {
          page: image.page,
          text: read.text,
          confidence: read.confidence,
          orientation: read.orientation,
          ...(layerPath ? { layerPath } : {}),
        };
        results.push(result);
        options.onPage?.(result, results.length);
      }
    },
  });
  return results;
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
  const first = await ocrPdfPages(engines, { ...options, detectOrientation: true });
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
    onPage: undefined,
  });
  const upright = new Map(again.map((r) => [r.page, r]));
  const read = first.map((r) => {
    const second = upright.get(r.page);
    return second ? { ...second, orientation: r.orientation } : r;
  });
  return { read, basePath, turned };
}
