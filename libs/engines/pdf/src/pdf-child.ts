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
  /** Pages whose text items with positions are wanted (same form and bounds as `textOf`). */
  itemsOf?: Array<{ start: number; end?: number | undefined }>;
  /** Text items kept per page (a page with more is cut and marked `truncated`). */
  maxItemsPerPage?: number;
  /** Read the embedded files (attachments); each one's content is returned as UTF-8 text up to this many bytes. */
  attachmentMaxBytes?: number;
  /** Pages whose painted images are wanted, as boxes (same form and bounds as `textOf`). */
  imagesOf?: Array<{ start: number; end?: number | undefined }>;
}

/** Where an image is painted on a page: points, origin top-left, y downwards (like the layout reader's words). */
export interface ImageBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The images painted on one page (a logo, a scanned company block, a whole scanned page). */
export interface PageImages {
  page: number;
  boxes: ImageBox[];
  error?: string;
}

/** One pdf.js text item: `transform[4..5]` is the baseline origin from the bottom-left of the page. */
export interface TextItem {
  str: string;
  transform: number[];
  width: number;
  height: number;
}

/** The text items of one page with the page's height (points, crop box), as a layout reader needs them. */
export interface PageItems {
  page: number;
  width: number;
  height: number;
  items: TextItem[];
  /** True when the page had more than `maxItemsPerPage` items and the rest were dropped. */
  truncated?: boolean;
  error?: string;
}

/** An embedded file (PDF attachment), e.g. a Factur-X / ZUGFeRD invoice XML. */
export interface Attachment {
  name: string;
  bytes: number;
  /** The content as UTF-8 text; absent when over `attachmentMaxBytes`. */
  text?: string;
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
  pageItems?: PageItems[];
  attachments?: Attachment[];
  pageImages?: PageImages[];
}

// Loaded before the child reports ready, so the first task does not pay for it.
const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');

