/**
 * The redaction pipeline (docs/architecture.md §13 (redaction)): read every page (its text layer with a box per
 * character through MuPDF; a page that is only an image is rendered and read by OCR into word boxes), find personal
 * data in the text (@quire/redaction), turn each finding into rectangles, and have MuPDF remove what lies under them
 * and write a fresh file. A page that has neither text nor an image but draws shapes (text as vector outlines) is
 * reported as unchecked, never as clean. After redacting, the output's text layer is read again and must not
 * contain any redacted value: if it does, the job fails rather than hand out a leaking file.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { InternalError, LimitExceededError, ModelOutputError, ValidationError } from '@quire/errors';
import type { Mupdf, PageRead, Rect } from '@quire/engine-mupdf';
import type { Tesseract } from '@quire/engine-tesseract';
import {
  normaliseForAllow,
  recognise,
  recogniseWithLlm,
  resolveOverlaps,
  type CompiledCustomRecognisers,
  type LlmSpanClient,
  type PiiType,
  type TextDetection,
} from '@quire/redaction';
import { fromXywh, ocrPageText, rectsOf, toXywh, unturnBoxes, type PageText } from './page-text';
import { secureDelete } from './secure-delete';

export interface RedactionEngines {
  mupdf: Mupdf;
  tesseract: Tesseract;
  /** The OpenAI-compatible model, when one is configured: person names and addresses beside the rule-based ones. */
  llm?: LlmSpanClient | undefined;
  limits: { maxPages: number; maxPixelsPerPage: number };
  /** Resolution scanned pages are rendered at for OCR. */
  dpi: number;
  /** Deadline of one page's OCR, and of one MuPDF pass over a document of `pages` pages. */
  pageTimeoutMs: number;
  documentTimeoutMs: (pages: number) => number;
}

/** A box a reviewer kept or drew, `[x, y, width, height]` in page points (as `detect` reports them). */
export interface ReviewedBox {
  page: number;
  box: readonly [number, number, number, number];
  type?: PiiType | undefined;
}

export interface RedactDocumentOptions {
  inputPath: string;
  /** The input is an image (PNG, JPEG, TIFF): it is placed on a PDF page first. */
  isImage: boolean;
  /** Where intermediate files go (securely deleted afterwards). */
  workDir: string;
  mode: 'redact' | 'detect';
  /** Required in redact mode. */
  outputPath?: string | undefined;
  types?: readonly PiiType[] | undefined;
  minConfidence: number;
  region?: string | undefined;
  custom?: CompiledCustomRecognisers | undefined;
  /** OCR languages for scanned pages. */
  languages: readonly string[];
  /** Apply exactly these boxes (a reviewer's list) instead of reading the document. */
  boxes?: readonly ReviewedBox[] | undefined;
  signal?: AbortSignal | undefined;
  onStep?: (step: RedactionStep) => void;
}

export type RedactionStep =
  | { step: 'recognising'; pageCount: number }
  | {
      step: 'page';
      page: number;
      done: number;
      total: number;
      via: 'text-layer' | 'ocr' | 'unchecked' | 'blank';
    }
  | { step: 'redacting'; pages: number }
  | { step: 'finalising' };

export interface RedactionDetection {
  type: PiiType;
  page: number;
  /** `[x, y, width, height]` per line the value spans, in page points from the top-left. */
  boxes: Array<[number, number, number, number]>;
  confidence: number;
  recogniser: string;
  /** Where it was read: the page's text layer, OCR of the page, an annotation or form field, or a reviewer's box. */
  via: 'text-layer' | 'ocr' | 'annotation' | 'reviewer';
}

export interface RedactDocumentResult {
  pageCount: number;
  detections: RedactionDetection[];
  pagesChanged: number[];
  pagesRead: { textLayer: number; ocr: number };
  uncheckedPages: number[];
  removed: string[];
  annotationsRemoved: number;
  warnings: string[];
  durationMs: number;
}

/** Share of a page an image must cover for a page without text to be read by OCR (smaller ones are logos, rules). */
const SCANNED_IMAGE_COVER = 0.05;
/** Points added around OCR word boxes: recognised boxes hug the ink, anti-aliased edges lie just outside. */
const OCR_PAD_PT = 1;

