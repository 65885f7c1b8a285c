/**
 * Words with positions → lines → cells. The input is what pdf.js's getTextContent() gives for digital pages and
 * what OCR gives for scanned ones (word boxes); both become {@link Word}s in one coordinate system: points, origin
 * at the top-left of the page, y growing downwards, (x, y) the top-left corner of the word's box.
 */

/** One word (or run of words) on a page. */
export interface Word {
  /** 1-based page number. */
  page: number;
  text: string;
  x: number;
  /** Top edge, measured down from the top of the page. */
  y: number;
  width: number;
  height: number;
}

/** Words on one line that are close enough to read as one unit: a table cell, a label, a value. */
export interface Cell {
  page: number;
  text: string;
  x0: number;
  x1: number;
  top: number;
  height: number;
}

/** One printed line: cells left to right. */
export interface Line {
  page: number;
  /** Index in document order (pages top to bottom). */
  index: number;
  top: number;
  bottom: number;
  /** Typical text height on the line. */
  height: number;
  cells: Cell[];
  text: string;
}

/** A pdf.js TextItem, structurally (so this library does not depend on pdf.js). */
export interface PdfjsTextItem {
  str: string;
  /** [a, b, c, d, e, f]: e, f = x and baseline y from the bottom-left of the page. */
  transform: number[];
  width: number;
  height: number;
}

/**
 * Words ending in two letters with an amount (two decimals) glued to them or one space after them: "AUGUST625.88",
 * "AUGUST 625.88" (pdf.js 6 puts a space where the runs were slightly apart).
 */
