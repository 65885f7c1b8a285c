import type { ImageBox } from '@quire/engine-pdf';
import type { Word } from '@quire/extraction';
import type { ReadDeps, ReadDocument } from './read-document';

/** Digital invoices put the letterhead or the bank block in a picture now and then; only the first pages matter. */
const MAX_IMAGE_PAGES = 2;
/** An image smaller than this (points) holds a logo mark at most, not lines of text worth an OCR pass. */
const MIN_TEXT_IMAGE = { width: 120, height: 24 };

const centreInside = (w: Word, b: ImageBox) => {
  const cx = w.x + w.width / 2;
  const cy = w.y + w.height / 2;
  return cx >= b.x && cx <= b.x + b.width && cy >= b.y && cy <= b.y + b.height;
};

const overlaps = (a: Word, b: Word) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/**
 * OCR words of the text that digital pages only carry as pictures: the first pages' images large enough to hold
 * text lines are found with pdf.js, the page is OCR'd, and the OCR words whose centre lies inside an image and
 * that cover no text-layer word are kept (the text layer stays the source of everything it prints). Returns []
 * when there is no OCR reader, no such image, or the document was itself read by OCR.
 */
export async function ocrImageRegions(
  deps: ReadDeps,
  inputPath: string,
  doc: ReadDocument,
  options: { signal: AbortSignal; workDir: string; timeoutMs: number },
): Promise<{ words: Word[]; pages: number[] }> {
  const none = { words: [], pages: [] };
  if (!deps.ocr) return none;
  const digital = doc.pages
    .filter((p) => p.source === 'text-layer' && p.page <= MAX_IMAGE_PAGES)
    .map((p) => p.page);
  if (digital.length === 0) return none;
  const info = await deps.pdf.inspect(inputPath, {
    signal: options.signal,
    timeoutMs: options.timeoutMs,
    pageImages: [{ start: 1, end: Math.max(...digital) }],
  });
  const boxesByPage = new Map<number, ImageBox[]>();
  for (const p of info.pageImages ?? []) {
    const boxes = p.boxes.filter((b) => b.width >= MIN_TEXT_IMAGE.width && b.height >= MIN_TEXT_IMAGE.height);
    if (digital.includes(p.page) && boxes.length) boxesByPage.set(p.page, boxes);
  }
  const sizes = doc.sizes.filter((s) => boxesByPage.has(s.page));
  if (sizes.length === 0) return none;
  const read = await deps.ocr.readPages(inputPath, sizes, {
    signal: options.signal,
    workDir: options.workDir,
  });
  const words: Word[] = [];
  for (const r of read) {
    const boxes = boxesByPage.get(r.page) ?? [];
    const printed = doc.words.filter((w) => w.page === r.page);
    for (const w of r.words) {
      if (!boxes.some((b) => centreInside(w, b))) continue;
      if (printed.some((p) => overlaps(w, p))) continue;
      words.push(w);
    }
  }
  return { words, pages: sizes.map((s) => s.page) };
}
