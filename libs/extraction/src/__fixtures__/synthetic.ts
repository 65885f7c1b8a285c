/**
 * Synthetic pages for the unit tests: lines of text placed at given x positions (left- or right-aligned), as
 * pdf.js would report them (one item per cell) or as OCR would (one box per word).
 */
import type { Word } from '../layout';

/** One printed piece: text at x (its left edge, or its right edge when right-aligned). */
export interface Piece {
  text: string;
  x: number;
  align?: 'left' | 'right';
  /** Font size (default: the page's). */
  size?: number;
}

export type PrintedLine = Piece[] | { gap: number };

export interface PageSpec {
  lines: PrintedLine[];
}

export interface RenderOptions {
  /** Font size in points (also the box height). */
  size?: number;
  /** Baseline-to-baseline distance. */
  pitch?: number;
  /** Average character width as a share of the font size. */
  charWidth?: number;
  /** One word per box (OCR) instead of one box per piece (pdf.js). */
  splitWords?: boolean;
  top?: number;
}

export function render(pages: PageSpec[], options: RenderOptions = {}): Word[] {
  const size = options.size ?? 9;
  const pitch = options.pitch ?? 14;
  const charWidth = (options.charWidth ?? 0.5) * size;
  const words: Word[] = [];
  pages.forEach((page, p) => {
    let y = options.top ?? 60;
    for (const line of page.lines) {
      if ('gap' in line) {
        y += line.gap;
        continue;
      }
      for (const piece of line) {
        const s = piece.size ?? size;
        const cw = (charWidth * s) / size;
        const width = piece.text.length * cw;
        const x0 = piece.align === 'right' ? piece.x - width : piece.x;
        if (options.splitWords) {
          for (const m of piece.text.matchAll(/\S+/g)) {
            words.push({
              page: p + 1,
              text: m[0],
              x: x0 + m.index * cw,
              y,
              width: m[0].length * cw,
              height: s,
            });
          }
        } else {
          words.push({ page: p + 1, text: piece.text, x: x0, y, width, height: s });
        }
      }
      y += pitch;
    }
  });
  return words;
}

/** Column positions for a table: each column's x and alignment, used for the header and the rows alike. */
export interface TableColumn {
  header: string;
  x: number;
  align?: 'left' | 'right';
}

/** A row: cells by column index (missing = empty); extra lines for a wrapped cell go in `more`. */
export function row(columns: readonly TableColumn[], cells: readonly (string | null)[]): Piece[] {
  const out: Piece[] = [];
  cells.forEach((text, i) => {
    if (text === null || text === '' || !columns[i]) return;
    out.push({ text, x: columns[i].x, align: columns[i].align ?? 'left' });
  });
  return out;
}

export function headerRow(columns: readonly TableColumn[]): Piece[] {
  return columns.map((c) => ({ text: c.header, x: c.x, align: c.align ?? 'left' }));
}
