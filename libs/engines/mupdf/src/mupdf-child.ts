/**
 * Child module of the MuPDF pool (npm `mupdf`, WebAssembly): reads pages as characters with boxes, renders a page
 * for OCR, applies redactions and writes a fresh file. Loaded by the supervisor's bootstrap, so workspace
 * libraries are imported as types only. Coordinates are MuPDF page space: points, origin at the top left of the
 * page as displayed (crop box, /Rotate applied), y down; the same space the redaction rectangles are given in.
 */
import { readFile, writeFile } from 'node:fs/promises';
import * as mupdf from 'mupdf';
import type { ChildHandler } from '@quire/engine-supervisor';

/** [x0, y0, x1, y1] in page space. */
export type Rect = [number, number, number, number];

export interface ReadRequest {
  op: 'read';
  path: string;
  password?: string;
  maxPages: number;
  /** Characters kept per page (a page with more is cut and marked `truncated`). */
  maxCharsPerPage: number;
}

/** How a page draws its content, for deciding how it can be checked. */
export interface PageKind {
  /** Characters of the text layer (visible or not). */
  chars: number;
  /** Share of the page area covered by images (0–1, overlaps counted twice, capped at 1). */
  imageCover: number;
  /** Filled or stroked paths drawn. */
  paths: number;
}

export interface PageRead extends PageKind {
  page: number;
  width: number;
  height: number;
  /** The text layer: lines separated by "\n", blocks by "\n\n". */
  text: string;
  /** Four numbers per UTF-16 code unit of `text` (x0, y0, x1, y1); all four 0 for the separators. */
  boxes: number[];
  truncated?: boolean;
  /**
   * The page's annotations and form fields (in the order `RedactRequest.pages[].annotations` refers to them by
   * index) with the text they carry: contents, title, subject, rich text, a field's value and tooltip.
   */
  annotations: Array<{ index: number; type: string; rect: Rect; text: string }>;
}

export interface ReadResponse {
  pages: number;
  encrypted: boolean;
  /** Present when the document has no more than `maxPages` pages. */
  read?: PageRead[];
}

export interface RenderRequest {
  op: 'render';
  path: string;
  password?: string;
  /** 1-based. */
  page: number;
  dpi: number;
  outputPath: string;
  maxPixels: number;
  /** Turns the rendering clockwise by this many degrees (a sideways scan read upright). */
  rotate?: 0 | 90 | 180 | 270;
}

export interface RenderResponse {
  widthPx: number;
  heightPx: number;
}

export interface RedactRequest {
  op: 'redact';
  path: string;
  password?: string;
  outputPath: string;
  /**
   * Rectangles to remove, per 1-based page, and annotations/form fields to delete (indexes of `PageRead.annotations`,
   * e.g. a note whose text holds personal data although it lies elsewhere on the page).
   */
  pages: Array<{ page: number; rects: Rect[]; annotations?: number[] }>;
  /**
   * Also remove the document's metadata (Info, XMP), embedded files, outline (bookmarks), page thumbnails and
   * JavaScript: places the page redaction does not reach and no recogniser reads reliably.
   */
  stripDocumentParts: boolean;
}

export interface RedactResponse {
  pagesChanged: number[];
  /** Annotations and form fields dropped because they overlapped a redaction. */
  annotationsRemoved: number;
  /** Document-level parts removed (e.g. "Info", "XMP metadata", "embedded files", "outline"). */
  removed: string[];
}

export interface ImageToPdfRequest {
  op: 'image-to-pdf';
  path: string;
  outputPath: string;
  maxPixels: number;
}

export interface ImageToPdfResponse {
  widthPx: number;
  heightPx: number;
}

export interface DecryptRequest {
  op: 'decrypt';
  path: string;
  password: string;
  outputPath: string;
}

export interface DecryptResponse {
  /** False when the file was not encrypted (nothing was written). */
  decrypted: boolean;
}

export type MupdfRequest = ReadRequest | RenderRequest | RedactRequest | ImageToPdfRequest | DecryptRequest;
export type MupdfResponse =
  ReadResponse | RenderResponse | RedactResponse | ImageToPdfResponse | DecryptResponse;

/** Thrown in the child; the parent maps `code` to a QuireError. */
class MupdfTaskError extends Error {
  constructor(
    readonly code: 'PASSWORD' | 'NOT_PDF' | 'PIXELS',
    message: string,
    readonly data?: Record<string, number>,
  ) {
    super(message);
    this.name = 'MupdfTaskError';
  }
}

