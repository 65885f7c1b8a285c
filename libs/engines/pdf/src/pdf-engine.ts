import { LimitExceededError } from '@quire/errors';
import { ChildProcessPool, type ChildPoolOptions, type PoolStats } from '@quire/engine-supervisor';
import { toPdfError } from './errors';
import type {
  Attachment,
  InspectRequest,
  InspectResponse,
  PageImages,
  PageItems,
  PageSize,
  PageText,
} from './pdf-child';

export type { Attachment, ImageBox, PageImages, PageItems, PageSize, PageText, TextItem } from './pdf-child';

/** What {@link PdfEngine.inspect} reports. */
export interface PdfInfo {
  pages: number;
  /** True for any encrypted PDF that opened, i.e. one with an empty user password (owner restrictions only). */
  encrypted: boolean;
  /** From the file header, e.g. "1.7"; absent when the header is missing. */
  pdfVersion?: string;
  title?: string;
  /** Present when `InspectOptions.pageSizes` asked for it: the requested pages that exist, ascending, each once. */
  pageSizes?: PageSize[];
  /** Present when `InspectOptions.pageTexts` asked for it: the text layer of those pages, ascending. */
  pageTexts?: PageText[];
  /** Present when `InspectOptions.pageItems` asked for it: text items with positions of those pages, ascending. */
  pageItems?: PageItems[];
  /** Present when `InspectOptions.attachments` asked for it: the embedded files. */
  attachments?: Attachment[];
  /** Present when `InspectOptions.pageImages` asked for it: where those pages paint images, ascending. */
  pageImages?: PageImages[];
}

/**
 * Options of {@link createPdfEngine}: the supervisor's pool options (see `@quire/engine-supervisor`), with these
 * defaults for pdf.js: `size` 1, `timeoutMs` 30 000, `memoryLimitMb` 1024, `maxTasksPerChild` 200, `maxQueue` 32.
 */
export interface PdfEngineOptions extends Omit<ChildPoolOptions, 'module' | 'name'> {
  /** Documents with more pages fail with LimitExceededError. Per-call override: `InspectOptions.maxPages`. Default `10_000`. */
  maxPages?: number;
}

export interface InspectOptions {
  /** Hard deadline for this inspection in ms (the child is killed on expiry). Default: the engine's `timeoutMs`. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Overrides the engine's `maxPages`. */
  maxPages?: number;
  /**
   * Also report the size of these pages (1-based inclusive ranges; `end` undefined = to the last page; pages past
   * the end are skipped): crop box, rotation and UserUnit applied, in points. Not read when the document is over
   * `maxPages`. Lets a renderer check pixel counts before rendering anything.
   */
  pageSizes?: ReadonlyArray<{ start: number; end?: number | undefined }>;
  /** No sizes are read when `pageSizes` selects more pages than this (the caller rejects such a job). Default: `maxPages`. */
  maxPageSizes?: number;
  /** Also read the text layer of these pages (same form and limits as `pageSizes`). */
  pageTexts?: ReadonlyArray<{ start: number; end?: number | undefined }>;
  /**
   * Also read the text items with their positions of these pages (same form and limits as `pageSizes`), for a
   * layout reader (words with positions). At most `maxItemsPerPage` items per page (default 20 000).
   */
  pageItems?: ReadonlyArray<{ start: number; end?: number | undefined }>;
  maxItemsPerPage?: number;
  /** Also read the embedded files; the content of each up to `maxBytes` comes back as UTF-8 text. */
  attachments?: { maxBytes: number };
  /**
   * Also report where these pages paint images (same form and limits as `pageSizes`): boxes in top-left points,
   * e.g. to OCR an issuer block printed as a picture on an otherwise digital page.
   */
  pageImages?: ReadonlyArray<{ start: number; end?: number | undefined }>;
}

export interface PdfEngine {
  /**
   * Opens the PDF with pdf.js in a supervised child and reports its page count, encryption, version and title.
   * Throws EncryptedPdfError (a user password is needed), CorruptPdfError (unreadable, with a reason),
   * LimitExceededError (more pages than `maxPages`), EngineTimeoutError / EngineCrashError (pdf.js hung or died).
   */
  inspect(path: string, options?: InspectOptions): Promise<PdfInfo>;
  /** `inspect(path).pages`. */
  countPages(path: string, options?: InspectOptions): Promise<number>;
  /** Starts the child now instead of on the first call. */
  warmup(): Promise<void>;
  stats(): PoolStats;
  /** Kills the child; later calls fail. */
  close(): Promise<void>;
}

