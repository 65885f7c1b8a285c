import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LimitExceededError, ValidationError } from '@quire/errors';
import { listPages, mergePageRanges, parsePageRanges, selectPages } from '@quire/job-model';
import { baseName, StageProgress, type JobHandler } from '@quire/worker-runtime';
import { hasText, inlineText, ocrPdfPages, readDocument, type OcrEngines } from '@quire/engine-tesseract';

export type ExtractTextDeps = OcrEngines;

const STAGES = [
  { stage: 'initialization', weight: 3, message: 'Preparing text extraction' },
  { stage: 'analysis', weight: 12, message: 'Reading the text layer' },
  { stage: 'ocr', weight: 80, message: 'Recognising pages without text' },
  { stage: 'finalization', weight: 5, message: 'Writing the text' },
] as const;

/** The languages the OCR fallback reads (the `ocr` job type lets the caller choose; this one stays simple). */
// Deskew is always on here: only text comes out, so straightening the image costs nothing in layout, and a skewed
// two-column scan otherwise reads in a broken order (corpus skew.pdf: 44 % → 1.0 % CER).
const FALLBACK_LANGUAGES = ['eng'];

/**
 * `extract-text`: the text of each selected page, from the PDF's text layer (pdf.js), with OCR as the fallback for
 * pages that have none (`ocr: "auto"`), for every page (`"always"`), or never (`"never"`: such pages come back
 * empty and are listed). The text of all pages, separated by form feeds, is the output file `<name>.txt` and (up
 * to 256 KiB) `result.text`; `result.pages` says where each page's text came from.
 */
export function extractTextHandler(deps: ExtractTextDeps): JobHandler<'extract-text'> {
  return async (ctx) => {
    const { ocr } = ctx.params;
    const progress = new StageProgress(ctx, STAGES);
    progress.report('initialization', 0, 'Fetching the document');
    const inputPath = await ctx.inputPath(0);
    const input = ctx.job.inputs[0];
    const name = `${baseName(input?.name)}.txt`;
    const outputPath = path.join(ctx.tempDir, name);

    let pages: Array<{
      page: number;
      source: 'text-layer' | 'ocr' | 'none';
      text: string;
      confidence?: number;
    }>;
    let pageCount: number;
    if (input?.contentType.startsWith('image/')) {
      if (ocr === 'never')
        throw new ValidationError('an image has no text layer: use "ocr": "auto" or "always"');
      progress.report('ocr', 0, 'Recognising the image');
      const read = await deps.tesseract.recognize(inputPath, {
        languages: FALLBACK_LANGUAGES,
        deskew: true,
        dpi: deps.dpi,
        signal: ctx.signal,
        timeoutMs: deps.pageTimeoutMs,
      });
      pageCount = 1;
      pages = [{ page: 1, source: 'ocr', text: read.text, confidence: read.confidence }];
    } else {
      progress.report('analysis', 0);
      const parsed = ctx.params.pages ? parsePageRanges(ctx.params.pages) : null;
      if (parsed && !parsed.ok) throw new ValidationError(`pages: ${parsed.problem}`);
      const ranges = parsed?.ok ? parsed.ranges : [{ start: 1, end: undefined }];
      // The engine reads each page once, however often the selection repeats it.
      const info = await readDocument(deps, inputPath, ctx.signal, mergePageRanges(ranges));
      pageCount = info.pages;
      const selection = selectPages(ranges, info.pages);
      if (!selection.ok) throw new ValidationError(`pages: ${selection.problem}`);
      // Counted before listed; and over the limit the text layer was not read either (the engine skips it), so
      // pages must not silently come back empty.
      const { distinctCount } = selection.selection;
      if (distinctCount > deps.limits.maxPages)
        throw new LimitExceededError(
          `page limit exceeded: the job selects ${distinctCount} pages; the limit is ${deps.limits.maxPages} pages per job`,
          { details: { limit: 'maxPagesPerJob', pages: distinctCount, maxPages: deps.limits.maxPages } },
        );
      const selected = listPages(selection.selection, 'distinct', deps.limits.maxPages);
      const layer = new Map((info.pageTexts ?? []).map((t) => [t.page, t.text]));
      const toRead =
        ocr === 'never' ? [] : ocr === 'always' ? selected : selected.filter((p) => !hasText(layer.get(p)));
      ctx.checkpoint();
      const total = toRead.length;
      progress.report(
        'ocr',
        0,
        total ? `Recognising ${total} page${total === 1 ? '' : 's'} without text` : 'No page needs OCR',
        {
          current: 0,
          total,
        },
      );
      const read = await ocrPdfPages(deps, {
        inputPath,
        info,
        pages: toRead,
        languages: FALLBACK_LANGUAGES,
        workDir: ctx.tempDir,
        signal: ctx.signal,
        layers: false,
        deskew: true,
        onPage: (page, done) => {
          progress.report('ocr', done / total, `Recognised page ${page.page} (${done} of ${total})`, {
            current: done,
            total,
          });
          ctx.checkpoint();
        },
      });
      const byPage = new Map(read.map((r) => [r.page, r]));
      pages = selected.map((page) => {
        const fromOcr = byPage.get(page);
        if (fromOcr)
          return { page, source: 'ocr' as const, text: fromOcr.text, confidence: fromOcr.confidence };
        const text = layer.get(page) ?? '';
        return { page, source: hasText(text) ? ('text-layer' as const) : ('none' as const), text };
      });
    }

    progress.report('finalization', 0);
    const text = pages.map((p) => p.text).join('\f');
    await writeFile(outputPath, text, 'utf8');
    const saved = await ctx.saveOutput(outputPath, name);
    const empty = pages.filter((p) => p.source === 'none').map((p) => p.page);
    progress.report(
      'finalization',
      1,
      `Extracted the text of ${pages.length} page${pages.length === 1 ? '' : 's'}`,
    );
    return {
      ocr,
      pageCount,
      pages: pages.map(({ page, source, text: t, confidence }) => ({
        page,
        source,
        chars: t.length,
        ...(confidence !== undefined ? { confidence: Math.round(confidence * 10) / 10 } : {}),
      })),
      ...(empty.length
        ? { warnings: [`no text on page${empty.length === 1 ? '' : 's'} ${empty.join(', ')}`] }
        : {}),
      ...inlineText(text),
      outputs: [{ name, key: saved.key, bytes: saved.bytes, contentType: 'text/plain; charset=utf-8' }],
    };
  };
}
