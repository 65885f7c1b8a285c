import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { CancelledError, CorruptPdfError, LimitExceededError, QuireError } from '@quire/errors';
import type { Ghostscript } from './ghostscript';
import { readImageSize } from './image-size';
import { escapeOutputFile, escapePostScriptString } from './pdfwrite-args';

export const RASTER_FORMATS = ['png', 'png-gray', 'jpeg'] as const;
export type RasterFormat = (typeof RASTER_FORMATS)[number];

export interface RasterArgsInput {
  inputPath: string;
  /** `-sOutputFile`: a file name where `%d` is the 1-based index of the page within this run. */
  outputPattern: string;
  /** 1-based pages, ascending. */
  pages: readonly number[];
  format: RasterFormat;
  dpi: number;
  /** JPEG quality 1–100 (ignored for PNG). Default 85. */
  quality?: number;
}

/** 1-based ascending pages as a Ghostscript PageList: [1,2,3,5] → "1-3,5". */
export function toPageList(pages: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < pages.length;) {
    let j = i;
    while (j + 1 < pages.length && pages[j + 1] === pages[j] + 1) j++;
    parts.push(i === j ? String(pages[i]) : `${pages[i]}-${pages[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/**
 * Ghostscript arguments (without the safe defaults) that render `pages` to PNG (`png16m`, 24-bit RGB; `png-gray`:
 * `pnggray`, 8-bit grey, what OCR reads: a third less rendering time on a letter page at 300 dpi) or JPEG
 * (`jpeg`, `-dJPEGQ`) at `dpi`, anti-aliased like pdftoppm, sized by each page's crop box (`-dUseCropBox`, as
 * viewers show it) with its rotation. The same list is used in-process and by the benchmark's `gs` command line.
 * The input is run with `runpdf` so a file without a PDF header is never executed as PostScript.
 */
export function buildRasterArgs({
  inputPath,
  outputPattern,
  pages,
  format,
  dpi,
  quality = 85,
}: RasterArgsInput): string[] {
  const input = path.resolve(inputPath);
  return [
    format === 'png' ? '-sDEVICE=png16m' : format === 'png-gray' ? '-sDEVICE=pnggray' : '-sDEVICE=jpeg',
    `-r${dpi}`,
    '-dUseCropBox',
    '-dTextAlphaBits=4',
    '-dGraphicsAlphaBits=4',
    ...(format === 'jpeg' ? [`-dJPEGQ=${quality}`] : []),
    `-sPageList=${toPageList(pages)}`,
    `-sOutputFile=${escapeOutputFile(path.resolve(path.dirname(outputPattern))) + '/' + path.basename(outputPattern)}`,
    `--permit-file-read=${input}`,
    '-c',
    `(${escapePostScriptString(input)}) (r) file runpdf`,
  ];
}

/** Pixel size Ghostscript gives a page of `widthPt` × `heightPt` points at `dpi` (it rounds to the nearest pixel). */
export function rasterSize(
  widthPt: number,
  heightPt: number,
  dpi: number,
): { width: number; height: number } {
  return {
    width: Math.max(1, Math.round((widthPt * dpi) / 72)),
    height: Math.max(1, Math.round((heightPt * dpi) / 72)),
  };
}

/**
 * The decompression-bomb guard: throws LimitExceededError naming the first page whose image would have more than
 * `maxPixels` pixels at `dpi`, before anything is rendered.
 */
export function assertPixelLimit(
  pages: ReadonlyArray<{ page: number; width: number; height: number }>,
  dpi: number,
  maxPixels: number,
): void {
  for (const p of pages) {
    const { width, height } = rasterSize(p.width, p.height, dpi);
    if (width * height > maxPixels) {
      const mp = (n: number) => `${(n / 1e6).toFixed(1)} megapixels`;
      throw new LimitExceededError(
        `page ${p.page} would be ${width} × ${height} px at ${dpi} dpi (${mp(width * height)}); the limit is ${mp(maxPixels)} per page: choose a lower dpi`,
        { details: { page: p.page, width, height, dpi, maxPixels } },
      );
    }
  }
}

export interface RasterImage {
  page: number;
  path: string;
  width: number;
  height: number;
  bytes: number;
}

export interface RasterizePdfOptions {
  inputPath: string;
  /** Where the images go (created if missing). */
  outputDir: string;
  /** 1-based pages to render; rendered once each, in ascending order. */
  pages: readonly number[];
  format: RasterFormat;
  dpi: number;
  /** JPEG quality 1–100. Default 85. */
  quality?: number;
  /** File name of a page's image inside `outputDir`. Default `page-<n>.<png|jpg>`. */
  fileName?: (page: number) => string;
  /** Pages per Ghostscript run: each run re-opens the document, a smaller one checks cancellation more often. Default 20. */
  batchSize?: number;
  signal?: AbortSignal;
  /** Deadline of one Ghostscript run in ms, or a function of the pages it renders and the dpi. Default: the engine's. */
  timeoutMs?: number | ((input: { pages: number; dpi: number }) => number);
  /** Called as Ghostscript starts each page (`done` pages of `total` finished before it). */
  onPage?: (info: { page: number; done: number; total: number }) => void;
  /**
   * Called with each batch's images once they are written and measured, before the next batch starts (e.g. to
   * store them and delete the local files). Errors it throws end the rendering.
   */
  onBatch?: (images: RasterImage[]) => Promise<void>;
}

function abortError(signal: AbortSignal): QuireError {
  const reason: unknown = signal.reason;
  return reason instanceof QuireError
    ? reason
    : new CancelledError('rendering was cancelled', { cause: reason });
}

/**
 * Renders PDF pages to PNG or JPEG with Ghostscript in its supervised child, in batches (`-sPageList`), and
 * measures every image from its header. A page Ghostscript produced no image for fails the call with
 * CorruptPdfError naming the page; other failures are the engine's (EncryptedPdfError, CorruptPdfError,
 * LimitExceededError for memory, EngineTimeoutError, EngineCrashError, CancelledError or the abort reason).
 * Check sizes first with {@link assertPixelLimit}.
 */
export async function rasterizePdf(gs: Ghostscript, options: RasterizePdfOptions): Promise<RasterImage[]> {
  const { inputPath, outputDir, format, dpi, quality, signal } = options;
  const pages = [...new Set(options.pages)].sort((a, b) => a - b);
  if (pages.length === 0) throw new RangeError('rasterizePdf: no pages');
  const ext = format === 'jpeg' ? 'jpg' : 'png';
  const fileName = options.fileName ?? ((page: number) => `page-${page}.${ext}`);
  const batchSize = Math.max(1, options.batchSize ?? 20);
  await mkdir(outputDir, { recursive: true });
  const scratch = path.join(outputDir, `.render-${randomUUID()}`);
  await mkdir(scratch);
  const all: RasterImage[] = [];
  let done = 0;

  const render = async (batch: number[], tag: string): Promise<Array<string | undefined>> => {
    const pattern = path.join(scratch, `${tag}-%d.${ext}`);
    const timeoutMs =
      typeof options.timeoutMs === 'function'
        ? options.timeoutMs({ pages: batch.length, dpi })
        : options.timeoutMs;
    let started = 0;
    await gs.run(
      buildRasterArgs({
        inputPath,
        outputPattern: pattern,
        pages: batch,
        format,
        dpi,
        ...(quality === undefined ? {} : { quality }),
      }),
      {
        signal,
        timeoutMs,
        ...(options.onPage && {
          onPage: (page: number) => {
            try {
              // Ghostscript announces a page as it starts it: the ones before it in this run are finished.
              options.onPage?.({
                page,
                done: Math.min(pages.length - 1, done + started++),
                total: pages.length,
              });
            } catch {
              // Progress is best effort.
            }
          },
        }),
      },
    );
    const files: Array<string | undefined> = [];
    for (let i = 0; i < batch.length; i++) {
      const file = path.join(scratch, `${tag}-${i + 1}.${ext}`);
      files.push(
        await stat(file).then(
          (s) => (s.size > 0 ? file : undefined),
          () => undefined,
        ),
      );
    }
    return files;
  };

  try {
    for (let start = 0; start < pages.length; start += batchSize) {
      if (signal?.aborted) throw abortError(signal);
      const batch = pages.slice(start, start + batchSize);
      let files = await render(batch, `b${start}`);
      // Ghostscript skips a page it cannot draw at all, which would shift every later image onto the wrong page:
      // render such a batch again one page at a time, so the page that fails is known.
      if (files.some((f) => f === undefined) && batch.length > 1) {
        files = [];
        for (const page of batch) {
          if (signal?.aborted) throw abortError(signal);
          files.push((await render([page], `p${page}`))[0]);
        }
      }
      const images: RasterImage[] = [];
      for (const [i, page] of batch.entries()) {
        const file = files[i];
        if (!file)
          throw new CorruptPdfError(`the PDF is damaged: page ${page} could not be rendered`, {
            details: { page },
          });
        const size = await readImageSize(file);
        if (!size)
          throw new CorruptPdfError(`the PDF is damaged: page ${page} produced an unreadable image`, {
            details: { page },
          });
        const target = path.join(outputDir, fileName(page));
        await rename(file, target);
        images.push({
          page,
          path: target,
          width: size.width,
          height: size.height,
          bytes: (await stat(target)).size,
        });
      }
      done += batch.length;
      if (options.onBatch) await options.onBatch(images);
      all.push(...images);
    }
    return all;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
