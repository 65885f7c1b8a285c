/**
 * Child module of the pdf.js pool: inspects one PDF per task. Loaded by the supervisor's bootstrap, so workspace
 * libraries are imported as types only.
 */
import { readFile } from 'node:fs/promises';
import type { ChildHandler } from '@quire/engine-supervisor';

export interface InspectRequest {
  path: string;
  /** Pages whose size is wanted (1-based, inclusive; `end` undefined = to the last page). */
  pageSizes?: Array<{ start: number; end?: number | undefined }>;
  /** No sizes are read when the document has more pages than this (the parent then rejects it). */
  maxPages?: number;
  /** No sizes are read when more pages than this are selected. */
  maxSizes?: number;
  /** Pages whose text layer is wanted (same form as `pageSizes`; also bounded by `maxPages` and `maxSizes`). */
  textOf?: Array<{ start: number; end?: number | undefined }>;
}

/** The text layer of one page as pdf.js reads it (empty for a scanned page). */
export interface PageText {
  page: number;
  text: string;
  error?: string;
}

/** A page as a renderer shows it: its crop box, rotated, in points (1/72 in), UserUnit applied. */
export interface PageSize {
  page: number;
  width: number;
  height: number;
  /** pdf.js could not read this page (width and height are then 0). */
  error?: string;
}

export interface InspectResponse {
  pages: number;
  encrypted: boolean;
  pdfVersion?: string;
  title?: string;
  pageSizes?: PageSize[];
  pageTexts?: PageText[];
}

// Loaded before the child reports ready, so the first task does not pay for it.
const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');

const inspect: ChildHandler<InspectRequest, InspectResponse> = async ({
  path,
  pageSizes,
  maxPages,
  maxSizes,
  textOf,
}) => {
  // pdf.js would detach a Node Buffer's shared pool; a plain Uint8Array copy is what it expects.
  const data = new Uint8Array(await readFile(path));
  const loading = pdfjs.getDocument({
    data,
    disableFontFace: true,
    isEvalSupported: false,
    useSystemFonts: false,
    stopAtErrors: false,
    verbosity: pdfjs.VerbosityLevel.ERRORS,
  });
  try {
    const doc = await loading.promise;
    const response: InspectResponse = { pages: doc.numPages, encrypted: false };
    try {
      const info = (await doc.getMetadata()).info as unknown as Record<string, unknown>;
      response.encrypted = typeof info.EncryptFilterName === 'string' && info.EncryptFilterName !== '';
      if (typeof info.PDFFormatVersion === 'string' && info.PDFFormatVersion)
        response.pdfVersion = info.PDFFormatVersion;
      if (typeof info.Title === 'string' && info.Title.trim()) response.title = info.Title.trim();
    } catch {
      // Damaged metadata does not make the document unreadable; the page count is what matters.
    }
    // Sizes are skipped when the document or the selection is over the page limit: the caller rejects the job on
    // that limit, and a page-count bomb (millions of declared pages) must not turn into millions of getPage calls.
    const selected = (pageSizes ?? []).reduce(
      (n, r) => n + Math.max(0, Math.min(r.end ?? doc.numPages, doc.numPages) - Math.max(1, r.start) + 1),
      0,
    );
    if (
      pageSizes &&
      doc.numPages <= (maxPages ?? Infinity) &&
      selected <= (maxSizes ?? maxPages ?? Infinity)
    ) {
      const wanted = new Set<number>();
      for (const range of pageSizes) {
        const end = Math.min(range.end ?? doc.numPages, doc.numPages);
        for (let p = Math.max(1, range.start); p <= end; p++) wanted.add(p);
      }
      response.pageSizes = [];
      for (const pageNumber of [...wanted].sort((a, b) => a - b)) {
        try {
          const page = await doc.getPage(pageNumber);
          const viewport = page.getViewport({ scale: 1 });
          response.pageSizes.push({ page: pageNumber, width: viewport.width, height: viewport.height });
          page.cleanup();
        } catch (err) {
          response.pageSizes.push({
            page: pageNumber,
            width: 0,
            height: 0,
            error: err instanceof Error ? err.message : String(err),
          });
        }
      }
    }
    const textPages = selectPages(textOf, doc.numPages);
    if (
      textOf &&
      doc.numPages <= (maxPages ?? Infinity) &&
      textPages.length <= (maxSizes ?? maxPages ?? Infinity)
    ) {
      response.pageTexts = [];
      for (const pageNumber of textPages) {
        try {
          const page = await doc.getPage(pageNumber);
          const content = await page.getTextContent();
          let text = '';
          for (const item of content.items) {
            if (!('str' in item)) continue;
            text += item.str + (item.hasEOL ? '\n' : '');
          }
          response.pageTexts.push({ page: pageNumber, text });
          page.cleanup();
        } catch (err) {
          response.pageTexts.push({
            page: pageNumber,
            text: '',
            error: err instanceof Error ? err.message : String(err),
          });
        }
      }
    }
    return response;
  } finally {
    await loading.destroy();
  }
};

function selectPages(
  ranges: Array<{ start: number; end?: number | undefined }> | undefined,
  pages: number,
): number[] {
  const wanted = new Set<number>();
  for (const range of ranges ?? []) {
    const end = Math.min(range.end ?? pages, pages);
    for (let p = Math.max(1, range.start); p <= end; p++) wanted.add(p);
  }
  return [...wanted].sort((a, b) => a - b);
}

export default inspect;
