import path from 'node:path';
import { inlineText, makeSearchablePdf, type SearchablePdfEngines } from '@quire/pipeline-ocr';
import { baseName, StageProgress, type JobHandler } from '@quire/worker-runtime';

export type OcrDeps = SearchablePdfEngines;

const STAGES = [
  { stage: 'initialization', weight: 3, message: 'Preparing OCR' },
  { stage: 'analysis', weight: 5, message: 'Reading the document' },
  { stage: 'ocr', weight: 85, message: 'Recognising text' },
  { stage: 'finalization', weight: 7, message: 'Building the searchable PDF' },
] as const;

/**
 * `ocr`: a searchable PDF through the searchable-PDF pipeline (`makeSearchablePdf`, @quire/pipeline-ocr): pages
 * are read by OCR and their text laid over the original pages as an invisible layer; an image upload is placed on a
 * PDF page first. `mode`: `skip-text` (default) reads only pages without a text layer; `force` and `redo` read every
 * page. `rotate`: pages found turned by 90/180/270° are turned upright (`/Rotate`, not re-encoded). This handler
 * maps the job's params to the pipeline, reports progress, stores the output and shapes the result.
 */
export function ocrHandler(deps: OcrDeps): JobHandler<'ocr'> {
  return async (ctx): ReturnType<JobHandler<'ocr'>> => {
    const { languages, mode, rotate, deskew } = ctx.params;
    const progress = new StageProgress(ctx, STAGES);
    progress.report('initialization', 0, 'Fetching the document');
    const uploaded = await ctx.inputPath(0);
    const input = ctx.job.inputs[0];
    const name = `${baseName(input?.name)}-ocr.pdf`;
    const outputPath = path.join(ctx.tempDir, name);
    const isImage = input?.contentType.startsWith('image/') ?? false;

    progress.report('analysis', 0);
    const { pageCount, pages } = await makeSearchablePdf(deps, {
      inputPath: uploaded,
      isImage,
      outputPath,
      languages,
      mode,
      rotate,
      deskew,
      workDir: ctx.tempDir,
      signal: ctx.signal,
      ...(input?.name === undefined ? {} : { label: input.name }),
      onStep: (step) => {
        if (step.step === 'image-to-pdf') {
          // The image goes onto a PDF page as it is (lossless); from there on it is a scanned PDF like any other.
          progress.report('analysis', 0, 'Placing the image on a PDF page');
        } else if (step.step === 'plan') {
          ctx.checkpoint();
          const total = step.toRead.length;
          progress.report('ocr', 0, `Recognising ${total} of ${step.pageCount} pages`, { current: 0, total });
        } else if (step.step === 'page') {
          const { done, total } = step;
          progress.report('ocr', done / total, `Recognised page ${step.result.page} (${done} of ${total})`, {
            current: done,
            total,
          });
          ctx.checkpoint();
        } else if (step.step === 'overlay') progress.report('finalization', 0);
      },
    });
    const saved = await ctx.saveOutput(outputPath, name);

    const read = pages.filter((p) => p.source === 'ocr');
    const text = pages.map((p) => p.text).join('\f');
    const confidences = read.map((r) => r.confidence ?? 0);
    progress.report('finalization', 1, `Recognised ${read.length} page${read.length === 1 ? '' : 's'}`);
    return {
      mode,
      languages,
      pageCount,
      pagesOcred: read.length,
      ...(confidences.length
        ? { averageConfidence: round(confidences.reduce((a, b) => a + b, 0) / confidences.length) }
        : {}),
      ...(read.length === 0
        ? { note: 'every page already has a text layer; the document is returned unchanged' }
        : {}),
      ...(mode === 'redo'
        ? { warnings: ['redo: an existing OCR text layer is kept under the new one'] }
        : {}),
      pages: pages.map((p) =>
        p.source === 'ocr'
          ? {
              page: p.page,
              source: 'ocr',
              confidence: round(p.confidence ?? 0),
              chars: p.text.length,
              ...(p.rotated ? { rotated: p.rotated } : {}),
            }
          : { page: p.page, source: 'text-layer', chars: p.text.length },
      ),
      ...inlineText(text),
      outputs: [
        { name, key: saved.key, bytes: saved.bytes, pages: pageCount, contentType: 'application/pdf' },
      ],
    };
  };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
