import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import type { Ghostscript } from '@quire/engine-ghostscript';
import { QuireError } from '@quire/errors';
import { compressPdf } from '@quire/pipeline-compression';
import type { JobHandler } from '@quire/worker-runtime';

export interface BulkCompressHandlerOptions {
  /** Ghostscript deadline for one document, from its page count and size. */
  timeoutMs: (input: { pages: number; bytes: number }) => number;
}

/** Progress stages of a bulk compression and their weights in percent. */
const STAGES = [
  { stage: 'initialization', weight: 2 },
  { stage: 'compression', weight: 90 },
  { stage: 'packaging', weight: 6 },
  { stage: 'finalization', weight: 2 },
] as const;
type Stage = (typeof STAGES)[number]['stage'];

function percentOf(stage: Stage, fraction: number): number {
  let start = 0;
  for (const s of STAGES) {
    if (s.stage === stage) return start + s.weight * Math.min(1, Math.max(0, fraction));
    start += s.weight;
  }
  return start;
}

interface FileOutcome {
  index: number;
  name: string;
  /** Name of the file inside the ZIP (when compressed). */
  entry?: string;
  status: 'compressed' | 'failed';
  inputBytes?: number;
  outputBytes?: number;
  pages?: number;
  ratio?: number;
  keptOriginal?: boolean;
  error?: QuireError;
}

/** `a.pdf` twice in one upload must not overwrite each other in the ZIP: the second becomes `a (2).compressed.pdf`. */
function entryName(inputName: string, used: Set<string>): string {
  const base = path.basename(inputName, path.extname(inputName)) || 'document';
  let name = `${base}.compressed.pdf`;
  for (let n = 2; used.has(name.toLowerCase()); n++) name = `${base} (${n}).compressed.pdf`;
  used.add(name.toLowerCase());
  return name;
}

/**
 * A failure that belongs to one file (the document is encrypted, damaged, over a limit, hangs or crashes the engine)
 * is recorded and the batch goes on. Anything else (the attempt was aborted, storage or the engine pool is
 * unavailable, an unknown error) stops the job so the consumer retries or cancels it as a whole.
 */
function isFileFailure(err: unknown, signal: AbortSignal): err is QuireError {
  return !signal.aborted && err instanceof QuireError && !err.retryable;
}

/**
 * `bulk-compress`: every uploaded PDF through `compressPdf` (same presets and never-larger rule as `compress`),
 * one after the other, with progress per file, into one ZIP of the compressed files. Files that fail are listed in
 * `result.errors` and left out of the ZIP; the job completes when at least one file was compressed, and fails
 * (with every file's reason) only when all of them failed.
 */
