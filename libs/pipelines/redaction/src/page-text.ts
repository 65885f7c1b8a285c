/**
 * A page's text with a box per UTF-16 code unit, whichever way it was read (text layer or OCR), and the way back
 * from a detection's character range to rectangles on the page: one per line the value spans.
 */
import type { Rect } from '@quire/engine-mupdf';
import type { WordBox } from '@quire/engine-tesseract';

export interface PageText {
  text: string;
  /** Four numbers per code unit of `text` (x0, y0, x1, y1 in page points); all 0 for separators. */
  boxes: readonly number[];
}

function boxAt(page: PageText, i: number): Rect | null {
  const x0 = page.boxes[i * 4] ?? 0;
  const y0 = page.boxes[i * 4 + 1] ?? 0;
  const x1 = page.boxes[i * 4 + 2] ?? 0;
  const y1 = page.boxes[i * 4 + 3] ?? 0;
  return x1 > x0 && y1 > y0 ? [x0, y0, x1, y1] : null;
}

/**
 * The rectangles covering `text[start, end)`: characters are gathered line by line (a character whose vertical
 * middle lies outside the rectangle being built starts a new one), each rectangle grown by `pad` points.
 */
export function rectsOf(page: PageText, start: number, end: number, pad = 0): Rect[] {
  const rects: Rect[] = [];
  let current: Rect | null = null;
  for (let i = start; i < end; i++) {
    const box = boxAt(page, i);
    if (!box) continue;
    const middle = (box[1] + box[3]) / 2;
    if (current && middle >= current[1] && middle <= current[3]) {
      current = [
        Math.min(current[0], box[0]),
        Math.min(current[1], box[1]),
        Math.max(current[2], box[2]),
        Math.max(current[3], box[3]),
      ];
      rects[rects.length - 1] = current;
    } else {
      current = box;
      rects.push(current);
    }
  }
  return rects.map(([x0, y0, x1, y1]) => [x0 - pad, y0 - pad, x1 + pad, y1 + pad]);
}

/**
 * OCR words as page text: words in Tesseract's reading order, a space between words of a line and a line break
 * where the next word starts below the previous one. Every character of a word carries the WHOLE word's box, so a
 * value found inside a word ("Mail:jane@x.com" read as one word) is redacted with the whole word: a few characters
 * too many rather than a glyph too few, since OCR character positions are only estimates.
 */
export function ocrPageText(words: readonly WordBox[], pointsPerPixel: number): PageText {
  let text = '';
  const boxes: number[] = [];
  let previous: WordBox | undefined;
  for (const word of words) {
    if (previous) {
      const newLine = word.y >= previous.y + previous.height * 0.6 || word.x < previous.x;
      const separator = newLine ? '\n' : ' ';
      text += separator;
      boxes.push(0, 0, 0, 0);
    }
    const box = [
      word.x * pointsPerPixel,
      word.y * pointsPerPixel,
      (word.x + word.width) * pointsPerPixel,
      (word.y + word.height) * pointsPerPixel,
    ];
    for (let i = 0; i < word.text.length; i++) boxes.push(...box);
    text += word.text;
    previous = word;
  }
  return { text, boxes };
}

/** `[x0, y0, x1, y1]` → `[x, y, width, height]`, rounded to 0.01 pt. */
export function toXywh([x0, y0, x1, y1]: Rect): [number, number, number, number] {
  const r = (n: number) => Math.round(n * 100) / 100;
  return [r(x0), r(y0), r(x1 - x0), r(y1 - y0)];
}

/** `[x, y, width, height]` → `[x0, y0, x1, y1]`. */
export function fromXywh([x, y, w, h]: readonly [number, number, number, number]): Rect {
  return [x, y, x + w, y + h];
}

/**
 * Boxes (`[x0, y0, x1, y1]` per character, points) read from a rendering turned `turn` degrees clockwise, moved back
 * onto the page as displayed (`width` × `height` points). Separators (all four 0) stay separators.
 */
export function unturnBoxes(
  boxes: readonly number[],
  turn: 90 | 180 | 270,
  width: number,
  height: number,
): number[] {
  const back = ([x, y]: [number, number]): [number, number] =>
    turn === 90 ? [y, height - x] : turn === 180 ? [width - x, height - y] : [width - y, x];
  const out: number[] = [];
  for (let i = 0; i < boxes.length; i += 4) {
    const [x0, y0, x1, y1] = [boxes[i] ?? 0, boxes[i + 1] ?? 0, boxes[i + 2] ?? 0, boxes[i + 3] ?? 0];
    if (x0 === 0 && y0 === 0 && x1 === 0 && y1 === 0) {
      out.push(0, 0, 0, 0);
      continue;
    }
    const [ax, ay] = back([x0, y0]);
    const [bx, by] = back([x1, y1]);
    out.push(Math.min(ax, bx), Math.min(ay, by), Math.max(ax, bx), Math.max(ay, by));
  }
  return out;
}