export async function redactDocument(
  engines: RedactionEngines,
  opts: RedactDocumentOptions,
): Promise<RedactDocumentResult> {
  const started = performance.now();
  if (opts.mode === 'redact' && !opts.outputPath) throw new InternalError('redact mode needs an outputPath');
  const temp: string[] = [];
  try {
    let pdfPath = opts.inputPath;
    if (opts.isImage) {
      pdfPath = path.join(opts.workDir, `image-${randomUUID()}.pdf`);
      temp.push(pdfPath);
      await engines.mupdf.imageToPdf(opts.inputPath, {
        outputPath: pdfPath,
        maxPixels: engines.limits.maxPixelsPerPage,
        signal: opts.signal,
        timeoutMs: engines.documentTimeoutMs(1),
      });
    }
    const read = await engines.mupdf.read(pdfPath, {
      maxPages: engines.limits.maxPages,
      signal: opts.signal,
      timeoutMs: engines.documentTimeoutMs(engines.limits.maxPages),
    });
    if (!read.read) {
      throw new LimitExceededError(
        `the document has ${read.pages} pages; redaction takes at most ${engines.limits.maxPages}`,
        { details: { pages: read.pages, maxPages: engines.limits.maxPages } },
      );
    }
    const pages = read.read;
    const warnings: string[] = [];
    const uncheckedPages: number[] = [];
    const pagesRead = { textLayer: 0, ocr: 0 };
    /** Values redacted from text layers, per page: the output is checked for them afterwards. */
    const values = new Map<number, string[]>();
    /** Annotations and form fields whose own text holds personal data, per page (indexes of `PageRead.annotations`). */
    const annotationsToDrop = new Map<number, number[]>();
    let detections: RedactionDetection[];

    if (opts.boxes) {
      detections = reviewerDetections(opts.boxes, pages);
    } else {
      opts.onStep?.({ step: 'recognising', pageCount: pages.length });
      detections = [];
      let done = 0;
      for (const page of pages) {
        opts.signal?.throwIfAborted();
        const found = await readAndRecognise(engines, opts, pdfPath, page, temp);
        done++;
        opts.onStep?.({ step: 'page', page: page.page, done, total: pages.length, via: found.via });
        if (found.via === 'text-layer') pagesRead.textLayer++;
        if (found.via === 'ocr') pagesRead.ocr++;
        if (found.via === 'unchecked') {
          uncheckedPages.push(page.page);
          warnings.push(
            `page ${page.page}: it has no text layer and no image, but draws ${page.paths} shapes (text drawn as ` +
              'vector outlines?): it could not be read, so it was not checked for personal data',
          );
        }
        if (page.truncated)
          warnings.push(
            `page ${page.page}: only the first characters of its very long text layer were checked`,
          );
        if (found.via === 'text-layer' && page.imageCover > 0.5)
          warnings.push(
            `page ${page.page}: an image covers most of it; only its text layer was checked, not the image itself`,
          );
        warnings.push(...found.warnings);
        detections.push(...found.detections);
        const inAnnotations = await recogniseAnnotations(engines, opts, page);
        detections.push(...inAnnotations.detections);
        if (inAnnotations.indexes.length) annotationsToDrop.set(page.page, inAnnotations.indexes);
        if (found.via === 'text-layer' && found.values.length) values.set(page.page, found.values);
      }
    }

    if (opts.mode === 'detect') {
      return result(pages.length, detections, [], pagesRead, uncheckedPages, [], 0, warnings, started);
    }

    opts.onStep?.({ step: 'redacting', pages: new Set(detections.map((d) => d.page)).size });
    const byPage = new Map<number, Rect[]>();
    for (const d of detections) {
      const rects = byPage.get(d.page) ?? [];
      // An annotation's own box is not painted over: the annotation itself is removed.
      if (d.via !== 'annotation') rects.push(...d.boxes.map(fromXywh));
      byPage.set(d.page, rects);
    }
    const outputPath = opts.outputPath ?? '';
    const redacted = await engines.mupdf.redact(pdfPath, {
      outputPath,
      pages: [...byPage].map(([page, rects]) => ({
        page,
        rects,
        ...(annotationsToDrop.has(page) ? { annotations: annotationsToDrop.get(page) } : {}),
      })),
      stripDocumentParts: true,
      signal: opts.signal,
      timeoutMs: engines.documentTimeoutMs(pages.length),
    });

    opts.onStep?.({ step: 'finalising' });
    await assertNothingLeft(
      engines,
      outputPath,
      values,
      opts.signal,
      engines.documentTimeoutMs(pages.length),
    );
    return result(
      pages.length,
      detections,
      redacted.pagesChanged,
      pagesRead,
      uncheckedPages,
      redacted.removed,
      redacted.annotationsRemoved,
      warnings,
      started,
    );
  } finally {
    await Promise.all(temp.map((file) => secureDelete(file)));
  }
}