export function bulkCompressHandler(
  gs: Ghostscript,
  options: BulkCompressHandlerOptions,
): JobHandler<'bulk-compress'> {
  return async (ctx): ReturnType<JobHandler<'bulk-compress'>> => {
    const inputs = ctx.job.inputs;
    const total = inputs.length;
    const preset = ctx.params.preset;
    ctx.progress({
      stage: 'initialization',
      percent: 0,
      message: `Preparing ${total} file${total === 1 ? '' : 's'}`,
      current: 0,
      total,
    });
    const outDir = path.join(ctx.tempDir, 'compressed');
    await mkdir(outDir, { recursive: true });

    const outcomes: FileOutcome[] = [];
    const used = new Set<string>();
    for (const [index, input] of inputs.entries()) {
      ctx.checkpoint();
      const label = `file ${index + 1} of ${total} (${input.name})`;
      ctx.progress({
        stage: 'compression',
        percent: percentOf('compression', index / total),
        message: `Compressing ${label}`,
        current: index,
        total,
      });
      const entry = entryName(input.name, used);
      const outputPath = path.join(outDir, entry);
      let inputPath: string | undefined;
      try {
        inputPath = await ctx.inputPath(index);
        const summary = await compressPdf(gs, {
          inputPath,
          outputPath,
          preset,
          signal: ctx.signal,
          timeoutMs: options.timeoutMs,
          onProgress: (p) =>
            ctx.progress({
              stage: 'compression',
              percent: percentOf('compression', (index + p.percent / 100) / total),
              message: `${label}: ${p.message}`,
              current: index,
              total,
            }),
        });
        outcomes.push({
          index,
          name: input.name,
          entry,
          status: 'compressed',
          inputBytes: summary.inputBytes,
          outputBytes: summary.outputBytes,
          pages: summary.pages,
          ratio: summary.ratio,
          keptOriginal: summary.keptOriginal,
        });
      } catch (err) {
        if (!isFileFailure(err, ctx.signal)) throw err;
        used.delete(entry.toLowerCase());
        await rm(outputPath, { force: true });
        ctx.logger.warn('bulk-compress: one file failed; continuing', {
          index,
          code: err.code,
          reason: err.message,
        });
        outcomes.push({ index, name: input.name, status: 'failed', error: err });
      } finally {
        // Each copy serves one compression; without this the temp folder would hold every input at once.
        if (inputPath) await rm(inputPath, { force: true });
      }
    }

    const compressed = outcomes.filter((o) => o.status === 'compressed');
    const errors = outcomes
      .filter((o) => o.status === 'failed')
      .map((o) => ({ index: o.index, name: o.name, code: o.error!.code, message: o.error!.message }));
    if (compressed.length === 0) throw everyFileFailed(outcomes);
    ctx.checkpoint();

    ctx.progress({
      stage: 'packaging',
      percent: percentOf('packaging', 0),
      message: `Packing ${compressed.length} files into a ZIP`,
      current: total,
      total,
    });
    const zipPath = path.join(ctx.tempDir, 'compressed.zip');
    await writeZip(
      zipPath,
      compressed.map((o) => ({ path: path.join(outDir, o.entry!), name: o.entry! })),
    );
    ctx.checkpoint();
    ctx.progress({
      stage: 'finalization',
      percent: percentOf('finalization', 0),
      message: 'Storing the ZIP',
    });
    const zipName = 'compressed.zip';
    const saved = await ctx.saveOutput(zipPath, zipName);
    const inputBytes = compressed.reduce((n, o) => n + (o.inputBytes ?? 0), 0);
    const outputBytes = compressed.reduce((n, o) => n + (o.outputBytes ?? 0), 0);
    ctx.progress({
      stage: 'finalization',
      percent: 100,
      message: `${compressed.length} of ${total} files compressed`,
    });
    return {
      preset,
      files: total,
      succeeded: compressed.length,
      failed: errors.length,
      inputBytes,
      outputBytes,
      ratio: inputBytes > 0 ? outputBytes / inputBytes : 1,
      items: outcomes.map(({ error, ...o }) =>
        error ? { ...o, error: { code: error.code, message: error.message } } : o,
      ),
      errors,
      outputs: [
        {
          name: zipName,
          key: saved.key,
          bytes: saved.bytes,
          files: compressed.length,
          contentType: 'application/zip',
        },
      ],
    };
  };
}

/** Writes a ZIP (entries stored, not deflated: the PDFs are compressed already) by streaming each file into it. */
async function writeZip(zipPath: string, files: Array<{ path: string; name: string }>): Promise<void> {
  const zip = new ZipFile();
  const mtime = new Date();
  for (const f of files) zip.addFile(f.path, f.name, { compress: false, mtime });
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(zipPath));
}

/**
 * Every file failed: the job fails with the first failure's error class (so its code, e.g. PDF_ENCRYPTED) and
 * every file's reason in the message.
 */
function everyFileFailed(outcomes: FileOutcome[]): QuireError {
  const first = outcomes[0].error!;
  if (outcomes.length === 1) return first;
  let message = `all ${outcomes.length} files failed: ${outcomes.map((o) => `${o.name}: ${o.error?.message ?? 'failed'}`).join('; ')}`;
  if (message.length > 900) message = `${message.slice(0, 897)}...`;
  // Every QuireError subclass takes (message, options); only the message changes.
  const ErrorClass = first.constructor as new (message: string, options?: { cause?: unknown }) => QuireError;
  return new ErrorClass(message, { cause: first });
}
