import { CorruptPdfError, LimitExceededError, ValidationError } from '@quire/errors';
import { wordsFromPdfjsItems, type Word } from '@quire/extraction';
import { MAX_DOCUMENT_PAGES, type Attachment, type PdfEngine } from '@quire/engine-pdf';

/** Reads scanned pages into word boxes (Ghostscript renders, Tesseract reads); absent = scanned pages stay empty. */
export interface PageOcrReader {
  readPages(
    inputPath: string,
    pages: ReadonlyArray<{ page: number; width: number; height: number }>,
    options: { signal: AbortSignal; workDir: string; onPage?: (page: number, done: number) => void },
  ): Promise<Array<{ page: number; words: Word[]; text: string; confidence: number }>>;
  /** An uploaded image (a photographed or scanned page) read as page 1. */
  readImage(
    imagePath: string,
    options: { signal: AbortSignal },
  ): Promise<{ words: Word[]; text: string; confidence: number }>;
}

export interface ReadLimits {
  /** Pages one job reads (text layer or OCR). */
  maxPages: number;
  /** Text items kept per page (pdf.js). */
  maxItemsPerPage: number;
  /** An embedded file larger than this is not read (Factur-X XML is a few dozen KiB). */
  maxAttachmentBytes: number;
}

export interface ReadDeps {
  pdf: PdfEngine;
  /** Deadline of the pdf.js reading of the document. */
  inspectTimeoutMs: number;
  limits: ReadLimits;
  ocr?: PageOcrReader | undefined;
}

export interface DocumentPage {
  page: number;
  source: 'text-layer' | 'ocr' | 'none';
  /** The page's text in reading order (lines joined), as given to a language model. */
  text: string;
  confidence?: number;
}

export interface ReadDocument {
  pageCount: number;
  /** Page sizes in points (text-layer and scanned pages; an unreadable page is absent). */
  sizes: Array<{ page: number; width: number; height: number }>;
  words: Word[];
  pages: DocumentPage[];
  attachments: Attachment[];
}

/** A page "has text" when its text layer holds at least this many non-blank characters. */
const MIN_TEXT_CHARS = 3;

/**
 * Words with positions of every page: the PDF's text layer (pdf.js items), OCR word boxes for pages without text
 * when an OCR reader is given, and the embedded files (a Factur-X / ZUGFeRD XML rides as one). A document over the
 * page limit is refused before any page is read.
 */
export async function readDocumentWords(
  deps: ReadDeps,
  inputPath: string,
  options: {
    signal: AbortSignal;
    workDir: string;
    /** The upload is an image, not a PDF: it is read by OCR as one page. */
    isImage?: boolean;
    onOcrPage?: (page: number, done: number, total: number) => void;
  },
): Promise<ReadDocument> {
  const { limits } = deps;
  if (options.isImage) {
    if (!deps.ocr) throw new ValidationError('an image has no text layer and this worker has no OCR');
    options.onOcrPage?.(1, 0, 1);
    const read = await deps.ocr.readImage(inputPath, { signal: options.signal });
    options.onOcrPage?.(1, 1, 1);
    return {
      pageCount: 1,
      sizes: [],
      words: read.words,
      pages: [
        { page: 1, source: read.words.length ? 'ocr' : 'none', text: read.text, confidence: read.confidence },
      ],
      attachments: [],
    };
  }
  const counted = await deps.pdf.inspect(inputPath, {
    signal: options.signal,
    timeoutMs: deps.inspectTimeoutMs,
    maxPages: MAX_DOCUMENT_PAGES,
  });
  if (counted.pages === 0) throw new CorruptPdfError('the PDF is damaged: it has no pages');
  if (counted.pages > limits.maxPages) {
    throw new LimitExceededError(
      `page limit exceeded: the document has ${counted.pages} pages; the limit is ${limits.maxPages} pages per job`,
      { details: { limit: 'maxPagesPerJob', pages: counted.pages, maxPages: limits.maxPages } },
    );
  }
  const all = [{ start: 1 }];
  const info = await deps.pdf.inspect(inputPath, {
    signal: options.signal,
    timeoutMs: deps.inspectTimeoutMs,
    maxPages: limits.maxPages,
    pageItems: all,
    maxPageSizes: limits.maxPages,
    maxItemsPerPage: limits.maxItemsPerPage,
    attachments: { maxBytes: limits.maxAttachmentBytes },
  });
  const pageItems = info.pageItems ?? [];
  const byPage = new Map<number, { words: Word[]; page: DocumentPage }>();
  const scanned: Array<{ page: number; width: number; height: number }> = [];
  for (const p of pageItems) {
    const text = p.items.map((i) => i.str).join(' ');
    if (text.replace(/\s+/g, '').length >= MIN_TEXT_CHARS) {
      const words = wordsFromPdfjsItems(p.page, p.height, p.items);
      byPage.set(p.page, { words, page: { page: p.page, source: 'text-layer', text: linesOf(words) } });
    } else if (p.error === undefined && p.width > 0 && p.height > 0) {
      scanned.push({ page: p.page, width: p.width, height: p.height });
    }
  }
  if (scanned.length > 0 && deps.ocr) {
    const read = await deps.ocr.readPages(inputPath, scanned, {
      signal: options.signal,
      workDir: options.workDir,
      onPage: (page, done) => options.onOcrPage?.(page, done, scanned.length),
    });
    for (const r of read) {
      byPage.set(r.page, {
        words: r.words,
        page: {
          page: r.page,
          source: r.words.length ? 'ocr' : 'none',
          text: r.text,
          confidence: r.confidence,
        },
      });
    }
  }
  const pages: DocumentPage[] = [];
  const words: Word[] = [];
  for (let page = 1; page <= info.pages; page++) {
    const got = byPage.get(page);
    pages.push(got?.page ?? { page, source: 'none', text: '' });
    if (got) words.push(...got.words);
  }
  const sizes = pageItems
    .filter((p) => p.error === undefined && p.width > 0 && p.height > 0)
    .map(({ page, width, height }) => ({ page, width, height }));
  return { pageCount: info.pages, sizes, words, pages, attachments: info.attachments ?? [] };
}

/** A document with no words at all can be neither read nor checked: a non-retryable, client-caused failure. */
export function assertReadable(doc: ReadDocument, hasAlternative: boolean): void {
  if (doc.words.length > 0 || hasAlternative) return;
  throw new ValidationError(
    'the document has no text: no page has a text layer and no scanned page could be read (OCR found no words)',
  );
}

/** Words → text lines (top to bottom, left to right), for the language model and for the no-text check. */
export function linesOf(words: readonly Word[]): string {
  const sorted = [...words].sort((a, b) => a.page - b.page || a.y - b.y || a.x - b.x);
  const lines: string[] = [];
  let current: Word[] = [];
  const flush = () => {
    if (current.length)
      lines.push(
        current
          .sort((a, b) => a.x - b.x)
          .map((w) => w.text)
          .join(' '),
      );
    current = [];
  };
  for (const w of sorted) {
    const last = current[current.length - 1];
    if (last && (last.page !== w.page || Math.abs(last.y - w.y) > Math.max(2, last.height / 2))) flush();
    current.push(w);
  }
  flush();
  return lines.join('\n');
}