function result(
  pageCount: number,
  detections: RedactionDetection[],
  pagesChanged: number[],
  pagesRead: RedactDocumentResult['pagesRead'],
  uncheckedPages: number[],
  removed: string[],
  annotationsRemoved: number,
  warnings: string[],
  started: number,
): RedactDocumentResult {
  return {
    pageCount,
    detections,
    pagesChanged,
    pagesRead,
    uncheckedPages,
    removed,
    annotationsRemoved,
    warnings,
    durationMs: Math.round(performance.now() - started),
  };
}

function reviewerDetections(boxes: readonly ReviewedBox[], pages: readonly PageRead[]): RedactionDetection[] {
  const pageCount = pages.length;
  return boxes.map((b) => {
    if (b.page > pageCount)
      throw new ValidationError(
        `boxes: page ${b.page} does not exist (the document has ${pageCount} pages)`,
        {
          details: { field: 'boxes' },
        },
      );
    return {
      type: b.type ?? 'custom',
      page: b.page,
      boxes: [[b.box[0], b.box[1], b.box[2], b.box[3]]],
      confidence: 1,
      recogniser: 'reviewer',
      via: 'reviewer',
    };
  });
}

interface PageFindings {
  via: 'text-layer' | 'ocr' | 'unchecked' | 'blank';
  detections: RedactionDetection[];
  /** The values found (kept in memory only, to check the output). */
  values: string[];
  warnings: string[];
}

async function readAndRecognise(
  engines: RedactionEngines,
  opts: RedactDocumentOptions,
  pdfPath: string,
  page: PageRead,
  temp: string[],
): Promise<PageFindings> {
  if (page.chars > 0) {
    const { found, warnings } = await find(engines, opts, page.text);
    return {
      via: 'text-layer',
      detections: toDetections(found, page, page.page, 'text-layer', 0),
      values: found.map((d) => d.text),
      warnings,
    };
  }
  if (page.imageCover >= SCANNED_IMAGE_COVER) {
    const text = await ocrScannedPage(engines, opts, pdfPath, page, temp);
    const { found, warnings } = await find(engines, opts, text.text);
    return {
      via: 'ocr',
      detections: toDetections(found, text, page.page, 'ocr', OCR_PAD_PT),
      values: found.map((d) => d.text),
      warnings,
    };
  }
  if (page.paths > 0) return { via: 'unchecked', detections: [], values: [], warnings: [] };
  return { via: 'blank', detections: [], values: [], warnings: [] };
}

/**
 * A scanned page's words with boxes in page points. Tesseract's orientation detection runs first: a page scanned
 * sideways or upside down is rendered again turned upright and read again (read as it is, it yields no words, and
 * its personal data would stay), then the boxes are turned back onto the page as displayed.
 */
async function ocrScannedPage(
  engines: RedactionEngines,
  opts: RedactDocumentOptions,
  pdfPath: string,
  page: PageRead,
  temp: string[],
): Promise<PageText> {
  const read = async (rotate: 0 | 90 | 180 | 270, detectOrientation: boolean) => {
    const png = path.join(opts.workDir, `page-${page.page}-${randomUUID()}.png`);
    temp.push(png);
    await engines.mupdf.render(pdfPath, {
      page: page.page,
      dpi: engines.dpi,
      outputPath: png,
      maxPixels: engines.limits.maxPixelsPerPage,
      rotate,
      signal: opts.signal,
      timeoutMs: engines.pageTimeoutMs,
    });
    return engines.tesseract.recognize(png, {
      languages: opts.languages,
      dpi: engines.dpi,
      wordBoxes: true,
      detectOrientation,
      signal: opts.signal,
      timeoutMs: engines.pageTimeoutMs,
    });
  };
  const first = await read(0, true);
  const turn = first.orientation;
  if (turn !== 90 && turn !== 180 && turn !== 270) return ocrPageText(first.boxes ?? [], 72 / engines.dpi);
  const upright = ocrPageText((await read(turn, false)).boxes ?? [], 72 / engines.dpi);
  return { text: upright.text, boxes: unturnBoxes(upright.boxes, turn, page.width, page.height) };
}