const DEFAULT_MAX_PAGES = 10_000;
/** A dense statement page holds a few thousand items; beyond this a page is hostile or not a document. */
const DEFAULT_MAX_ITEMS_PER_PAGE = 20_000;

/**
 * The largest document a job may open at all (conversion, OCR): what a job then processes is bounded by its own,
 * much smaller page limit, so a short selection from a long document still works.
 */
export const MAX_DOCUMENT_PAGES = 100_000;

export function createPdfEngine(options: PdfEngineOptions = {}): PdfEngine {
  const { maxPages: engineMaxPages = DEFAULT_MAX_PAGES, ...poolOptions } = options;
  const pool = new ChildProcessPool<InspectRequest, InspectResponse>({
    size: 1,
    timeoutMs: 30_000,
    memoryLimitMb: 1024,
    maxTasksPerChild: 200,
    ...poolOptions,
    module: new URL('./pdf-child.ts', import.meta.url),
    name: 'pdf.js',
  });

  const inspect = async (path: string, opts: InspectOptions = {}): Promise<PdfInfo> => {
    let info: InspectResponse;
    const maxPages = opts.maxPages ?? engineMaxPages;
    try {
      const request: InspectRequest =
        opts.pageSizes || opts.pageTexts || opts.pageItems || opts.attachments || opts.pageImages
          ? {
              path,
              ...(opts.pageSizes
                ? { pageSizes: opts.pageSizes.map((r) => ({ start: r.start, end: r.end })) }
                : {}),
              ...(opts.pageTexts
                ? { textOf: opts.pageTexts.map((r) => ({ start: r.start, end: r.end })) }
                : {}),
              ...(opts.pageItems
                ? {
                    itemsOf: opts.pageItems.map((r) => ({ start: r.start, end: r.end })),
                    maxItemsPerPage: opts.maxItemsPerPage ?? DEFAULT_MAX_ITEMS_PER_PAGE,
                  }
                : {}),
              ...(opts.attachments ? { attachmentMaxBytes: opts.attachments.maxBytes } : {}),
              ...(opts.pageImages
                ? { imagesOf: opts.pageImages.map((r) => ({ start: r.start, end: r.end })) }
                : {}),
              maxPages,
              maxSizes: opts.maxPageSizes ?? maxPages,
            }
          : { path };
      ({ value: info } = await pool.run(request, { signal: opts.signal, timeoutMs: opts.timeoutMs }));
    } catch (err) {
      throw toPdfError(err);
    }
    if (info.pages > maxPages) {
      throw new LimitExceededError(`the PDF has ${info.pages} pages; the limit is ${maxPages}`, {
        details: { pages: info.pages, maxPages },
      });
    }
    return info;
  };

  return {
    inspect,
    countPages: async (path, opts) => (await inspect(path, opts)).pages,
    warmup: () => pool.warmup(),
    stats: () => pool.stats(),
    close: () => pool.close(),
  };
}

let defaultEngine: PdfEngine | undefined;

/** The engine used by {@link inspectPdf}/{@link countPages} without an explicit `engine`: created on first use with the defaults. */
export function defaultPdfEngine(): PdfEngine {
  defaultEngine ??= createPdfEngine();
  return defaultEngine;
}

/** Closes the default engine (if it was ever started); the next call starts a new one. */
export async function closeDefaultPdfEngine(): Promise<void> {
  const engine = defaultEngine;
  defaultEngine = undefined;
  await engine?.close();
}

/** {@link PdfEngine.inspect} on `options.engine`, or on the default engine. */
export function inspectPdf(
  path: string,
  options: InspectOptions & { engine?: PdfEngine } = {},
): Promise<PdfInfo> {
  const { engine = defaultPdfEngine(), ...rest } = options;
  return engine.inspect(path, rest);
}

/** {@link PdfEngine.countPages} on `options.engine`, or on the default engine. */
export function countPages(
  path: string,
  options: InspectOptions & { engine?: PdfEngine } = {},
): Promise<number> {
  const { engine = defaultPdfEngine(), ...rest } = options;
  return engine.countPages(path, rest);
}
