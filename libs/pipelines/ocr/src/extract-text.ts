import { LimitExceededError, ValidationError } from '@quire/errors';
import { listPages, mergePageRanges, selectPages, type PageRange } from '@quire/job-model';
import { hasText, ocrPdfPages, readDocument, type OcrEngines } from './ocr-pages';
import type { OcrStep } from './searchable-pdf';

/** When OCR reads a page: `auto` only pages without a text layer, `always` every page, `never` none. */
export type OcrFallback = 'auto' | 'always' | 'never';

export interface ExtractTextOptions {
  /** A PDF, or an image when `isImage` (an image is always read by OCR). */
  inputPath: string;
  isImage: boolean;
  /**
   * Pages of a PDF to extract (repeats read once); ranges past the end are a ValidationError, more distinct pages
   * than `limits.maxPages` a LimitExceededError. Default: every page.
   */
  selection?: readonly PageRange[];
  ocr: OcrFallback;
  languages: readonly string[];
  deskew: boolean;
  /** Scratch folder for page images (the caller removes it). */
  workDir: string;
  signal: AbortSignal;
  onStep?: (step: OcrStep) => void;
}

export interface ExtractedPage {
  page: number;
  /** `none`: the page has no text layer and was not read by OCR (`ocr: never`), or OCR found nothing. */
  source: 'text-layer' | 'ocr' | 'none';
  text: string;
  /** OCR only: mean word confidence, 0–100. */
  confidence?: number;
}

/**
 * The text-extraction pipeline: the text of each selected page from the PDF's text layer (pdf.js), with OCR
 * (Ghostscript renders, Tesseract reads) as the fallback the `ocr` option asks for. An image is recognised as it is.
 */
export async function extractPageTexts(
  engines: OcrEngines,
  options: ExtractTextOptions,
): Promise<{ pageCount: number; pages: ExtractedPage[] }> {
  const { ocr, signal, onStep } = options;
  if (options.isImage) {
    if (ocr === 'never')
      throw new ValidationError('an image has no text layer: use "ocr": "auto" or "always"');
    onStep?.({ step: 'recognise-image' });
    const read = await engines.tesseract.recognize(options.inputPath, {
      languages: options.languages,
      deskew: options.deskew,
      dpi: engines.dpi,
      signal,
      timeoutMs: engines.pageTimeoutMs,
    });
    return {
      pageCount: 1,
      pages: [{ page: 1, source: 'ocr', text: read.text, confidence: read.confidence }],
    };
  }

  const ranges = options.selection ?? [{ start: 1, end: undefined }];
  // The engine reads each page once, however often the selection repeats it.
  const info = await readDocument(engines, options.inputPath, signal, mergePageRanges(ranges));
  const selection = selectPages(ranges, info.pages);
  if (!selection.ok) throw new ValidationError(`pages: ${selection.problem}`);
  // Counted before listed; and over the limit the text layer was not read either (the engine skips it), so pages
  // must not silently come back empty.
  const { distinctCount } = selection.selection;
  const { maxPages } = engines.limits;
  if (distinctCount > maxPages) {
    throw new LimitExceededError(
      `page limit exceeded: the job selects ${distinctCount} pages; the limit is ${maxPages} pages per job`,
      { details: { limit: 'maxPagesPerJob', pages: distinctCount, maxPages } },
    );
  }
  const selected = listPages(selection.selection, 'distinct', maxPages);
  const layer = new Map((info.pageTexts ?? []).map((t) => [t.page, t.text]));
  const toRead =
    ocr === 'never' ? [] : ocr === 'always' ? selected : selected.filter((p) => !hasText(layer.get(p)));
  onStep?.({ step: 'plan', pageCount: info.pages, toRead });
  const read = await ocrPdfPages(engines, {
    inputPath: options.inputPath,
    info,
    pages: toRead,
    languages: options.languages,
    workDir: options.workDir,
    signal,
    layers: false,
    deskew: options.deskew,
    onPage: (result, done) => onStep?.({ step: 'page', result, done, total: toRead.length }),
  });
  const byPage = new Map(read.map((r) => [r.page, r]));
  const pages = selected.map((page): ExtractedPage => {
    const fromOcr = byPage.get(page);
    if (fromOcr) return { page, source: 'ocr', text: fromOcr.text, confidence: fromOcr.confidence };
    const text = layer.get(page) ?? '';
    return { page, source: hasText(text) ? 'text-layer' : 'none', text };
  });
  return { pageCount: info.pages, pages };
}
