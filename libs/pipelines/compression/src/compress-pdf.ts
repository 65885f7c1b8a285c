import { randomUUID } from 'node:crypto';
import { copyFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  CancelledError,
  CorruptPdfError,
  EncryptedPdfError,
  InternalError,
  QuireError,
  ValidationError,
} from '@quire/errors';
import {
  buildPdfwriteArgs,
  COMPRESSION_PRESETS,
  isCompressionPreset,
  type CompressionPreset,
  type Ghostscript,
} from '@quire/engine-ghostscript';
import { inspectPdf, type PdfEngine } from '@quire/engine-pdf';

/** Progress stages of a compression and their weights in percent (from the seeds). */
export const COMPRESSION_STAGES = [
  { stage: 'initialization', weight: 5, message: 'Preparing compression' },
  { stage: 'analysis', weight: 15, message: 'Analyzing PDF structure' },
  { stage: 'compression', weight: 70, message: 'Compressing PDF content' },
  { stage: 'optimization', weight: 8, message: 'Optimizing output' },
  { stage: 'finalization', weight: 2, message: 'Finalizing result' },
] as const;
export type CompressionStage = (typeof COMPRESSION_STAGES)[number]['stage'];

export interface CompressionProgress {
  stage: CompressionStage;
  /** Overall percent, 0–100, never decreasing. */
  percent: number;
  message: string;
  /** Within the compression stage: pages started so far, and the page count. */
  current?: number;
  total?: number;
}

export interface CompressPdfOptions {
  inputPath: string;
  /** Written atomically (temporary file in the same folder, then renamed); may equal `inputPath`. */
  outputPath: string;
  /** Default `'lossless'`. */
  preset?: CompressionPreset;
  signal?: AbortSignal;
  /** Called at each stage start and for each page Ghostscript starts. Errors it throws are ignored. */
  onProgress?: (progress: CompressionProgress) => void;
  /**
   * Hard deadline of the Ghostscript run in ms, or a function of the input (pdfwrite takes ~0.1–1 s per page, so a
   * fixed deadline either kills long documents or lets hangs run long). Default: the Ghostscript engine's `timeoutMs`.
   */
  timeoutMs?: number | ((input: { pages: number; bytes: number }) => number);
  /** pdf.js engine for the input and output checks. Default: `@quire/engine-pdf`'s default engine. */
  pdf?: PdfEngine;
  /** Page limit of the input check. Default: the pdf engine's `maxPages`. */
  maxPages?: number;
}

export interface CompressPdfResult {
  inputBytes: number;
  /** Size of what was written to `outputPath` (the input's size when `keptOriginal`). */
  outputBytes: number;
  pages: number;
  preset: CompressionPreset;
  /** Ghostscript's output was not smaller, so the input was copied to `outputPath` unchanged. */
  keptOriginal: boolean;
  /** outputBytes / inputBytes: 1 when the original was kept, lower is better. */
  ratio: number;
}

class ProgressReporter {
  private last = -1;

  constructor(private readonly onProgress: ((p: CompressionProgress) => void) | undefined) {}

  /** Reports `fraction` (0–1) of `stage` done. */
  report(
    stage: CompressionStage,
    fraction: number,
    message?: string,
    extra: { current?: number; total?: number } = {},
  ): void {
    if (!this.onProgress) return;
    let start = 0;
    let weight = 0;
    let defaultMessage = '';
    for (const s of COMPRESSION_STAGES) {
      if (s.stage === stage) {
        weight = s.weight;
        defaultMessage = s.message;
        break;
      }
      start += s.weight;
    }
    const percent = Math.min(
      100,
      Math.max(this.last, Math.floor(start + weight * Math.min(1, Math.max(0, fraction)))),
    );
    this.last = percent;
    try {
      this.onProgress({ stage, percent, message: message ?? defaultMessage, ...extra });
    } catch {
      // Progress is best effort; a failing reporter must not fail the compression.
    }
  }
}

function abortError(signal: AbortSignal): QuireError {
  const reason: unknown = signal.reason;
  return reason instanceof QuireError
    ? reason
    : new CancelledError('compression was cancelled', { cause: reason });
}