const GLUED_AMOUNT = /^(.*\p{L}{2}) ?([-+−(]?[€$£¥₹]?\d{1,3}(?:[.,'’]\d{3})*[.,]\d{2}\)?-?)$/u;

/**
 * pdf.js text items of one page → words. An item that contains two or more consecutive spaces (producers that
 * lay a table out with spaces) is split there, with x positions in proportion to the characters; a single run is
 * otherwise kept whole, so a long description printed over the next column stays one cell, except for an amount
 * glued to its last word (pdf.js 6 merges runs that touch across a column edge).
 */
export function wordsFromPdfjsItems(
  page: number,
  pageHeight: number,
  items: readonly PdfjsTextItem[],
): Word[] {
  const words: Word[] = [];
  for (const item of items) {
    const [a = 1, b = 0, c = 0, d = 1, e = 0, f = 0] = item.transform;
    if (item.str.trim() === '') continue;
    if (Math.abs(b) > Math.abs(a)) continue; // vertical text (margins, stamps): not part of the reading order
    const height = item.height > 0 ? item.height : Math.hypot(c, d);
    const top = pageHeight - f - height;
    const charWidth = item.str.length > 0 ? item.width / item.str.length : 0;
    for (const m of item.str.matchAll(/\S+(?: \S+)*/g)) {
      // pdf.js 6 joins runs that touch: a description printed up to a right-aligned amount arrives as one item
      // ("...AUGUST625.88"). The amount glued to the words is split off (its right edge is the item's, exact).
      const glued = GLUED_AMOUNT.exec(m[0]);
      const parts = glued
        ? [
            { text: glued[1], at: 0 },
            { text: glued[2], at: m[0].length - glued[2].length },
          ]
        : [{ text: m[0], at: 0 }];
      for (const { text, at } of parts) {
        const x = e + (m.index + at) * charWidth;
        words.push({ page, text, x, y: top, width: text.length * charWidth, height });
      }
    }
  }
  return words;
}

/**
 * Plain text laid out with spaces (a monospace rendering, or a text export) → words, one character = `charWidth`
 * points, one line = `lineHeight`. A form feed starts a new page.
 */
export function wordsFromPlainText(
  text: string,
  options: { charWidth?: number; lineHeight?: number } = {},
): Word[] {
  const charWidth = options.charWidth ?? 6;
  const lineHeight = options.lineHeight ?? 12;
  const words: Word[] = [];
  text.split('\f').forEach((pageText, p) => {
    pageText.split(/\r?\n/).forEach((line, row) => {
      for (const m of line.replace(/\t/g, '    ').matchAll(/\S+/g)) {
        words.push({
          page: p + 1,
          text: m[0],
          x: m.index * charWidth,
          y: row * lineHeight,
          width: m[0].length * charWidth,
          height: lineHeight * 0.8,
        });
      }
    });
  });
  return words;
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const NUMBERISH_END = /[\d%)]$/;
const NUMBERISH_START = /^[-+−(]?[\d€$£¥₹]/;
const AMOUNT_LIKE = /^[-+−(]?[€$£¥₹]?\s?\d[\d.,'’\u00a0\u202f ]*[.,]\d{2}\)?-?$/u;
const CURRENCY_OR_SIGN = /(?:^|\s)(?:[-+−€$£¥₹]|[A-Z]{3}|Rs\.?)$/;

/** Whether the next word continues the cell rather than starting a new one. */
function continuesCell(cell: Cell, word: Word, height: number): boolean {
  const gap = word.x - cell.x1;
  if (gap < -0.3 * height) return false; // overprinted (a long description running into the next column)
  // An amount after words is a cell of its own (a description that runs up to the amount column), unless what
  // comes before is only its currency or sign ("€ 399,00").
  if (AMOUNT_LIKE.test(word.text) && !CURRENCY_OR_SIGN.test(cell.text) && !NUMBERISH_END.test(cell.text))
    return false;
  if (NUMBERISH_END.test(cell.text) && NUMBERISH_START.test(word.text)) {
    // Two numbers side by side are two columns, unless it is a space-grouped thousand (1 234,56).
    return (
      gap <= 0.4 * height &&
      /(?:^|\s)[-+]?\d{1,3}$/.test(cell.text) &&
      /^\d{3}(?:[.,]\d+)?\D*$/.test(word.text)
    );
  }
  return gap <= 0.8 * height;
}

/**
 * Groups words into lines (by vertical centre; tolerant of mixed font sizes on one baseline) and each line into
 * cells (words closer than about one character height). Lines come in reading order, pages in order.
 */
export function buildLines(words: readonly Word[]): Line[] {
  const byPage = new Map<number, Word[]>();
  for (const w of words) {
    if (w.text.trim() === '' || !Number.isFinite(w.x) || !Number.isFinite(w.y)) continue;
    const list = byPage.get(w.page) ?? [];
    list.push(w);
    byPage.set(w.page, list);
  }
  const lines: Line[] = [];
  for (const page of [...byPage.keys()].sort((a, b) => a - b)) {
    const pageWords = byPage
      .get(page)!
      .sort((a, b) => a.y + a.height / 2 - (b.y + b.height / 2) || a.x - b.x);
    const groups: { centre: number; height: number; words: Word[] }[] = [];
    for (const w of pageWords) {
      const centre = w.y + w.height / 2;
      const h = Math.max(w.height, 1);
      const group = groups.find(
        (g) => Math.abs(g.centre - centre) <= 0.45 * Math.max(Math.min(h, g.height), 1),
      );
      if (group) {
        group.words.push(w);
        group.centre = (group.centre * (group.words.length - 1) + centre) / group.words.length;
        group.height = Math.max(group.height, h);
      } else {
        groups.push({ centre, height: h, words: [w] });
      }
    }
    groups.sort((a, b) => a.centre - b.centre);
    for (const g of groups) {
      const sorted = g.words.sort((a, b) => a.x - b.x);
      const height = median(sorted.map((w) => w.height)) || 1;
      const cells: Cell[] = [];
      for (const w of sorted) {
        const last = cells[cells.length - 1];
        if (last && continuesCell(last, w, height)) {
          const gap = w.x - last.x1;
          last.text = gap > 0.12 * height ? `${last.text} ${w.text}` : `${last.text}${w.text}`;
          last.x1 = Math.max(last.x1, w.x + w.width);
          last.top = Math.min(last.top, w.y);
          last.height = Math.max(last.height, w.height);
        } else {
          cells.push({ page, text: w.text.trim(), x0: w.x, x1: w.x + w.width, top: w.y, height: w.height });
        }
      }
      for (const cell of cells) cell.text = cell.text.replace(/\s+/g, ' ').trim();
      const top = Math.min(...sorted.map((w) => w.y));
      const bottom = Math.max(...sorted.map((w) => w.y + w.height));
      lines.push({
        page,
        index: lines.length,
        top,
        bottom,
        height,
        cells,
        text: cells.map((c) => c.text).join('  '),
      });
    }
  }
  return lines;
}

/** The words of a cell with estimated horizontal extents (in proportion to their characters). */
export function cellWords(cell: Cell): { text: string; x0: number; x1: number; offset: number }[] {
  const perChar = cell.text.length > 0 ? (cell.x1 - cell.x0) / cell.text.length : 0;
  return [...cell.text.matchAll(/\S+/g)].map((m) => ({
    text: m[0],
    x0: cell.x0 + m.index * perChar,
    x1: cell.x0 + (m.index + m[0].length) * perChar,
    offset: m.index,
  }));
}

/** Horizontal extent of characters `start`..`end` of a cell's text, in proportion to the characters. */
export function cellSlice(cell: Cell, start: number, end: number): Cell {
  const perChar = cell.text.length > 0 ? (cell.x1 - cell.x0) / cell.text.length : 0;
  return {
    ...cell,
    text: cell.text.slice(start, end).trim(),
    x0: cell.x0 + start * perChar,
    x1: cell.x0 + end * perChar,
  };
}

/** Length of the overlap of two horizontal intervals (0 when apart). */
export function overlap(a0: number, a1: number, b0: number, b1: number): number {
  return Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));
}
