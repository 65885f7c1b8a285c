import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import type { Img2pdf } from '@quire/engine-img2pdf';
import type { Qpdf } from '@quire/engine-qpdf';
import {
  hasText,
  ocrPdfPages,
  ocrPdfPagesUpright,
  overlayTextLayers,
  readDocument,
  timed,
  type OcrEngines,
  type PageOcr,
} from './ocr-pages';

/** The engines of the searchable-PDF pipeline: the OCR engines, plus qpdf (overlay, rotation) and img2pdf (images). */
export interface SearchablePdfEngines extends OcrEngines {
  qpdf: Qpdf;
  img2pdf: Img2pdf;
  /** Deadline of one qpdf run over a document of `pages` pages. */
  qpdfTimeoutMs: (pages: number) => number;
}

/** Where an OCR pipeline is, for progress reports. A callback that throws (e.g. cancelled) ends the pipeline. */
export type OcrStep =
  /** An image upload is being placed on a PDF page. */
  | { step: 'image-to-pdf' }
  /** An image upload is being recognised as it is. */
  | { step: 'recognise-image' }
  /** The document is read: `toRead` of its `pageCount` pages will be recognised. */
  | { step: 'plan'; pageCount: number; toRead: readonly number[] }
  /** One more page was recognised (`done` of `total`). */
  | { step: 'page'; result: PageOcr; done: number; total: number }
  /** The text layers are being laid over the pages. */
  | { step: 'overlay' };

/** Which pages get OCR: `skip-text` only pages without a text layer; `force` and `redo` every page. */
export type SearchablePdfMode = 'skip-text' | 'force' | 'redo';

export interface SearchablePdfOptions {
  /** A PDF, or an image when `isImage`. */
  inputPath: string;
  isImage: boolean;
  outputPath: string;
  languages: readonly string[];
  mode: SearchablePdfMode;
  /** Turn pages found turned by 90/180/270° upright (Tesseract OSD, then qpdf `/Rotate`). */
  rotate: boolean;
  /** Straighten slightly skewed scans before recognition. */
  deskew: boolean;
  /** Scratch folder for page images and text layers (the caller removes it). */
  workDir: string;
  signal: AbortSignal;
  /** How the input is named in error messages. */
  label?: string;
  onStep?: (step: OcrStep) => void;
}

/** One page of the result: read by OCR, or kept with the text layer it had. */
export interface SearchablePage {
  page: number;
  source: 'ocr' | 'text-layer';
  text: string;
  /** OCR only: mean word confidence, 0–100. */
  confidence?: number;
  /** OCR with `rotate` only: degrees the page was turned clockwise to be read upright. */
  rotated?: number;
}

export interface SearchablePdfResult {
  pageCount: number;
  /** Every page, ascending. */
  pages: SearchablePage[];
}

/**
 * The searchable-PDF pipeline: each page to read is rendered at the OCR resolution (Ghostscript), recognised
 * (Tesseract), and its text laid over the original page as an invisible layer (qpdf overlay), so the page itself is
 * untouched: same images, same vector content, only a text layer more (the approach of OCRmyPDF's sandwich
 * renderer). An image is placed on a PDF page first (img2pdf, lossless) and then read like a scanned PDF. When no
 * page needs reading, the input is copied to `outputPath` as it is.
 */
export async function makeSearchablePdf(
  engines: SearchablePdfEngines,
  options: SearchablePdfOptions,
): Promise<SearchablePdfResult> {
  const { signal, workDir, onStep } = options;
  let inputPath = options.inputPath;
  if (options.isImage) {
    onStep?.({ step: 'image-to-pdf' });
    inputPath = path.join(workDir, 'image.pdf');
    await timed(engines.timings, 'image to PDF (img2pdf)', () =>
      engines.img2pdf.convert(options.inputPath, inputPath, { signal }),
    );
  }
  const info = await readDocument(engines, inputPath, signal);
  const existing = new Map((info.pageTexts ?? []).map((t) => [t.page, t.text]));
  const all = Array.from({ length: info.pages }, (_, i) => i + 1);
  const toRead = options.mode === 'skip-text' ? all.filter((p) => !hasText(existing.get(p))) : all;
  onStep?.({ step: 'plan', pageCount: info.pages, toRead });

  const pageOptions = {
    inputPath,
    info,
    pages: toRead,
    languages: options.languages,
    workDir,
    signal,
    layers: true,
    deskew: options.deskew,
    onPage: (result: PageOcr, done: number) => onStep?.({ step: 'page', result, done, total: toRead.length }),
  };
  const qpdfTimeoutMs = engines.qpdfTimeoutMs(info.pages);
  const { read, basePath } = options.rotate
    ? await ocrPdfPagesUpright(engines, engines.qpdf, { ...pageOptions, qpdfTimeoutMs })
    : { read: await ocrPdfPages(engines, pageOptions), basePath: inputPath };

  onStep?.({ step: 'overlay' });
  if (read.length === 0) {
    // Every page already has text: the document is searchable as it is.
    await copyFile(inputPath, options.outputPath);
  } else {
    await timed(engines.timings, 'overlay (qpdf)', () =>
      overlayTextLayers(engines.qpdf, {
        inputPath: basePath,
        outputPath: options.outputPath,
        read,
        workDir,
        signal,
        timeoutMs: qpdfTimeoutMs,
        ...(options.label === undefined ? {} : { label: options.label }),
      }),
    );
  }

  const byPage = new Map(read.map((r) => [r.page, r]));
  const pages = all.map((page): SearchablePage => {
    const ocr = byPage.get(page);
    if (!ocr) return { page, source: 'text-layer', text: existing.get(page) ?? '' };
    const rotated = options.rotate && ocr.orientation ? { rotated: ocr.orientation } : {};
    return { page, source: 'ocr', text: ocr.text, confidence: ocr.confidence, ...rotated };
  });
  return { pageCount: info.pages, pages };
}
