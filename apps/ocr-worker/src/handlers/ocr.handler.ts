import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import type { Qpdf } from '@quire/engine-qpdf';
import {
  hasText,
  inlineText,
  ocrPdfPages,
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
 * An image upload becomes a one-page PDF holding the image and its text.
 */
export function ocrHandler(deps: OcrDeps): JobHandler<'ocr'> {
  return async (ctx) => {
    const { languages, mode, rotate, deskew } = ctx.params;
    const progress = new StageProgress(ctx, STAGES);
    progress.report('initialization', 0, 'Fetching the document');
    const inputPath = await ctx.inputPath(0);
    const input = ctx.job.inputs[0];
    const name = `${baseName(input?.name)}-ocr.pdf`;
    const outputPath = path.join(ctx.tempDir, name);

    if (input?.contentType.startsWith('image/')) {
      progress.report('analysis', 0, 'Placing the image on a PDF page');
      const imagePdf = path.join(ctx.tempDir, 'image.pdf');
      await deps.images.convert(inputPath, imagePdf, { signal: ctx.signal });
      const pageCount = await deps.qpdf.countPages(imagePdf, {
        signal: ctx.signal,
        timeoutMs: deps.qpdfTimeoutMs(1),
      });
      progress.report('ocr', 0, 'Recognising the image');
      const layer = path.join(ctx.tempDir, 'layer.pdf');
      const read = await deps.tesseract.recognize(inputPath, {
        languages,
        dpi: deps.dpi,
        pdf: { path: layer, kind: 'text-only' },
        detectOrientation: rotate,
        deskew,
        signal: ctx.signal,
        timeoutMs: deps.pageTimeoutMs,
      });
      progress.report('finalization', 0);
      // qpdf scales the layer onto the page, so the image's own resolution and Tesseract's need not agree.
      await deps.qpdf.run([imagePdf, '--overlay', layer, '--to=1', '--from=1', '--', outputPath], {
        signal: ctx.signal,
        timeoutMs: deps.qpdfTimeoutMs(pageCount),
      });
      const saved = await ctx.saveOutput(outputPath, name);
      return {
        mode,
        languages,
        pageCount,
        pagesOcred: 1,
        averageConfidence: round(read.confidence),
        pages: [{ page: 1, source: 'ocr', confidence: round(read.confidence), chars: read.text.length }],
        ...(pageCount > 1
          ? { warnings: [`only the first of the image's ${pageCount} frames was recognised`] }
          : {}),
        ...inlineText(read.text),
        outputs: [
          { name, key: saved.key, bytes: saved.bytes, pages: pageCount, contentType: 'application/pdf' },
        ],
      };
    }

    progress.report('analysis', 0);
    const info = await readDocument(deps, inputPath, ctx.signal);
    const existing = new Map((info.pageTexts ?? []).map((t) => [t.page, t.text]));
    const all = Array.from({ length: info.pages }, (_, i) => i + 1);
    const toRead = mode === 'skip-text' ? all.filter((p) => !hasText(existing.get(p))) : all;
    ctx.checkpoint();

    const total = toRead.length;
    progress.report('ocr', 0, `Recognising ${total} of ${info.pages} pages`, { current: 0, total });
    const read: PageOcr[] = await ocrPdfPages(deps, {
      inputPath,
      info,
      pages: toRead,
      languages,
      workDir: ctx.tempDir,
      signal: ctx.signal,
      layers: true,
      detectOrientation: rotate,
      deskew,
      onPage: (page, done) => {
        progress.report('ocr', done / total, `Recognised page ${page.page} (${done} of ${total})`, {
          current: done,
          total,
        });
        ctx.checkpoint();
      },
    });

    progress.report('finalization', 0);
    if (read.length === 0) {
      // Every page already has text: the document is searchable as it is.
      await copyFile(inputPath, outputPath);
    } else {
      await overlayTextLayers(deps.qpdf, {
        inputPath,
        outputPath,
        read,
        workDir: ctx.tempDir,
        signal: ctx.signal,
        timeoutMs: deps.qpdfTimeoutMs(info.pages),
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
            ...(rotate && ocr.orientation ? { orientation: ocr.orientation } : {}),
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
