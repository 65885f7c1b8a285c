import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { CancelledError, CorruptPdfError, QuireError } from '@quire/errors';
import type { LabelledPath } from './classify';
import { assertNotEmpty, toQpdfRanges, type Qpdf } from './qpdf';

/** A deadline in ms, or a function of the pages the run handles (qpdf's time grows with the document). */
export type QpdfDeadline = number | ((input: { pages: number }) => number);

export interface MergeInput {
  path: string;
  /** 1-based pages to take, in this order (repeats allowed). Default: every page, counted with qpdf first. */
  pages?: readonly number[];
  /** How errors name this input, e.g. `file #2 (b.pdf)`. */
  label?: string;
}

export interface MergePdfsOptions {
  inputs: readonly MergeInput[];
  /** Written atomically (temporary file in the same folder, then renamed). */
  outputPath: string;
  signal?: AbortSignal;
  timeoutMs?: QpdfDeadline;
}

export interface MergePdfsResult {
  /** Pages of the merged document: the sum of the selected pages, verified on the output. */
  pages: number;
  /** Pages taken from each input, in input order. */
  inputPages: number[];
  outputBytes: number;
  /** What qpdf repaired on the way (paths replaced by labels). */
  warnings: string[];
}

function abortError(signal: AbortSignal): QuireError {
  const reason: unknown = signal.reason;
  return reason instanceof QuireError
    ? reason
    : new CancelledError('the operation was cancelled', { cause: reason });
}

function deadline(timeoutMs: QpdfDeadline | undefined, pages: number): number | undefined {
  return typeof timeoutMs === 'function' ? timeoutMs({ pages }) : timeoutMs;
}

/**
 * Merges PDFs with qpdf's page selection (`qpdf first.pdf --pages first.pdf 1-3 second.pdf 1-z -- out.pdf`): the
 * output has exactly the selected pages, in order. Document-level data comes from the **first** input: its
 * metadata (Info and XMP), its outline (bookmarks) and its other catalog entries; bookmarks of the other inputs
 * are not carried over (qpdf's command line cannot merge outlines), and bookmarks of the first input that point at
 * pages left out stop working. Form fields of every input are kept. qpdf repairs damaged inputs where it can.
 *
 * Throws EncryptedPdfError / CorruptPdfError naming the input (`file #2 (b.pdf): …`), CorruptPdfError when the
 * output does not have the expected page count, and the engine's timeout/crash/cancel errors.
 */
export async function mergePdfs(qpdf: Qpdf, options: MergePdfsOptions): Promise<MergePdfsResult> {
  const { inputs, outputPath, signal } = options;
  if (inputs.length === 0) throw new RangeError('mergePdfs: no inputs');
  const files: LabelledPath[] = inputs.map((i) =>
    i.label === undefined ? { path: i.path } : { path: i.path, label: i.label },
  );
  const selections: number[][] = [];
  for (const input of inputs) {
    if (signal?.aborted) throw abortError(signal);
    if (input.pages) {
      if (input.pages.length === 0) throw new RangeError('mergePdfs: an input with no pages selected');
      await assertNotEmpty(input.path, input.label ? `${input.label}: ` : '');
      selections.push([...input.pages]);
    } else {
      const count = await qpdf.countPages(input.path, {
        signal,
        ...(input.label ? { label: input.label } : {}),
      });
      selections.push(Array.from({ length: count }, (_, i) => i + 1));
    }
  }
  const total = selections.reduce((n, s) => n + s.length, 0);
  const primary = inputs[0].path;
  const args = [
    primary,
    '--pages',
    ...inputs.flatMap((input, i) => [i === 0 ? '.' : input.path, toQpdfRanges(selections[i])]),
    '--',
  ];
  const partial = path.join(path.dirname(outputPath), `.${path.basename(outputPath)}.${randomUUID()}.part`);
  try {
    const run = await qpdf.run([...args, partial], {
      signal,
      timeoutMs: deadline(options.timeoutMs, total),
      files,
    });
    const produced = await qpdf.countPages(partial, { signal });
    if (produced !== total) {
      throw new CorruptPdfError(
        `merging produced ${produced} pages instead of ${total}: an input's page tree is damaged`,
        {
          details: { expectedPages: total, outputPages: produced },
        },
      );
    }
    await rename(partial, outputPath);
    const outputBytes = (await stat(outputPath)).size;
    return { pages: total, inputPages: selections.map((s) => s.length), outputBytes, warnings: run.warnings };
  } finally {
    await rm(partial, { force: true });
  }
}

