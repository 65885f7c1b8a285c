import { rm } from 'node:fs/promises';
import { CorruptPdfError, EngineCrashError, InternalError, QuireError, ValidationError } from '@quire/errors';
import {
  ChildProcessPool,
  ChildTaskError,
  type ChildPoolOptions,
  type PoolStats,
} from '@quire/engine-supervisor';
import { installedLanguagePacks, type OcrModel } from './language-packs';
import type { RecognizeRequest, RecognizeResponse } from './tesseract-child';

/**
 * Options of {@link createTesseract}: the supervisor's pool options, with these defaults: `size` 1, `timeoutMs`
 * 120 000 per image, `memoryLimitMb` 1536, `maxTasksPerChild` 100 (the WebAssembly heap only grows),
 * `recycleOnTaskError` true, `maxQueue` 64.
 */
export type TesseractOptions = Omit<ChildPoolOptions, 'module' | 'name'> & {
  /** Which LSTM models to read (default `best_int`, the npm packs). */
  model?: OcrModel;
};

export interface RecognizeOptions {
  /** Tesseract language codes, e.g. ["eng"] or ["deu", "eng"]; each must be installed. */
  languages: readonly string[];
  /** Resolution the image was rendered at (or scanned at). Default 300. */
  dpi?: number;
  /**
   * Also write here a one-page PDF holding only the page's invisible text, to lay over the original page
   * (tesseract.js's image-and-text renderer aborts on some 1-bit TIFFs, so it is never used).
   */
  pdfPath?: string;
  /** Also detect 90/180/270° page orientation (legacy OSD model): see `RecognizeResult.orientation`. */
  detectOrientation?: boolean;
  /** Straighten slightly skewed scans. */
  deskew?: boolean;
  /** Also return each word's box (`RecognizeResult.boxes`, pixels of the image). */
  wordBoxes?: boolean;
  /** With `detectOrientation`: a page found turned is not recognised (`recognised: false`), only its orientation. */
  orientationOnlyIfTurned?: boolean;
  signal?: AbortSignal;
  /** Hard deadline of this image; the child is killed on expiry (EngineTimeoutError). */
  timeoutMs?: number;
}

export type RecognizeResult = RecognizeResponse & { durationMs: number };

export interface Tesseract {
  /** Installed languages (from the `@tesseract.js-data/*` packages), sorted. */
  readonly languages: readonly string[];
  /**
   * Recognises one image (PNG, JPEG, TIFF, BMP) in a supervised child. Rejects with ValidationError (language not
   * installed), CorruptPdfError (the image cannot be read), EngineTimeoutError, EngineCrashError,
   * LimitExceededError (memory), CancelledError, DependencyUnavailableError (queue full, engine shut down).
   */
  recognize(imagePath: string, options: RecognizeOptions): Promise<RecognizeResult>;
  /** Starts the children now instead of on the first image. */
  warmup(): Promise<void>;
  stats(): PoolStats;
  close(): Promise<void>;
}

export function createTesseract(options: TesseractOptions = {}): Tesseract {
  const { model, ...poolOptions } = options;
  const packs = installedLanguagePacks(model);
  const pool = new ChildProcessPool<RecognizeRequest, RecognizeResponse>({
    size: 1,
    timeoutMs: 120_000,
    memoryLimitMb: 1536,
    maxTasksPerChild: 100,
    recycleOnTaskError: true,
    maxQueue: 64,
    ...poolOptions,
    module: new URL('./tesseract-child.ts', import.meta.url),
    name: 'tesseract',
  });

  const recognize = async (imagePath: string, opts: RecognizeOptions): Promise<RecognizeResult> => {
    assertLanguages(opts.languages, packs.languages);
    if (opts.detectOrientation && !packs.osdLangPath) {
      throw new ValidationError('orientation detection needs the @tesseract.js-data/osd package');
    }
    try {
      const { value, durationMs } = await pool.run(
        {
          imagePath,
          languages: [...opts.languages],
          langPath: packs.langPath,
          gzip: packs.gzip,
          osdLangPath: packs.osdLangPath ?? '',
          dpi: opts.dpi ?? 300,
          ...(opts.pdfPath ? { pdfPath: opts.pdfPath } : {}),
          detectOrientation: opts.detectOrientation ?? false,
          deskew: opts.deskew ?? false,
          ...(opts.wordBoxes ? { wordBoxes: true } : {}),
          ...(opts.orientationOnlyIfTurned ? { orientationOnlyIfTurned: true } : {}),
        },
        { signal: opts.signal, timeoutMs: opts.timeoutMs },
      );
      return { ...value, durationMs };
    } catch (err) {
      // Leptonica aborts the WebAssembly module on some damaged images: the child dies, the supervisor replaces it.
      if (
        err instanceof EngineCrashError &&
        /libpng error|jpeg|tiff|Read Error|pixRead/i.test(crashOutput(err))
      ) {
        throw new CorruptPdfError('the image cannot be read: it is damaged or in an unsupported format', {
          cause: err,
        });
      }
      if (err instanceof QuireError) throw err;
      if (err instanceof ChildTaskError) {
        // tesseract.js reports an unreadable image as "Error attempting to read image" (Leptonica could not decode it).
        if (/read image|pixRead|image file|decode/i.test(err.message)) {
          throw new CorruptPdfError('the image cannot be read: it is damaged or in an unsupported format', {
            cause: err,
          });
        }
        throw new InternalError('OCR failed', { cause: err });
      }
      throw new InternalError('OCR failed', { cause: err });
    }
  };

  return {
    languages: packs.languages,
    recognize,
    warmup: () => pool.warmup(),
    stats: () => pool.stats(),
    close: async () => {
      await pool.close();
      await rm(packs.root, { recursive: true, force: true });
    },
  };
}

function crashOutput(err: EngineCrashError): string {
  const cause = err.cause as { stderr?: unknown; stdout?: unknown } | undefined;
  const details = err.details as { stderr?: unknown } | undefined;
  return [cause?.stderr, cause?.stdout, details?.stderr, err.message]
    .filter((v) => typeof v === 'string')
    .join('\n');
}

function assertLanguages(requested: readonly string[], installed: readonly string[]): void {
  if (requested.length === 0) throw new ValidationError('at least one OCR language is needed');
  const missing = requested.filter((l) => !installed.includes(l));
  if (missing.length > 0) {
    throw new ValidationError(
      `OCR language${missing.length > 1 ? 's' : ''} not installed: ${missing.join(', ')} (installed: ${installed.join(', ')})`,
      { details: { missing, installed } },
    );
  }
}