async function openPdf(path: string, password: string | undefined): Promise<mupdf.PDFDocument> {
  const doc = mupdf.Document.openDocument(await readFile(path), 'application/pdf');
  const pdf = doc.asPDF();
  if (!pdf) throw new MupdfTaskError('NOT_PDF', 'the file is not a PDF');
  if (pdf.needsPassword()) {
    if (password === undefined)
      throw new MupdfTaskError('PASSWORD', 'the PDF is encrypted: give its password');
    if (!pdf.authenticatePassword(password)) throw new MupdfTaskError('PASSWORD', 'the password is wrong');
  }
  return pdf;
}

function isEncrypted(pdf: mupdf.PDFDocument): boolean {
  return pdf.getTrailer().get('Encrypt').isDictionary();
}

function kindOf(page: mupdf.Page, chars: number): PageKind {
  const [x0, y0, x1, y1] = page.getBounds();
  const pageArea = Math.max(1, (x1 - x0) * (y1 - y0));
  let imageArea = 0;
  let paths = 0;
  const device = new mupdf.Device({
    fillImage(_image, ctm) {
      // The unit square through ctm: its area is |det|.
      imageArea += Math.abs(ctm[0] * ctm[3] - ctm[1] * ctm[2]);
    },
    fillImageMask(_image, ctm) {
      imageArea += Math.abs(ctm[0] * ctm[3] - ctm[1] * ctm[2]);
    },
    fillPath() {
      paths++;
    },
    strokePath() {
      paths++;
    },
  });
  try {
    page.run(device, mupdf.Matrix.identity);
  } finally {
    device.close();
  }
  return { chars, imageCover: Math.min(1, imageArea / pageArea), paths };
}

function readPage(page: mupdf.Page, number: number, maxChars: number): PageRead {
  const [bx0, by0, bx1, by1] = page.getBounds();
  const text: string[] = [];
  const boxes: number[] = [];
  let truncated = false;
  const separator = (s: string) => {
    for (let i = 0; i < s.length; i++) {
      text.push(s[i] ?? '');
      boxes.push(0, 0, 0, 0);
    }
  };
  let chars = 0;
  let lineInBlock = 0;
  page.toStructuredText('preserve-whitespace').walk({
    beginTextBlock() {
      if (text.length) separator('\n\n');
      lineInBlock = 0;
    },
    beginLine() {
      if (lineInBlock++ > 0) separator('\n');
    },
    onChar(c, _origin, _font, _size, quad) {
      if (chars >= maxChars) {
        truncated = true;
        return;
      }
      chars++;
      const xs = [quad[0], quad[2], quad[4], quad[6]];
      const ys = [quad[1], quad[3], quad[5], quad[7]];
      const box = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
      for (let i = 0; i < c.length; i++) {
        text.push(c[i] ?? '');
        boxes.push(...box);
      }
    },
  });
  return {
    page: number,
    width: bx1 - bx0,
    height: by1 - by0,
    text: text.join(''),
    boxes,
    ...kindOf(page, chars),
    ...(truncated ? { truncated } : {}),
    annotations: annotationsOf(page as mupdf.PDFPage).map((annot, index) => ({
      index,
      type: annot.getType(),
      rect: annot.getBounds(),
      text: annotationText(annot),
    })),
  };
}

/** Annotations then widgets (form fields), the order both `read` and `redact` use. */
function annotationsOf(page: mupdf.PDFPage): mupdf.PDFAnnotation[] {
  return [...page.getAnnotations(), ...page.getWidgets()];
}

/** Keys of an annotation or field dictionary that hold text a person wrote. */
const TEXT_KEYS = ['Contents', 'T', 'TU', 'TM', 'Subj', 'RC', 'V', 'DV'];

function annotationText(annot: mupdf.PDFAnnotation): string {
  const parts: string[] = [];
  const dicts = [annot.getObject()];
  const parent = annot.getObject().get('Parent');
  if (parent.isDictionary()) dicts.push(parent);
  for (const dict of dicts) {
    for (const key of TEXT_KEYS) {
      const value = dict.get(key);
      if (value.isString()) parts.push(value.asString());
    }
  }
  return parts.join('\n');
}

