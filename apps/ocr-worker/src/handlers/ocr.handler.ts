import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import type { Qpdf } from '@quire/engine-qpdf';
import {
  hasText,
  inlineText,
  ocrPdfPages,
  ocrPdfPagesUpright,
  overlayTextLayers,
  readDocument,
  type OcrEngines,
  type PageOcr,
} from '@quire/engine-tesseract';
import { baseName, StageProgress, type JobHandler } from '@quire/worker-runtime';
import type { ImageToPdf } from '../image-to-pdf';

export interface OcrDeps extends OcrEngines {
  qpdf: Qpdf;
  images: ImageToPdf;
  /** Deadline of one qpdf run over a document of `pages` pages. */
  qpdfTimeoutMs: (pages: number) => number;
}

const STAGES = [
  { stage: 'initialization', weight: 3, message: 'Preparing OCR' },
  { stage: 'analysis', weight: 5, message: 'Reading the document' },
  { stage: 'ocr', weight: 85, message: 'Recognising text' },
  { stage: 'finalization', weight: 7, message: 'Building the searchable PDF' },
] as const;

/**
 * `ocr`: a searchable PDF. Each page to read is rendered at the OCR resolution, recognised by Tesseract, and its
 * text laid over the original page as an invisible layer (qpdf overlay), so the page itself is untouched: same
 * images, same vector content, only a text layer more (the approach of OCRmyPDF's hOCR/sandwich renderers).
 * `mode`: `skip-text` (default) reads only pages without a text layer; `force` and `redo` read every page.
 * `rotate`: pages found turned by 90/180/270° (Tesseract OSD) are turned upright (`/Rotate`, not re-encoded).
 * An image upload is placed on a PDF page first (img2pdf, lossless) and then read like a scanned PDF.
 */
export function ocrHandler(deps: OcrDeps): JobHandler<'ocr'> {
  return async (ctx) => {
    const { languages, mode, rotate, deskew } = ctx.params;
    const progress = new StageProgress(ctx, STAGES);
    progress.report('initialization', 0, 'Fetching the document');
    const uploaded = await ctx.inputPath(0);
    const input = ctx.job.inputs[0];
    const name = `${baseName(input?.name)}-ocr.pdf`;
    const outputPath = path.join(ctx.tempDir, name);
    const isImage = input?.contentType.startsWith('image/') ?? false;

    progress.report('analysis', 0);
    let inputPath = uploaded;
    if (isImage) {
      // The image goes onto a PDF page as it is (lossless); from there on it is a scanned PDF like any other.
      progress.report('analysis', 0, 'Placing the image on a PDF page');
      inputPath = path.join(ctx.tempDir, 'image.pdf');
      await deps.images.convert(uploaded, inputPath, { signal: ctx.signal });
    }
    const info = await readDocument(deps, inputPath, ctx.signal);
    const existing = new Map((info.pageTexts ?? []).map((t) => [t.page, t.text]));
    const all = Array.from({ length: info.pages }, (_, i) => i + 1);
    const toRead = mode === 'skip-text' ? all.filter((p) => !hasText(existing.get(p))) : all;
    ctx.checkpoint();

    const total = toRead.length;
    progress.report('ocr', 0, `Recognising ${total} of ${info.pages} pages`, { current: 0, total });
    const pageOptions = {
      inputPath,
      info,
      pages: toRead,
      languages,
      workDir: ctx.tempDir,
      signal: ctx.signal,
      layers: true,
      deskew,
      onPage: (page: PageOcr, done: number) => {
        progress.report('ocr', done / total, `Recognised page ${page.page} (${done} of ${total})`, {
          current: done,
          total,
        });
        ctx.checkpoint();
      },
    };
    const qpdfTimeoutMs = deps.qpdfTimeoutMs(info.pages);
    const { read, basePath } = rotate
      ? await ocrPdfPagesUpright(deps, deps.qpdf, { ...pageOptions, qpdfTimeoutMs })
      : { read: await ocrPdfPages(deps, pageOptions), basePath: inputPath };

    progress.report('finalization', 0);
    if (read.length === 0) {
      // Every page already has text: the document is searchable as it is.
      await copyFile(inputPath, outputPath);
    } else {
      await overlayTextLayers(deps.qpdf, {
        inputPath: basePath,
        outputPath,
        read,
        workDir: ctx.tempDir,
        signal: ctx.signal,
        timeoutMs: qpdfTimeoutMs,
        label: input?.name,
      });
    }
    const saved = await ctx.saveOutput(outputPath, name);

    const byPage = new Map(read.map((r) => [r.page, r]));
    const pages = all.map((page) => {
      const ocr = byPage.get(page);
      return ocr
        ? {
            page,
            source: 'ocr',
            confidence: round(ocr.confidence),
            chars: ocr.text.length,
            ...(rotate && ocr.orientation ? { rotated: ocr.orientation } : {}),
          }
        : { page, source: 'text-layer', chars: (existing.get(page) ?? '').length };
    });
    const text = all.map((page) => byPage.get(page)?.text ?? existing.get(page) ?? '').join('\f');
    const confidences = read.map((r) => r.confidence);
    progress.report('finalization', 1, `Recognised ${read.length} page${read.length === 1 ? '' : 's'}`);
    return {
      mode,
      languages,
      pageCount: info.pages,
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
      pages,
      ...inlineText(text),
      outputs: [
        { name, key: saved.key, bytes: saved.bytes, pages: info.pages, contentType: 'application/pdf' },
      ],
    };
  };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
