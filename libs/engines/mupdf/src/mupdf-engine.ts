import {
  CorruptPdfError,
  EncryptedPdfError,
  InternalError,
  LimitExceededError,
  QuireError,
} from '@quire/errors';
import {
  ChildProcessPool,
  ChildTaskError,
  type ChildPoolOptions,
  type PoolStats,
} from '@quire/engine-supervisor';
import type {
  DecryptResponse,
  ImageToPdfResponse,
  MupdfRequest,
  MupdfResponse,
  ReadResponse,
  Rect,
  RedactResponse,
  RenderResponse,
} from './mupdf-child';

export type {
  DecryptResponse,
  ImageToPdfResponse,
  PageKind,
  PageRead,
  ReadResponse,
  Rect,
  RedactResponse,
  RenderResponse,
} from './mupdf-child';

/**
 * Options of {@link createMupdf}: the supervisor's pool options, with these defaults: `size` 1, `timeoutMs`
 * 120 000, `memoryLimitMb` 1536, `maxTasksPerChild` 50 (the WebAssembly heap never shrinks), `recycleOnTaskError`
 * true, `maxQueue` 32.
 */
export type MupdfOptions = Omit<ChildPoolOptions, 'module' | 'name'>;

export interface MupdfCallOptions {
  /** Decrypts an encrypted PDF for this call only; never logged, never written anywhere. */
  password?: string | undefined;
  signal?: AbortSignal | undefined;
  /** Hard deadline of this call in ms (the child is killed on expiry). */
  timeoutMs?: number | undefined;
}

export interface Mupdf {
  /**
   * Every page's text layer with a box per character, and how the page draws (text, images, paths). `read` is
   * absent when the document has more than `maxPages` pages (the caller refuses it).
   */
  read(
    path: string,
    opts: MupdfCallOptions & { maxPages: number; maxCharsPerPage?: number },
  ): Promise<ReadResponse>;
  /** One page rendered to a grayscale PNG at `dpi`; LimitExceededError above `maxPixels`. */
  render(
    path: string,
    opts: MupdfCallOptions & {
      page: number;
      dpi: number;
      outputPath: string;
      maxPixels: number;
      /** Clockwise turn of the rendering, in degrees. */
      rotate?: 0 | 90 | 180 | 270;
    },
  ): Promise<RenderResponse>;
  /**
   * Removes what lies under the rectangles (glyphs from the content streams, image pixels, covered paths; overlapping
   * annotations and form fields), paints black boxes, optionally strips the document-level parts a page redaction
   * cannot reach, and writes a fresh, unencrypted file without earlier revisions to `outputPath`.
   */
  redact(
    path: string,
    opts: MupdfCallOptions & {
      outputPath: string;
      pages: Array<{ page: number; rects: Rect[] }>;
      stripDocumentParts: boolean;
    },
  ): Promise<RedactResponse>;
  /** An image (PNG, JPEG, TIFF…) on a one-page PDF at its own resolution; LimitExceededError above `maxPixels`. */
  imageToPdf(
    path: string,
    opts: MupdfCallOptions & { outputPath: string; maxPixels: number },
  ): Promise<ImageToPdfResponse>;
  /**
   * Writes an unencrypted copy of an encrypted PDF to `outputPath` (objects unchanged); `decrypted` false, and
   * nothing written, when the file is not encrypted. EncryptedPdfError for a wrong password.
   */
  decrypt(
    path: string,
    opts: MupdfCallOptions & { password: string; outputPath: string },
  ): Promise<DecryptResponse>;
  warmup(): Promise<void>;
  stats(): PoolStats;
  close(): Promise<void>;
}

export function createMupdf(options: MupdfOptions = {}): Mupdf {
  const pool = new ChildProcessPool<MupdfRequest, MupdfResponse>({
    size: 1,
    timeoutMs: 120_000,
    memoryLimitMb: 1536,
    maxTasksPerChild: 50,
    recycleOnTaskError: true,
    maxQueue: 32,
    ...options,
    module: new URL('./mupdf-child.ts', import.meta.url),
    name: 'mupdf',
  });
  const run = async <R extends MupdfResponse>(request: MupdfRequest, opts: MupdfCallOptions): Promise<R> => {
    try {
      const { value } = await pool.run(request, { signal: opts.signal, timeoutMs: opts.timeoutMs });
      return value as R;
    } catch (err) {
      throw toMupdfError(err);
    }
  };
  const password = (opts: MupdfCallOptions) =>
    opts.password === undefined ? {} : { password: opts.password };

  return {
    read: (path, opts) =>
      run<ReadResponse>(
        {
          op: 'read',
          path,
          ...password(opts),
          maxPages: opts.maxPages,
          maxCharsPerPage: opts.maxCharsPerPage ?? 200_000,
        },
        opts,
      ),
    render: (path, opts) =>
      run<RenderResponse>(
        {
          op: 'render',
          path,
          ...password(opts),
          page: opts.page,
          dpi: opts.dpi,
          outputPath: opts.outputPath,
          maxPixels: opts.maxPixels,
          ...(opts.rotate ? { rotate: opts.rotate } : {}),
        },
        opts,
      ),
    redact: (path, opts) =>
      run<RedactResponse>(
        {
          op: 'redact',
          path,
          ...password(opts),
          outputPath: opts.outputPath,
          pages: opts.pages,
          stripDocumentParts: opts.stripDocumentParts,
        },
        opts,
      ),
    imageToPdf: (path, opts) =>
      run<ImageToPdfResponse>(
        { op: 'image-to-pdf', path, outputPath: opts.outputPath, maxPixels: opts.maxPixels },
        opts,
      ),
    decrypt: (path, opts) =>
      run<DecryptResponse>(
        { op: 'decrypt', path, password: opts.password, outputPath: opts.outputPath },
        opts,
      ),
    warmup: () => pool.warmup(),
    stats: () => pool.stats(),
    close: () => pool.close(),
  };
}

/** Maps what the MuPDF child threw to the Quire error hierarchy; supervisor errors are already QuireErrors. */
export function toMupdfError(err: unknown): QuireError {
  if (err instanceof QuireError) return err;
  if (err instanceof ChildTaskError) {
    if (err.code === 'PASSWORD')
      return new EncryptedPdfError(`password required: ${err.message}`, { cause: err });
    if (err.code === 'PIXELS')
      return new LimitExceededError(err.message, { cause: err, details: asDetails(err.data) });
    if (err.code === 'NOT_PDF') return new CorruptPdfError(err.message, { cause: err });
    if (typeof err.code === 'string' && /^E[A-Z]+$/.test(err.code)) {
      return new InternalError(`could not read or write a file (${err.code})`, { cause: err });
    }
    // MuPDF's own exceptions while parsing ("cannot find startxref", "unknown image type") are about the bytes.
    return new CorruptPdfError(`the document is damaged or unsupported: ${shorten(err.message)}`, {
      cause: err,
    });
  }
  return new InternalError('internal error', { cause: err });
}

function asDetails(data: unknown): Record<string, unknown> | undefined {
  return typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : undefined;
}

function shorten(message: string): string {
  const one = message.replace(/\s+/g, ' ').trim();
  return one.length > 160 ? `${one.slice(0, 157)}...` : one || 'unknown error';
}
