import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ValidationError } from '@quire/errors';
import { parsePageRanges } from '@quire/job-model';
import { baseName, StageProgress, type JobHandler } from '@quire/worker-runtime';
import { extractPageTexts, inlineText, type OcrEngines } from '@quire/pipeline-ocr';

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
 * `extract-text`: the text of each selected page through the text-extraction pipeline (`extractPageTexts`,
 * @quire/pipeline-ocr): from the PDF's text layer (pdf.js), with OCR as the fallback for pages that have none
 * (`ocr: "auto"`), for every page (`"always"`), or never (`"never"`: such pages come back empty and are listed).
 * The text of all pages, separated by form feeds, is the output file `<name>.txt` and (up to 256 KiB)
 * `result.text`; `result.pages` says where each page's text came from.
 */
export function extractTextHandler(deps: ExtractTextDeps): JobHandler<'extract-text'> {
  return async (ctx): ReturnType<JobHandler<'extract-text'>> => {
    const { ocr } = ctx.params;
    const progress = new StageProgress(ctx, STAGES);
    progress.report('initialization', 0, 'Fetching the document');
    const inputPath = await ctx.inputPath(0);
    const input = ctx.job.inputs[0];
    const name = `${baseName(input?.name)}.txt`;
    const outputPath = path.join(ctx.tempDir, name);

    progress.report('analysis', 0);
    const parsed = ctx.params.pages ? parsePageRanges(ctx.params.pages) : null;
    if (parsed && !parsed.ok) throw new ValidationError(`pages: ${parsed.problem}`);
    const { pageCount, pages } = await extractPageTexts(deps, {
      inputPath,
      isImage: input?.contentType.startsWith('image/') ?? false,
      ...(parsed?.ok ? { selection: parsed.ranges } : {}),
      ocr,
      languages: FALLBACK_LANGUAGES,
      deskew: true,
      workDir: ctx.tempDir,
      signal: ctx.signal,
      onStep: (step) => {
        if (step.step === 'recognise-image') progress.report('ocr', 0, 'Recognising the image');
        else if (step.step === 'plan') {
          ctx.checkpoint();
          const total = step.toRead.length;
          const message = total
            ? `Recognising ${total} page${total === 1 ? '' : 's'} without text`
            : 'No page needs OCR';
          progress.report('ocr', 0, message, { current: 0, total });
        } else if (step.step === 'page') {
          const { done, total } = step;
          progress.report('ocr', done / total, `Recognised page ${step.result.page} (${done} of ${total})`, {
            current: done,
            total,
          });
          ctx.checkpoint();
        }
      },
    });

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