const inspect: ChildHandler<InspectRequest, InspectResponse> = async ({
  path,
  pageSizes,
  maxPages,
  maxSizes,
  textOf,
  itemsOf,
  maxItemsPerPage,
  attachmentMaxBytes,
  imagesOf,
}) => {
  // pdf.js would detach a Node Buffer's shared pool; a plain Uint8Array copy is what it expects.
  const data = new Uint8Array(await readFile(path));
  const loading = pdfjs.getDocument({
    data,
    disableFontFace: true,
    // No isEvalSupported: pdf.js 6 dropped the option along with its last eval (`new Function`) code path.
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
    const itemPages = selectPages(itemsOf, doc.numPages);
    if (
      itemsOf &&
      doc.numPages <= (maxPages ?? Infinity) &&
      itemPages.length <= (maxSizes ?? maxPages ?? Infinity)
    ) {
      response.pageItems = [];
      const cap = maxItemsPerPage ?? Infinity;
      for (const pageNumber of itemPages) {
        try {
          const page = await doc.getPage(pageNumber);
          const viewport = page.getViewport({ scale: 1 });
          const content = await page.getTextContent();
          const items: TextItem[] = [];
          let truncated = false;
          for (const item of content.items) {
            if (!('str' in item)) continue;
            if (items.length >= cap) {
              truncated = true;
              break;
            }
            items.push({
              str: item.str,
              transform: item.transform as number[],
              width: item.width,
              height: item.height,
            });
          }
          response.pageItems.push({
            page: pageNumber,
            width: viewport.width,
            height: viewport.height,
            items,
            ...(truncated ? { truncated } : {}),
          });
          page.cleanup();
        } catch (err) {
          response.pageItems.push({
            page: pageNumber,
            width: 0,
            height: 0,
            items: [],
            error: err instanceof Error ? err.message : String(err),
          });
        }
      }
    }
    if (attachmentMaxBytes !== undefined)
      response.attachments = await readAttachments(doc, attachmentMaxBytes);
    const imagePages = selectPages(imagesOf, doc.numPages);
    if (
      imagesOf &&
      doc.numPages <= (maxPages ?? Infinity) &&
      imagePages.length <= (maxSizes ?? maxPages ?? Infinity)
    ) {
      response.pageImages = [];
      for (const pageNumber of imagePages) {
        try {
          const page = await doc.getPage(pageNumber);
          response.pageImages.push({ page: pageNumber, boxes: await imageBoxes(page) });
          page.cleanup();
        } catch (err) {
          response.pageImages.push({
            page: pageNumber,
            boxes: [],
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

/** The document's embedded files; a damaged attachment dictionary means "no attachments", not an unreadable PDF. */
async function readAttachments(
  doc: {
    getAttachments(): Promise<unknown>;
    getAttachmentContent?: (id: string) => Promise<Uint8Array | null>;
  },
  maxBytes: number,
): Promise<Attachment[]> {
  let raw: unknown;
  try {
    raw = await doc.getAttachments();
  } catch {
    return [];
  }
  if (!raw || typeof raw !== 'object') return [];
  // pdf.js 6 answers a Map of metadata and hands the content out lazily (getAttachmentContent); pdf.js 5 answered
  // a plain object with the content inside.
  const entries = raw instanceof Map ? [...(raw as Map<string, unknown>).entries()] : Object.entries(raw);
  const out: Attachment[] = [];
  for (const [key, value] of entries) {
    const file = value as { filename?: unknown; content?: unknown } | null;
    let content = file?.content instanceof Uint8Array ? file.content : undefined;
    if (!content && doc.getAttachmentContent) {
      try {
        const fetched = await doc.getAttachmentContent(key);
        if (fetched instanceof Uint8Array) content = fetched;
      } catch {
        // A damaged embedded file is reported without content, like one over the byte cap.
      }
    }
    const name = typeof file?.filename === 'string' && file.filename ? file.filename : key;
    const bytes = content?.byteLength ?? 0;
    out.push({
      name,
      bytes,
      ...(content && bytes <= maxBytes ? { text: new TextDecoder('utf-8').decode(content) } : {}),
    });
  }
  return out;
}

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

type Matrix = [number, number, number, number, number, number];
const multiply = (m: Matrix, n: Matrix): Matrix => [
  m[0] * n[0] + m[2] * n[1],
  m[1] * n[0] + m[3] * n[1],
  m[0] * n[2] + m[2] * n[3],
  m[1] * n[2] + m[3] * n[3],
  m[0] * n[4] + m[2] * n[5] + m[4],
  m[1] * n[4] + m[3] * n[5] + m[5],
];

/**
 * The boxes where a page paints images: the operator list is walked with the current transformation matrix (save /
 * restore / cm, form XObjects) and each image's unit square is mapped to the page, then to top-left points through
 * the viewport's transform (crop box and rotation applied; scale 1).
 */
type PdfPage = Awaited<ReturnType<Awaited<ReturnType<typeof pdfjs.getDocument>['promise']>['getPage']>>;

async function imageBoxes(page: PdfPage): Promise<ImageBox[]> {
  const { OPS } = pdfjs;
  const paints = new Set<number>([
    OPS.paintImageXObject,
    OPS.paintInlineImageXObject,
    OPS.paintImageMaskXObject,
    OPS.paintImageXObjectRepeat,
  ]);
  const viewport = page.getViewport({ scale: 1 });
  const list = await page.getOperatorList();
  const stack: Matrix[] = [];
  let ctm: Matrix = [1, 0, 0, 1, 0, 0];
  const boxes: ImageBox[] = [];
  for (let i = 0; i < list.fnArray.length; i++) {
    const fn = list.fnArray[i];
    const args = list.argsArray[i] as unknown[] | null | undefined;
    if (fn === OPS.save) stack.push(ctm);
    else if (fn === OPS.restore) ctm = stack.pop() ?? ctm;
    else if (fn === OPS.transform && args) ctm = multiply(ctm, args.slice(0, 6) as Matrix);
    else if (fn === OPS.paintFormXObjectBegin) {
      stack.push(ctm);
      const m = args?.[0];
      if (Array.isArray(m) && m.length === 6) ctm = multiply(ctm, m as Matrix);
    } else if (fn === OPS.paintFormXObjectEnd) ctm = stack.pop() ?? ctm;
    else if (paints.has(fn)) {
      // The image's unit square through the CTM, then through the viewport (crop box, rotation, y down).
      const toPage = multiply(viewport.transform as Matrix, ctm);
      const corners = [
        [0, 0],
        [1, 0],
        [0, 1],
        [1, 1],
      ].map(([u = 0, v = 0]) => [
        toPage[0] * u + toPage[2] * v + toPage[4],
        toPage[1] * u + toPage[3] * v + toPage[5],
      ]);
      const xs = corners.map((c) => c[0] ?? 0);
      const ys = corners.map((c) => c[1] ?? 0);
      const box = {
        x: Math.min(...xs),
        y: Math.min(...ys),
        width: Math.max(...xs) - Math.min(...xs),
        height: Math.max(...ys) - Math.min(...ys),
      };
      if (box.width > 0 && box.height > 0) boxes.push(box);
    }
  }
  return boxes;
}