/**
 * Compresses a PDF with Ghostscript's pdfwrite: checks the input with pdf.js (page count, encryption), runs
 * Ghostscript in its supervised child, checks that the output opens with the same page count, and keeps the
 * original when the result is not smaller, so the output is never larger than the input.
 *
 * Throws EncryptedPdfError (user password needed), CorruptPdfError (unreadable input; output with another page
 * count: "compression changed the page count"), LimitExceededError, EngineTimeoutError, EngineCrashError,
 * CancelledError (or the abort reason), ValidationError (unknown preset), DependencyUnavailableError.
 * A PDF that opens without a password but has owner restrictions is compressed, and the result is not encrypted.
 */
export async function compressPdf(gs: Ghostscript, options: CompressPdfOptions): Promise<CompressPdfResult> {
  const { inputPath, outputPath, preset = 'lossless', signal, timeoutMs, pdf, maxPages } = options;
  if (!isCompressionPreset(preset)) {
    throw new ValidationError(`unknown compression preset "${String(preset)}"`, {
      details: { allowed: [...COMPRESSION_PRESETS] },
    });
  }
  const progress = new ProgressReporter(options.onProgress);
  const checkAborted = (): void => {
    if (signal?.aborted) throw abortError(signal);
  };

  progress.report('initialization', 0);
  let inputBytes: number;
  try {
    inputBytes = (await stat(inputPath)).size;
  } catch (err) {
    throw new InternalError('the input file could not be read', { cause: err });
  }
  if (inputBytes === 0) throw new CorruptPdfError('the file is empty (0 bytes)');
  checkAborted();

  progress.report('analysis', 0);
  const input = await inspectPdf(inputPath, { engine: pdf, signal, maxPages });
  if (input.pages === 0) throw new CorruptPdfError('the PDF is damaged: it has no pages');
  const pages = input.pages;

  progress.report('compression', 0, `Compressing ${pages} page${pages === 1 ? '' : 's'}`, {
    current: 0,
    total: pages,
  });
  const gsTimeoutMs = typeof timeoutMs === 'function' ? timeoutMs({ pages, bytes: inputBytes }) : timeoutMs;
  const partial = path.join(path.dirname(outputPath), `.${path.basename(outputPath)}.${randomUUID()}.part`);
  try {
    await gs.run(buildPdfwriteArgs({ inputPath, outputPath: partial, preset }), {
      signal,
      timeoutMs: gsTimeoutMs,
      ...(options.onProgress && {
        onPage: (page: number) =>
          progress.report('compression', page / pages, `Compressing page ${page} of ${pages}`, {
            current: page,
            total: pages,
          }),
      }),
    });

    progress.report('optimization', 0, 'Verifying the compressed PDF');
    let output;
    try {
      output = await inspectPdf(partial, { engine: pdf, signal });
    } catch (err) {
      if (err instanceof CorruptPdfError || err instanceof EncryptedPdfError) {
        throw new CorruptPdfError(`compression produced an unreadable PDF (${err.message})`, { cause: err });
      }
      throw err;
    }
    if (output.pages !== pages) {
      throw new CorruptPdfError(
        `compression changed the page count (${pages} → ${output.pages}): the PDF is probably damaged`,
        {
          details: { inputPages: pages, outputPages: output.pages },
        },
      );
    }
    const compressedBytes = (await stat(partial)).size;
    const keptOriginal = compressedBytes >= inputBytes;

    progress.report(
      'finalization',
      0,
      keptOriginal ? 'Keeping the original: it is already smaller' : 'Finalizing result',
    );
    checkAborted();
    if (keptOriginal) await copyFile(inputPath, partial);
    await rename(partial, outputPath);
    const outputBytes = keptOriginal ? inputBytes : compressedBytes;
    progress.report('finalization', 1, 'Compression complete');
    return { inputBytes, outputBytes, pages, preset, keptOriginal, ratio: outputBytes / inputBytes };
  } finally {
    await rm(partial, { force: true });
  }
}