/** Personal data in the page's annotations and form fields (a note, a field's value), wherever they sit. */
async function recogniseAnnotations(
  engines: RedactionEngines,
  opts: RedactDocumentOptions,
  page: PageRead,
): Promise<{ detections: RedactionDetection[]; indexes: number[] }> {
  const detections: RedactionDetection[] = [];
  const indexes: number[] = [];
  for (const annot of page.annotations) {
    if (annot.text.trim() === '') continue;
    const { found } = await find(engines, opts, annot.text);
    if (found.length === 0) continue;
    indexes.push(annot.index);
    for (const d of found) {
      detections.push({
        type: d.type,
        page: page.page,
        boxes: [toXywh(annot.rect)],
        confidence: Math.round(d.confidence * 1000) / 1000,
        recogniser: d.recogniser,
        via: 'annotation',
      });
    }
  }
  return { detections, indexes };
}

async function find(
  engines: RedactionEngines,
  opts: RedactDocumentOptions,
  text: string,
): Promise<{ found: TextDetection[]; warnings: string[] }> {
  const options = {
    ...(opts.types ? { types: opts.types } : {}),
    ...(opts.region ? { region: opts.region } : {}),
    ...(opts.custom ? { custom: opts.custom } : {}),
  };
  const rules = recognise(text, options);
  const wantsNames = !opts.types || opts.types.includes('person') || opts.types.includes('address');
  if (!engines.llm || !wantsNames || text.trim() === '') return { found: filter(rules, opts), warnings: [] };
  try {
    const byModel = await recogniseWithLlm(text, engines.llm, { signal: opts.signal });
    const wanted = byModel.filter((d) => !opts.types || opts.types.includes(d.type));
    const allow = opts.custom?.allow;
    return { found: filter(resolveOverlaps([...rules, ...wanted]), opts, allow), warnings: [] };
  } catch (err) {
    if (!(err instanceof ModelOutputError)) throw err;
    return {
      found: filter(rules, opts),
      warnings: ['the language model gave no usable answer: names and addresses were found by rules only'],
    };
  }
}

function filter(
  found: TextDetection[],
  opts: RedactDocumentOptions,
  allow?: ReadonlySet<string>,
): TextDetection[] {
  return found.filter(
    (d) => d.confidence >= opts.minConfidence && !(allow && allow.has(normaliseForAllow(d.text))),
  );
}

function toDetections(
  found: readonly TextDetection[],
  text: PageText,
  page: number,
  via: 'text-layer' | 'ocr',
  pad: number,
): RedactionDetection[] {
  const out: RedactionDetection[] = [];
  for (const d of found) {
    const rects = rectsOf(text, d.start, d.end, pad);
    if (rects.length === 0) continue;
    out.push({
      type: d.type,
      page,
      boxes: rects.map(toXywh),
      confidence: Math.round(d.confidence * 1000) / 1000,
      recogniser: d.recogniser,
      via,
    });
  }
  return out;
}

/** Letters and digits only, lower case: a value must not come back with other spacing or punctuation either. */
function squeeze(s: string): string {
  return s.toLowerCase().replace(/[^\p{L}\p{N}@]/gu, '');
}

/**
 * Reads the redacted file's text layer again: no value redacted from a page's text may still be in it. Guards
 * against a box that missed glyphs (odd fonts, text drawn twice); a failure here is a bug, never a clean result.
 */
async function assertNothingLeft(
  engines: RedactionEngines,
  outputPath: string,
  values: ReadonlyMap<number, string[]>,
  signal: AbortSignal | undefined,
  timeoutMs: number,
): Promise<void> {
  if (values.size === 0) return;
  const again = await engines.mupdf.read(outputPath, {
    maxPages: engines.limits.maxPages,
    signal,
    timeoutMs,
  });
  for (const page of again.read ?? []) {
    const text = squeeze(page.text);
    for (const value of values.get(page.page) ?? []) {
      const needle = squeeze(value);
      if (needle.length >= 4 && text.includes(needle))
        throw new InternalError(
          `redaction check failed: a value redacted on page ${page.page} is still in the output's text layer`,
        );
    }
  }
}
