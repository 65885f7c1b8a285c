/**
 * Table columns from header words: which printed words name a column, where the column sits, and which column a
 * cell below belongs to. Shared by statements (date/description/debit/credit/amount/balance) and invoice line
 * tables (their own vocabulary).
 */
import { cellWords, overlap, type Cell, type Line } from './layout';
import { CURRENCY_CODES, CURRENCY_SYMBOLS } from './money';
import { fold } from './text';

export interface Column<K extends string> {
  kind: K;
  x0: number;
  x1: number;
  label: string;
}

export interface Vocabulary<K extends string> {
  /** Folded phrase → kind. */
  phrases: ReadonlyMap<string, K>;
  /** Phrases that count only as the whole header cell. */
  wholeCellOnly: ReadonlySet<string>;
}

export function vocabulary<K extends string>(
  lists: Readonly<Record<K, readonly string[]>>,
  wholeCellOnly: ReadonlySet<string>,
): Vocabulary<K> {
  const phrases = new Map<string, K>();
  for (const kind of Object.keys(lists) as K[]) {
    for (const p of lists[kind]) phrases.set(normaliseHeaderWord(p), kind);
  }
  return { phrases, wholeCellOnly };
}

/** A header word as compared: folded, without punctuation other than the slash (b/f) and apostrophe. */
function normaliseHeaderWord(text: string): string {
  return fold(text)
    .replace(/[^\p{L}\p{N}/' ]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Words that decorate a header without naming it: "Betrag EUR", "Amount (€)", "Saldo in EUR". */
function isDecoration(word: string): boolean {
  const w = word.replace(/[()[\]:.,*]/g, '');
  return (
    w === '' || CURRENCY_CODES.has(w.toUpperCase()) || w in CURRENCY_SYMBOLS || /^(?:in|en|im)$/i.test(w)
  );
}

/** The columns a header line names, left to right (a line that names none gives []). */
export function headerColumns<K extends string>(line: Line, vocab: Vocabulary<K>): Column<K>[] {
  const columns: Column<K>[] = [];
  for (const cell of line.cells) {
    const words = cellWords(cell)
      .map((w) => ({ ...w, norm: normaliseHeaderWord(w.text) }))
      .filter((w) => w.norm !== '');
    const meaningful = words.filter((w) => !isDecoration(w.text)).length;
    const found: Column<K>[] = [];
    for (let i = 0; i < words.length;) {
      let hit: { kind: K; n: number } | null = null;
      for (let n = Math.min(4, words.length - i); n >= 1 && !hit; n--) {
        const phrase = words
          .slice(i, i + n)
          .map((w) => w.norm)
          .join(' ');
        const kind = vocab.phrases.get(phrase);
        if (kind !== undefined && (!vocab.wholeCellOnly.has(phrase) || meaningful === n)) hit = { kind, n };
      }
      if (hit) {
        const last = words[i + hit.n - 1];
        found.push({
          kind: hit.kind,
          x0: words[i].x0,
          x1: last.x1,
          label: cell.text.slice(words[i].offset, last.offset + last.text.length),
        });
        i += hit.n;
      } else {
        i++;
      }
    }
    // One name in the cell: the whole cell is that column's header (its extent is the column's).
    if (found.length === 1) {
      found[0].x0 = cell.x0;
      found[0].x1 = cell.x1;
      found[0].label = cell.text;
    }
    columns.push(...found);
  }
  return columns;
}

/** Share of a line's meaningful words that are column names (a header is mostly names). */
export function headerCoverage<K extends string>(line: Line, columns: readonly Column<K>[]): number {
  const total = line.cells.flatMap((c) => cellWords(c)).filter((w) => !isDecoration(w.text)).length;
  if (total === 0) return 0;
  const named = columns.reduce((n, c) => n + c.label.split(/\s+/).filter((w) => !isDecoration(w)).length, 0);
  return Math.min(1, named / total);
}

/**
 * The column a cell belongs to among `candidates`: the one its extent overlaps most (right-aligned numbers under a
 * left-aligned or centred header still overlap it), else the nearest within about one column width.
 */
export function assignColumn<K extends string>(
  cell: Cell,
  candidates: readonly Column<K>[],
  options: { nearest?: boolean } = {},
): Column<K> | null {
  let best: Column<K> | null = null;
  let bestOverlap = 0;
  for (const col of candidates) {
    const o = overlap(cell.x0, cell.x1, col.x0, col.x1);
    if (o > bestOverlap) {
      best = col;
      bestOverlap = o;
    }
  }
  if (best || options.nearest === false) return best;
  let nearest: Column<K> | null = null;
  let nearestGap = Infinity;
  for (const col of candidates) {
    const gap = cell.x1 < col.x0 ? col.x0 - cell.x1 : cell.x0 - col.x1;
    const limit = 1.2 * Math.max(col.x1 - col.x0, cell.x1 - cell.x0);
    if (gap < nearestGap && gap <= limit) {
      nearest = col;
      nearestGap = gap;
    }
  }
  return nearest;
}