async function read(req: ReadRequest): Promise<ReadResponse> {
  const pdf = await openPdf(req.path, req.password);
  const pages = pdf.countPages();
  const encrypted = isEncrypted(pdf);
  if (pages > req.maxPages) return { pages, encrypted };
  const out: PageRead[] = [];
  for (let i = 0; i < pages; i++) out.push(readPage(pdf.loadPage(i), i + 1, req.maxCharsPerPage));
  return { pages, encrypted, read: out };
}

async function render(req: RenderRequest): Promise<RenderResponse> {
  const pdf = await openPdf(req.path, req.password);
  const page = pdf.loadPage(req.page - 1);
  const [x0, y0, x1, y1] = page.getBounds();
  const scale = req.dpi / 72;
  const widthPx = Math.ceil((x1 - x0) * scale);
  const heightPx = Math.ceil((y1 - y0) * scale);
  if (widthPx * heightPx > req.maxPixels) {
    throw new MupdfTaskError(
      'PIXELS',
      `page ${req.page} is ${widthPx}×${heightPx} px at ${req.dpi} dpi, over the limit of ${req.maxPixels} pixels`,
      { widthPx, heightPx, maxPixels: req.maxPixels },
    );
  }
  // Device space has y downwards, so MuPDF's rotation matrix turns the image clockwise.
  const matrix = mupdf.Matrix.concat(mupdf.Matrix.scale(scale, scale), mupdf.Matrix.rotate(req.rotate ?? 0));
  const pixmap = page.toPixmap(matrix, mupdf.ColorSpace.DeviceGray, false, true);
  await writeFile(req.outputPath, pixmap.asPNG());
  return { widthPx: pixmap.getWidth(), heightPx: pixmap.getHeight() };
}

function overlaps(a: Rect, b: Rect): boolean {
  return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
}

/** PDF_REDACT_IMAGE_PIXELS: image pixels under a redaction are painted over in the image itself. */
const IMAGE_PIXELS = 2;
/**
 * PDF_REDACT_LINE_ART_REMOVE_IF_COVERED: paths wholly under a redaction go; a table's grid drawn as one path and
 * merely crossing a box stays (removing every touched path would take whole tables with it).
 */
const LINE_ART_IF_COVERED = 1;
/** PDF_REDACT_TEXT_REMOVE: glyphs under a redaction are removed from the content stream. */
const TEXT_REMOVE = 0;

async function redact(req: RedactRequest): Promise<RedactResponse> {
  const pdf = await openPdf(req.path, req.password);
  const pagesChanged: number[] = [];
  let annotationsRemoved = 0;
  const deletedFields = new Set<number>();
  for (const { page: number, rects, annotations = [] } of req.pages) {
    if (rects.length === 0 && annotations.length === 0) continue;
    const page = pdf.loadPage(number - 1);
    // Annotations and form fields over a redaction, or whose text holds personal data, go whole.
    const drop = new Set(annotations);
    for (const [index, annot] of annotationsOf(page).entries()) {
      const rect = annot.getBounds();
      if (!drop.has(index) && !rects.some((r) => overlaps(rect, r))) continue;
      const obj = annot.getObject();
      if (obj.isIndirect()) deletedFields.add(obj.asIndirect());
      const parent = obj.get('Parent');
      if (parent.isIndirect()) deletedFields.add(parent.asIndirect());
      page.deleteAnnotation(annot);
      annotationsRemoved++;
    }
    if (rects.length) {
      for (const rect of rects) page.createAnnotation('Redact').setRect(rect);
      page.applyRedactions(true, IMAGE_PIXELS, LINE_ART_IF_COVERED, TEXT_REMOVE);
    }
    // A thumbnail is a picture of the page as it was.
    page.getObject().delete('Thumb');
    pagesChanged.push(number);
  }
  if (deletedFields.size) pruneFormFields(pdf, deletedFields);
  const removed = req.stripDocumentParts ? stripDocumentParts(pdf) : [];
  // A full rewrite (never incremental): earlier revisions and unreferenced objects are not carried over.
  const saved = pdf.saveToBuffer('garbage=deduplicate,compress,decrypt');
  await writeFile(req.outputPath, saved.asUint8Array());
  return { pagesChanged, annotationsRemoved, removed };
}

/**
 * Removes deleted widgets' fields from the form (AcroForm /Fields and their parents' /Kids): deleting a widget from
 * a page leaves its field, and the field's value, reachable from the document's form.
 */