export interface SplitPdfOptions {
  inputPath: string;
  /** The input's page count (from {@link Qpdf.countPages}); every part must stay within it. */
  pageCount: number;
  /** One entry per output: its 1-based pages, in order. */
  parts: readonly (readonly number[])[];
  /** Where each part goes (same length as `parts`). */
  outputPaths: readonly string[];
  signal?: AbortSignal;
  /** Deadline of each qpdf run (a function gets the pages that run writes). */
  timeoutMs?: QpdfDeadline;
  /** Called after each part is written (`done` of `total`). */
  onPart?: (done: number, total: number) => void;
}

export interface SplitPdfResult {
  parts: Array<{ path: string; pages: number; bytes: number }>;
  /** `split-pages`: one qpdf run wrote every part (consecutive, equal-size parts); `per-part`: one run per part. */
  strategy: 'split-pages' | 'per-part';
  warnings: string[];
}

/** N when `parts` are [1..N], [N+1..2N], … covering every page once (the last may be shorter); otherwise undefined. */
export function uniformChunkSize(
  parts: readonly (readonly number[])[],
  pageCount: number,
): number | undefined {
  const n = parts[0]?.length ?? 0;
  if (n === 0 || parts.length !== Math.ceil(pageCount / n)) return undefined;
  let expected = 1;
  for (const part of parts) {
    for (const page of part) if (page !== expected++) return undefined;
  }
  return expected === pageCount + 1 ? n : undefined;
}

/**
 * Splits a PDF into parts with qpdf. Consecutive equal-size parts covering the document ("every N pages", "one
 * file per page") take one `qpdf --split-pages=N` run; any other selection takes one `qpdf in --pages . <ranges>`
 * run per part. Each part keeps the input's document-level data (metadata, outline; bookmarks to pages outside the
 * part do not work).
 */
export async function splitPdf(qpdf: Qpdf, options: SplitPdfOptions): Promise<SplitPdfResult> {
  const { inputPath, parts, outputPaths, pageCount, signal } = options;
  if (parts.length === 0 || parts.length !== outputPaths.length)
    throw new RangeError('splitPdf: parts and outputPaths must be non-empty and of equal length');
  for (const part of parts) {
    if (part.length === 0 || part.some((p) => !Number.isInteger(p) || p < 1 || p > pageCount)) {
      throw new RangeError(`splitPdf: part [${part.join(',')}] is empty or outside 1-${pageCount}`);
    }
  }
  await assertNotEmpty(inputPath);
  const files: LabelledPath[] = [{ path: inputPath }];
  const warnings = new Set<string>();
  const chunk = uniformChunkSize(parts, pageCount);

  if (chunk !== undefined && parts.length > 1) {
    const scratch = path.join(path.dirname(outputPaths[0]), `.split-${randomUUID()}`);
    await mkdir(scratch, { recursive: true });
    try {
      const run = await qpdf.run([inputPath, `--split-pages=${chunk}`, path.join(scratch, 'part-%d.pdf')], {
        signal,
        timeoutMs: deadline(options.timeoutMs, pageCount),
        files,
      });
      run.warnings.forEach((w) => warnings.add(w));
      // qpdf zero-pads the page numbers in the names, so name order is page order.
      const written = (await readdir(scratch)).filter((f) => f.endsWith('.pdf')).sort();
      if (written.length !== parts.length) {
        throw new CorruptPdfError(
          `splitting produced ${written.length} files instead of ${parts.length}: the page tree is damaged`,
        );
      }
      const out: SplitPdfResult['parts'] = [];
      for (const [i, name] of written.entries()) {
        await rename(path.join(scratch, name), outputPaths[i]);
        out.push({ path: outputPaths[i], pages: parts[i].length, bytes: (await stat(outputPaths[i])).size });
        options.onPart?.(i + 1, parts.length);
      }
      return { parts: out, strategy: 'split-pages', warnings: [...warnings] };
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }

  const out: SplitPdfResult['parts'] = [];
  for (const [i, part] of parts.entries()) {
    if (signal?.aborted) throw abortError(signal);
    const target = outputPaths[i];
    const partial = path.join(path.dirname(target), `.${path.basename(target)}.${randomUUID()}.part`);
    try {
      const run = await qpdf.run([inputPath, '--pages', '.', toQpdfRanges(part), '--', partial], {
        signal,
        timeoutMs: deadline(options.timeoutMs, part.length),
        files,
      });
      run.warnings.forEach((w) => warnings.add(w));
      await rename(partial, target);
    } finally {
      await rm(partial, { force: true });
    }
    out.push({ path: target, pages: part.length, bytes: (await stat(target)).size });
    options.onPart?.(i + 1, parts.length);
  }
  return { parts: out, strategy: 'per-part', warnings: [...warnings] };
}
