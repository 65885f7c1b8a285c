/** Lays a table out over as many pages as it needs: repeated header, page furniture, rows that may wrap. */
import type { PlacedText, TextPage } from './text-pdf';

export const A4 = { width: 595, height: 842 };

export interface Column {
  key: string;
  /** One or two header lines. */
  header: string[];
  x: number;
  align?: 'left' | 'right';
}

export interface TableRow {
  /** A cell's lines (a wrapped description has several). */
  cells: Record<string, string[]>;
  bold?: boolean;
  /** Running balance after this row, for carried/brought-forward rows at page breaks. */
  balance?: number;
}

export interface TableLayout {
  columns: Column[];
  rows: TableRow[];
  size: number;
  /** Baseline-to-baseline distance. */
  pitch: number;
  /** Extra space after each row. */
  rowGap: number;
  /** Baseline of the header on the first page and on the following pages. */
  firstTop: number;
  nextTop: number;
  /** Lowest baseline a row may use. */
  bottom: number;
  /** Texts of page 1 above the table. */
  firstPage: PlacedText[];
  /** Texts on every page (running header, footer), given the page number and the page count. */
  furniture: (page: number, pages: number) => PlacedText[];
  /** A row closing a page that continues (e.g. BALANCE CARRIED FORWARD) and one opening the next. */
  carried?: (balance: number) => TableRow;
  brought?: (balance: number) => TableRow;
  headerBold?: boolean;
  /** A block under the table (totals, closing balance), moved to a new page when it does not fit. */
  tail?: { height: number; texts: (y: number) => PlacedText[] };
}

function rowTexts(columns: readonly Column[], row: TableRow, y: number, size: number, pitch: number) {
  const out: PlacedText[] = [];
  for (const c of columns) {
    (row.cells[c.key] ?? []).forEach((text, i) => {
      if (text)
        out.push({ x: c.x, y: y + i * pitch, text, size, bold: row.bold ?? false, align: c.align ?? 'left' });
    });
  }
  return out;
}

const rowHeight = (row: TableRow) => Math.max(1, ...Object.values(row.cells).map((l) => l.length));

/** The pages of the table and the baseline under its last row (where a totals block may follow). */
export function layoutTable(t: TableLayout): { pages: TextPage[]; y: number } {
  const bodies: PlacedText[][] = [[...t.firstPage]];
  const header = (top: number): PlacedText[] =>
    t.columns.flatMap((c) =>
      c.header.map((text, i) => ({
        x: c.x,
        y: top + i * t.pitch,
        text,
        size: t.size,
        bold: t.headerBold ?? true,
        align: c.align ?? 'left',
      })),
    );
  const headerLines = Math.max(...t.columns.map((c) => c.header.length));
  let page = bodies[0];
  page.push(...header(t.firstTop));
  let y = t.firstTop + headerLines * t.pitch + t.rowGap + 4;
  let balance: number | undefined;
  for (const row of t.rows) {
    const needed = rowHeight(row) * t.pitch + (t.carried ? t.pitch + t.rowGap : 0);
    if (y + needed > t.bottom) {
      if (t.carried && balance !== undefined)
        page.push(...rowTexts(t.columns, t.carried(balance), y, t.size, t.pitch));
      page = [];
      bodies.push(page);
      page.push(...header(t.nextTop));
      y = t.nextTop + headerLines * t.pitch + t.rowGap + 4;
      if (t.brought && balance !== undefined) {
        page.push(...rowTexts(t.columns, t.brought(balance), y, t.size, t.pitch));
        y += t.pitch + t.rowGap;
      }
    }
    page.push(...rowTexts(t.columns, row, y, t.size, t.pitch));
    y += rowHeight(row) * t.pitch + t.rowGap;
    if (row.balance !== undefined) balance = row.balance;
  }
  if (t.tail) {
    if (y + t.tail.height > t.bottom) {
      page = [];
      bodies.push(page);
      y = t.nextTop;
    }
    page.push(...t.tail.texts(y + t.pitch));
    y += t.tail.height;
  }
  const pages = bodies.map((texts, i) => ({
    ...A4,
    texts: [...texts, ...t.furniture(i + 1, bodies.length)],
  }));
  return { pages, y };
}