function pruneFormFields(pdf: mupdf.PDFDocument, deleted: ReadonlySet<number>): void {
  const prune = (array: mupdf.PDFObject) => {
    for (let i = array.length - 1; i >= 0; i--) {
      const entry = array.get(i);
      if (entry.isIndirect() && deleted.has(entry.asIndirect())) {
        array.delete(i);
        continue;
      }
      const kids = entry.get('Kids');
      if (kids.isArray()) prune(kids);
    }
  };
  const fields = pdf.getTrailer().get('Root').get('AcroForm').get('Fields');
  if (fields.isArray()) prune(fields);
}

function stripDocumentParts(pdf: mupdf.PDFDocument): string[] {
  const removed: string[] = [];
  const trailer = pdf.getTrailer();
  const root = trailer.get('Root');
  const drop = (dict: mupdf.PDFObject, key: string, label: string) => {
    if (!dict.get(key).isNull()) {
      dict.delete(key);
      removed.push(label);
    }
  };
  drop(trailer, 'Info', 'document information (Info)');
  drop(root, 'Metadata', 'XMP metadata');
  drop(root, 'Outlines', 'outline (bookmarks)');
  drop(root, 'PieceInfo', 'private application data (PieceInfo)');
  const names = root.get('Names');
  if (names.isDictionary()) {
    drop(names, 'EmbeddedFiles', 'embedded files');
    drop(names, 'JavaScript', 'document JavaScript');
  }
  drop(root, 'AF', 'associated files');
  let pageMetadata = 0;
  let attachmentAnnots = 0;
  for (let i = 0; i < pdf.countPages(); i++) {
    const page = pdf.loadPage(i);
    const obj = page.getObject();
    for (const key of ['Metadata', 'PieceInfo', 'AF']) {
      if (!obj.get(key).isNull()) {
        obj.delete(key);
        pageMetadata++;
      }
    }
    for (const annot of page.getAnnotations()) {
      if (annot.getType() === 'FileAttachment') {
        page.deleteAnnotation(annot);
        attachmentAnnots++;
      }
    }
  }
  if (pageMetadata) removed.push(`page metadata (${pageMetadata})`);
  if (attachmentAnnots) removed.push(`file attachment annotations (${attachmentAnnots})`);
  return removed;
}

async function imageToPdf(req: ImageToPdfRequest): Promise<ImageToPdfResponse> {
  const image = new mupdf.Image(await readFile(req.path));
  const widthPx = image.getWidth();
  const heightPx = image.getHeight();
  if (widthPx * heightPx > req.maxPixels) {
    throw new MupdfTaskError(
      'PIXELS',
      `the image is ${widthPx}×${heightPx} px, over the limit of ${req.maxPixels} pixels`,
      { widthPx, heightPx, maxPixels: req.maxPixels },
    );
  }
  // Its own resolution when it says one (scanners do), else 300 dpi.
  const xres = image.getXResolution() || 300;
  const yres = image.getYResolution() || 300;
  const w = (widthPx * 72) / xres;
  const h = (heightPx * 72) / yres;
  const pdf = new mupdf.PDFDocument();
  const resources = pdf.addObject(pdf.newDictionary());
  const xobjects = pdf.newDictionary();
  xobjects.put('Im0', pdf.addImage(image));
  resources.put('XObject', xobjects);
  const page = pdf.addPage([0, 0, w, h], 0, resources, `q ${w} 0 0 ${h} 0 0 cm /Im0 Do Q`);
  pdf.insertPage(-1, page);
  await writeFile(req.outputPath, pdf.saveToBuffer('compress').asUint8Array());
  return { widthPx, heightPx };
}

async function decrypt(req: DecryptRequest): Promise<DecryptResponse> {
  const pdf = await openPdf(req.path, req.password);
  if (!isEncrypted(pdf)) return { decrypted: false };
  // Objects as they are (no garbage collection, no clean-up): only the encryption goes.
  await writeFile(req.outputPath, pdf.saveToBuffer('decrypt').asUint8Array());
  return { decrypted: true };
}

const handler: ChildHandler<MupdfRequest, MupdfResponse> = async (req) => {
  switch (req.op) {
    case 'read':
      return read(req);
    case 'render':
      return render(req);
    case 'redact':
      return redact(req);
    case 'image-to-pdf':
      return imageToPdf(req);
    case 'decrypt':
      return decrypt(req);
  }
};

export default handler;
