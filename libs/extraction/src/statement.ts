/**
 * Bank statements from words with positions, no LLM. The principles (docs/architecture.md, AI extraction):
 * - the transaction table is found from its header words, in any of the supported languages, and each column's
 *   position from where its header sits; a page without a header continues the previous page's table;
 * - a row starts with a date in the date column; text lines just below it continue its description (wrapped);
 *   an amount line without a date is a further transaction on the same date;
 * - amounts are signed from the layout: a debit column is money out, a credit column money in; in a single
 *   amount column, a minus (leading or trailing), parentheses or a CR/DR (S/H) marker; when nothing is signed
 *   but a running balance is printed, the change of balance gives the sign;
 * - the decimal convention and the day/month order are decided from the whole document, never per number;
 * - brought-forward and carried-forward rows are balances, not transactions; summary labels (opening / closing
 *   balance) are read anywhere on the page.
 */
import { assignColumn, headerColumns, headerCoverage, vocabulary, type Column } from './columns';
import { detectCurrency } from './currency';
import {
  findDates,
  inferDayMonthOrder,
  leadingDate,
  resolveDate,
  type DayMonthOrder,
  type RawDate,
} from './dates';
import { findIbans } from './identifiers';
import { buildLines, cellSlice, overlap, type Cell, type Line, type Word } from './layout';
import {
  centsToNumber,
  detectNumberFormat,
  findAmounts,
  parseAmount,
  type NumberFormat,
  type ParsedAmount,
} from './money';
import { fold, foldKeepLength, squash } from './text';
import type { BankStatement, SkippedRow, StatementTransaction } from './types';
import {
  CARD_DUE_RE,
  CARD_RE,
  CLOSING_RE,
  COLUMN_HEADERS,
  FOOTER_RE,
  MONEY_KINDS,
  OPENING_RE,
  RANGE_JOIN_RE,
  TOTAL_RE,
  WHOLE_CELL_ONLY,
  type ColumnKind,
} from './vocabulary';

export interface StatementOptions {
  /** Overrides the inferred day/month order (for a caller who knows the bank). */
  dayMonthOrder?: DayMonthOrder;
}

const HEADER_VOCABULARY = vocabulary(COLUMN_HEADERS, WHOLE_CELL_ONLY);

type StatementColumn = Column<ColumnKind>;

interface Table {
  columns: StatementColumn[];
  dateColumn: StatementColumn;
  moneyColumns: StatementColumn[];
  /** Left edge of the description area (right of the date column). */
  descriptionStart: number;
  /** Left edge of the first money column. */
  moneyStart: number;
}

interface Draft {
  page: number;
  rawDate: RawDate;
  description: string[];
  money: Partial<Record<ColumnKind, ParsedAmount>>;
  lastBottom: number;
  /** A line that is not part of the row has been seen since: no more continuation lines. */
  closed: boolean;
  text: string[];
}

function tableFromHeader(columns: StatementColumn[]): Table | null {
  const dateColumn =
    columns.find((c) => c.kind === 'date') ?? columns.find((c) => c.kind === 'valueDate') ?? null;
  const moneyColumns = columns.filter((c) => MONEY_KINDS.has(c.kind));
  if (!dateColumn || moneyColumns.length === 0) return null;
  if (!moneyColumns.some((c) => c.kind !== 'balance')) return null;
  const descriptions = columns.filter((c) => c.kind === 'description');
  const moneyStart = Math.min(...moneyColumns.map((c) => c.x0));
  const descriptionStart =
    descriptions.length > 0
      ? Math.min(...descriptions.map((c) => c.x0))
      : Math.min(dateColumn.x1 + 1, moneyStart);
  return { columns, dateColumn, moneyColumns, descriptionStart, moneyStart };
}

/** A header line: names a date column and a money column, and is mostly column names. */
function readHeader(line: Line, format: NumberFormat): Table | null {
  const columns = headerColumns(line, HEADER_VOCABULARY);
  if (columns.length < 2) return null;
  if (line.cells.some((c) => parseAmount(c.text, format) !== null)) return null;
  if (headerCoverage(line, columns) < 0.6) return null;
  return tableFromHeader(columns);
}

/**
 * A header printed over two lines ("Data / contabile", "Value / Date"): the lower line's words joined to the
 * upper cells they sit under (a lower word under no upper cell is a cell of its own). Null when `next` is not a
 * second header line (too far below, or either line holds figures).
 */
function stackedHeaderLine(line: Line, next: Line | undefined): Line | null {
  if (!next || next.page !== line.page || next.top - line.bottom > 0.8 * line.height) return null;
  // Header words carry no figures: a line with digits (a balance above the header, the first row) is no part of it.
  if (/\d/.test(line.text) || /\d/.test(next.text)) return null;
  const cells = line.cells.map((c) => ({ ...c }));
  for (const lower of next.cells) {
    const upper = cells.find((c) => overlap(c.x0, c.x1, lower.x0, lower.x1) > 0);
    if (upper) {
      upper.text = `${upper.text} ${lower.text}`;
      upper.x1 = Math.max(upper.x1, lower.x1);
      upper.x0 = Math.min(upper.x0, lower.x0);
    } else cells.push({ ...lower });
  }
  cells.sort((a, b) => a.x0 - b.x0);
  return { ...line, bottom: next.bottom, cells, text: cells.map((c) => c.text).join('  ') };
}

/** Brought/carried forward and totals rows. */
function specialRow(text: string): 'opening' | 'closing' | 'total' | null {
  const f = fold(text);
  if (OPENING_RE.test(f)) return 'opening';
  if (CLOSING_RE.test(f)) return 'closing';
  return null;
}

interface LineCells {
  date: { raw: RawDate; cell: Cell } | null;
  texts: Cell[];
  money: { kind: ColumnKind; amount: ParsedAmount; cell: Cell }[];
  /** Text left of the description area that is not a date (page furniture, a new section). */
  strayLeft: boolean;
}

const MARKER_ONLY = /^(?:CR|DR|Cr|Dr|S|H|\+|-)\.?$/;

function readCells(line: Line, table: Table, format: NumberFormat): LineCells {
  const out: LineCells = { date: null, texts: [], money: [], strayLeft: false };
  const tolerance = line.height;
  const dateZoneEnd = Math.max(table.descriptionStart, table.dateColumn.x1) - 0.5 * tolerance;
  for (const cell of line.cells) {
    // A date in the date column (possibly run together with the start of the description).
    if (
      out.date === null &&
      cell.x0 < dateZoneEnd + tolerance &&
      cell.x1 > table.dateColumn.x0 - 4 * tolerance
    ) {
      const raw = leadingDate(cell.text, { allowNoYear: true });
      if (raw) {
        out.date = { raw, cell: cellSlice(cell, 0, raw.end) };
        const rest = cellSlice(cell, raw.end, cell.text.length);
        if (rest.text !== '') out.texts.push(rest);
        continue;
      }
    }
    const inMoneyArea = cell.x1 > table.moneyStart - tolerance;
    const amount = inMoneyArea ? parseAmount(cell.text, format, { allowInteger: true }) : null;
    // A cell under a value-date or reference header ("Valeur", "Value Dt", "Chq./Ref.No."), wherever that column
    // sits: neither description nor amount.
    const column = assignColumn(cell, table.columns, { nearest: false });
    if (
      out.date !== null &&
      column !== null &&
      cell.x0 >= column.x0 - tolerance &&
      ((column.kind === 'valueDate' && leadingDate(cell.text, { allowNoYear: true })) ||
        column.kind === 'reference')
    )
      continue;
    // A second date (value date) left of the description: not part of it (an amount such as "3.04" is no date).
    if (
      out.date !== null &&
      cell.x0 < table.descriptionStart &&
      !amount?.hasDecimals &&
      leadingDate(cell.text, { allowNoYear: true })
    )
      continue;
    if (
      amount &&
      (amount.hasDecimals || amount.currency !== null || cell.x0 >= table.moneyStart - tolerance)
    ) {
      const column = assignColumn(cell, table.moneyColumns);
      if (column) {
        out.money.push({ kind: column.kind, amount, cell });
        continue;
      }
    }
    if (MARKER_ONLY.test(cell.text) && out.money.length > 0) {
      // A CR/DR (or S/H, +/-) printed apart from its amount: belongs to the nearest amount on the line.
      const nearest = out.money.reduce((a, b) =>
        Math.abs(a.cell.x1 - cell.x0) <= Math.abs(b.cell.x1 - cell.x0) ? a : b,
      );
      const again = parseAmount(`${nearest.cell.text} ${cell.text}`, format, { allowInteger: true });
      if (again) {
        nearest.amount = again;
        continue;
      }
    }
    if (cell.x0 < table.descriptionStart - tolerance && cell.x1 < table.descriptionStart + tolerance) {
      out.strayLeft = true;
      continue;
    }
    out.texts.push(cell);
  }
  return out;
}

/** Amount of a row: debit/credit columns, else the signed amount column. */
function rowAmount(money: Draft['money']): { cents: number; explicit: boolean } | null {
  const { debit, credit, amount } = money;
  if (debit || credit) {
    const out = debit ? -Math.abs(debit.cents) : 0;
    const into = credit ? (credit.explicitSign ? credit.cents : Math.abs(credit.cents)) : 0;
    return { cents: into + out, explicit: true };
  }
  if (amount) return { cents: amount.cents, explicit: amount.explicitSign };
  return null;
}

/** Card statements: charges are printed unsigned (money out); credits carry a minus, parentheses or CR. */
function cardAmount(money: Draft['money']): { cents: number; explicit: boolean } | null {
  const printed = money.amount ?? money.debit ?? money.credit;
  if (!printed) return null;
  const credit = money.credit !== undefined || printed.marker === 'CR' || printed.cents < 0;
  return { cents: credit ? Math.abs(printed.cents) : -Math.abs(printed.cents), explicit: true };
}

/** The balance a labelled line states ("Opening balance: 1,137.89 GBP"), the amount nearest after the label. */
function labelledAmount(line: Line, label: RegExp, format: NumberFormat): number | null {
  for (let i = 0; i < line.cells.length; i++) {
    const cell = line.cells[i];
    const m = label.exec(foldKeepLength(cell.text));
    if (!m) continue;
    const after = cell.text.slice(Math.min(cell.text.length, m.index + m[0].length));
    const inCell = findAmounts(after, format, { allowInteger: false })[0];
    if (inCell) return inCell.cents;
    for (const next of line.cells.slice(i + 1)) {
      if (OPENING_RE.test(fold(next.text)) || CLOSING_RE.test(fold(next.text))) break;
      const a = parseAmount(next.text, format, { allowInteger: true }) ?? findAmounts(next.text, format)[0];
      if (a) return a.cents;
    }
  }
  return null;
}

function findPeriod(
  lines: readonly Line[],
  skip: ReadonlySet<number>,
): { start: RawDate; end: RawDate; line: Line } | null {
  for (const line of lines) {
    if (skip.has(line.index)) continue;
    const dates = findDates(line.text);
    for (let i = 0; i + 1 < dates.length; i++) {
      const between = fold(line.text.slice(dates[i].end, dates[i + 1].start));
      if (RANGE_JOIN_RE.test(between)) return { start: dates[i], end: dates[i + 1], line };
    }
  }
  return null;
}

function findBank(lines: readonly Line[], tableStart: number): string | null {
  const firstPage = lines.filter((l) => l.page === lines[0]?.page && l.index < tableStart).slice(0, 12);
  let best: { text: string; height: number; top: number } | null = null;
  for (const line of firstPage) {
    for (const cell of line.cells) {
      const f = fold(cell.text);
      if (!/\p{L}{2}/u.test(cell.text) || FOOTER_RE.test(f) || /\d{3}/.test(cell.text)) continue;
      if (/^(?:statement|kontoauszug|releve|extracto|estratto|afschrift|account|page)\b/.test(f)) continue;
      if (
        !best ||
        cell.height > best.height + 0.5 ||
        (Math.abs(cell.height - best.height) <= 0.5 && cell.top < best.top)
      )
        best = { text: cell.text, height: cell.height, top: cell.top };
    }
  }
  return best ? squash(best.text) : null;
}

const ACCOUNT_LABEL =
  /(?:account|acct|a\/c|konto|kontonummer|kontonr|compte|cuenta|conto|rekening|rekeningnummer|numer rachunku|rachunek)(?:\s*(?:number|no|nr|nummer|n°|no°|numero|num|#))?\.?\s*:?\s*/;

function findAccountNumber(lines: readonly Line[], skip: ReadonlySet<number>): string | null {
  for (const line of lines) {
    if (skip.has(line.index)) continue;
    const iban = findIbans(line.text)[0];
    if (iban) return iban;
  }
  for (const line of lines) {
    if (skip.has(line.index)) continue;
    const f = fold(line.text);
    const m = ACCOUNT_LABEL.exec(f);
    if (!m || /holder|inhaber|titulaire|titular|name/.test(f.slice(m.index, m.index + m[0].length + 8)))
      continue;
    const rest = line.text.slice(m.index + m[0].length);
    const value = /^[:#\s]*([A-Z]{0,4}[\d][\d A-Z\-/.]*\d)/.exec(rest);
    if (value && (value[1].match(/\d/g) ?? []).length >= 4) return squash(value[1].split(/\s{2,}/)[0]);
  }
  return null;
}

/**
 * Extracts a bank statement from words with positions (all pages). Never throws on odd input: what it cannot read
 * ends up in `warnings` and `skippedRows`, and the validator says whether the result adds up.
 */
export function extractBankStatement(words: readonly Word[], options: StatementOptions = {}): BankStatement {
  const lines = buildLines(words);
  const format = detectNumberFormat(lines.map((l) => l.text));
  const warnings: string[] = [];
  const skippedRows: SkippedRow[] = [];
  const drafts: Draft[] = [];
  const tableLines = new Set<number>();
  // Brought/carried-forward rows with the number of rows read before them: a page's "carried forward" is not the
  // statement's closing balance when rows follow it, nor a later "brought forward" its opening.
  const carried: Record<'opening' | 'closing', Array<{ cents: number; rowsBefore: number }>> = {
    opening: [],
    closing: [],
  };

  let table: Table | null = null;
  let tablePage = -1;
  let current: Draft | null = null;
  let firstTableLine = Infinity;
  const finish = () => {
    if (current) drafts.push(current);
    current = null;
  };

  let secondHeaderLine = -1;
  for (const [i, line] of lines.entries()) {
    if (i === secondHeaderLine) {
      tableLines.add(line.index);
      continue;
    }
    let header = readHeader(line, format);
    const stacked = stackedHeaderLine(line, lines[i + 1]);
    const fromTwo = stacked ? readHeader(stacked, format) : null;
    if (fromTwo && (!header || fromTwo.columns.length > header.columns.length)) {
      header = fromTwo;
      secondHeaderLine = i + 1;
    }
    if (header) {
      finish();
      table = header;
      tablePage = line.page;
      tableLines.add(line.index);
      firstTableLine = Math.min(firstTableLine, line.index);
      continue;
    }
    if (!table) continue;
    if (line.page !== tablePage) {
      // A new page without its own header continues the previous table.
      finish();
      tablePage = line.page;
    }
    const cells = readCells(line, table, format);
    const special = specialRow(line.text);
    const firstText = fold(cells.texts[0]?.text ?? '');
    if (special && (cells.money.length > 0 || cells.date)) {
      finish();
      const balance = cells.money.find((m) => m.kind === 'balance') ?? cells.money[cells.money.length - 1];
      if (balance)
        carried[special === 'opening' ? 'opening' : 'closing'].push({
          cents: balance.amount.cents,
          rowsBefore: drafts.length,
        });
      skippedRows.push({ page: line.page, text: line.text, reason: `${special} balance row` });
      tableLines.add(line.index);
      continue;
    }
    if (TOTAL_RE.test(firstText) && cells.money.length > 0) {
      finish();
      skippedRows.push({ page: line.page, text: line.text, reason: 'totals row' });
      tableLines.add(line.index);
      continue;
    }
    const draft: Draft | null = current;
    const close =
      draft !== null &&
      !draft.closed &&
      draft.page === line.page &&
      line.top - draft.lastBottom <= 1.2 * line.height;
    if (cells.date) {
      finish();
      current = {
        page: line.page,
        rawDate: cells.date.raw,
        description: cells.texts.map((c) => c.text),
        money: {},
        lastBottom: line.bottom,
        closed: false,
        text: [line.text],
      };
      for (const m of cells.money) current.money[m.kind] ??= m.amount;
      tableLines.add(line.index);
      firstTableLine = Math.min(firstTableLine, line.index);
      continue;
    }
    if (cells.money.length > 0 && draft !== null) {
      const hasAmount = rowAmount(draft.money) !== null;
      if (!hasAmount && close) {
        // The amounts of a row whose description came first (date line without amounts).
        draft.description.push(...cells.texts.map((c) => c.text));
        for (const m of cells.money) draft.money[m.kind] ??= m.amount;
        draft.lastBottom = line.bottom;
        draft.text.push(line.text);
        tableLines.add(line.index);
        continue;
      }
      if (cells.texts.length > 0 && !cells.strayLeft && line.top - draft.lastBottom <= 2.5 * line.height) {
        // Another transaction on the same date (the date is printed once per day).
        finish();
        current = {
          page: line.page,
          rawDate: draft.rawDate,
          description: cells.texts.map((c) => c.text),
          money: {},
          lastBottom: line.bottom,
          closed: false,
          text: [line.text],
        };
        for (const m of cells.money) current.money[m.kind] ??= m.amount;
        tableLines.add(line.index);
        continue;
      }
      skippedRows.push({ page: line.page, text: line.text, reason: 'amounts without a date or description' });
      if (draft) draft.closed = true;
      continue;
    }
    if (
      draft !== null &&
      close &&
      cells.money.length === 0 &&
      !cells.strayLeft &&
      cells.texts.length > 0 &&
      !FOOTER_RE.test(fold(line.text)) &&
      cells.texts.every((c) => c.x0 < table!.moneyStart)
    ) {
      draft.description.push(...cells.texts.map((c) => c.text));
      draft.lastBottom = line.bottom;
      draft.text.push(line.text);
      tableLines.add(line.index);
      continue;
    }
    if (draft) draft.closed = true;
  }
  finish();

  if (drafts.length === 0)
    warnings.push('no transaction table found (no header with a date and an amount column)');

  // Day/month order: from every date in the document, then from the rows' order, then from the number format.
  const allRaw = lines.flatMap((l) => findDates(l.text));
  const rowRaw = drafts.map((d) => d.rawDate);
  let order: DayMonthOrder;
  if (options.dayMonthOrder) order = options.dayMonthOrder;
  else {
    const evidence = inferDayMonthOrder([...allRaw, ...rowRaw], 'DMY');
    const decided = inferDayMonthOrder([...allRaw, ...rowRaw], 'MDY') === evidence;
    order = decided ? evidence : orderFromSequence(rowRaw, format);
  }

  const periodFound = findPeriod(lines, tableLines);
  let periodStart = periodFound ? resolveDate(periodFound.start, order) : null;
  let periodEnd = periodFound ? resolveDate(periodFound.end, order) : null;

  // Dates printed without a year take it from the period, else from the year most printed in the document.
  const years = new Map<number, number>();
  for (const raw of allRaw) if (raw.year !== null) years.set(raw.year, (years.get(raw.year) ?? 0) + 1);
  const commonYear = [...years.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
  const documentText = fold(lines.map((l) => l.text).join(' '));
  const card = CARD_RE.test(documentText) && CARD_DUE_RE.test(documentText);
  const hasBalanceColumn = drafts.some((d) => d.money.balance !== undefined);

  const transactions: StatementTransaction[] = [];
  const explicitSigns: boolean[] = [];
  for (const d of drafts) {
    const amount = card && !hasBalanceColumn ? cardAmount(d.money) : rowAmount(d.money);
    const date = resolveDate(d.rawDate, order, {
      period: { start: periodStart, end: periodEnd },
      yearHint: periodStart ? Number(periodStart.slice(0, 4)) : commonYear,
    });
    if (amount === null || date === null) {
      skippedRows.push({
        page: d.page,
        text: d.text.join(' / '),
        reason: amount === null ? 'row without an amount' : 'date could not be read',
      });
      continue;
    }
    transactions.push({
      date,
      description: squash(d.description.join(' ')),
      amount: amount.cents,
      balance: d.money.balance ? d.money.balance.cents : null,
      page: d.page,
    });
    explicitSigns.push(amount.explicit);
  }

  // Summary labels outside the table, then carried rows, then the table's own balances.
  let opening: number | null = null;
  let closing: number | null = null;
  for (const line of lines) {
    if (tableLines.has(line.index)) continue;
    opening ??= labelledAmount(line, OPENING_RE, format);
    closing ??= labelledAmount(line, CLOSING_RE, format);
  }
  const withAmount = (d: Draft) => rowAmount(d.money) !== null || cardAmount(d.money) !== null;
  opening ??= carried.opening.find((c) => !drafts.slice(0, c.rowsBefore).some(withAmount))?.cents ?? null;
  closing ??=
    carried.closing.filter((c) => !drafts.slice(c.rowsBefore).some(withAmount)).pop()?.cents ?? null;
  if (card && !hasBalanceColumn) {
    // A card's balance is what is owed: money terms are the negative of the printed figure.
    if (opening !== null) opening = -opening;
    if (closing !== null) closing = -closing;
    warnings.push(
      'credit card statement: amounts are charges unless marked as credits; balances are amounts owed',
    );
  }
  if (drafts.length > 0 && transactions.length === 0) {
    warnings.push(`${drafts.length} rows found but none could be read (see skippedRows)`);
  }

  const chronological = isDescending(transactions) ? [...transactions].reverse() : transactions;
  const signs = chronological === transactions ? explicitSigns : [...explicitSigns].reverse();
  signFromBalances(chronological, signs, opening, warnings);

  if (opening === null && chronological.length > 0 && chronological[0].balance !== null) {
    opening = chronological[0].balance - chronological[0].amount;
    warnings.push('opening balance derived from the first row (balance − amount)');
  }
  if (closing === null && chronological.length > 0) {
    const last = chronological[chronological.length - 1];
    if (last.balance !== null) closing = last.balance;
    else if (opening !== null) {
      closing = opening + chronological.reduce((s, t) => s + t.amount, 0);
      warnings.push('closing balance derived (opening + amounts)');
    }
  }
  if (!periodStart && chronological.length > 0) {
    const sorted = chronological.map((t) => t.date).sort();
    periodStart = sorted[0];
    periodEnd = sorted[sorted.length - 1];
    warnings.push('statement period not printed: taken from the first and last transaction');
  }

  return {
    bank: findBank(lines, firstTableLine),
    accountNumber: findAccountNumber(lines, tableLines),
    currency: detectCurrency(lines),
    openingBalance: opening === null ? null : centsToNumber(opening),
    closingBalance: closing === null ? null : centsToNumber(closing),
    periodStart,
    periodEnd,
    transactions: transactions.map((t) => ({
      ...t,
      amount: centsToNumber(t.amount),
      balance: t.balance === null ? null : centsToNumber(t.balance),
    })),
    method: 'layout',
    warnings,
    skippedRows,
  };
}

/** Newest-first statements: the first date is after the last. */
function isDescending(rows: readonly { date: string }[]): boolean {
  return rows.length > 1 && rows[0].date > rows[rows.length - 1].date;
}

/**
 * Without a day over 12, the order under which the rows' dates run monotonically wins; a tie goes to MDY only for
 * dot-decimal documents (US style), else DMY (most of the world).
 */
function orderFromSequence(rows: readonly RawDate[], format: NumberFormat): DayMonthOrder {
  const violations = (order: DayMonthOrder) => {
    const dates = rows
      .map((r) => resolveDate(r, order, { yearHint: 2000 }))
      .filter((d): d is string => d !== null);
    let up = 0;
    let down = 0;
    for (let i = 1; i < dates.length; i++) {
      if (dates[i] < dates[i - 1]) up++;
      if (dates[i] > dates[i - 1]) down++;
    }
    return Math.min(up, down);
  };
  const dmy = violations('DMY');
  const mdy = violations('MDY');
  if (dmy !== mdy) return dmy < mdy ? 'DMY' : 'MDY';
  return format.decimal === '.' ? 'MDY' : 'DMY';
}

/**
 * Uses the printed running balance to sign amounts: rows whose amount is unsigned take the sign of the balance
 * change; a row whose sign disagrees with an exactly matching change is corrected (and said so in warnings).
 */
function signFromBalances(
  rows: StatementTransaction[],
  explicit: readonly boolean[],
  opening: number | null,
  warnings: string[],
): void {
  let previous = opening;
  let signed = 0;
  let corrected = 0;
  rows.forEach((row, i) => {
    if (row.balance !== null && previous !== null) {
      const change = row.balance - previous;
      if (Math.abs(change) === Math.abs(row.amount) && change !== row.amount) {
        row.amount = change;
        if (explicit[i]) corrected++;
        else signed++;
      }
    }
    if (row.balance !== null) previous = row.balance;
    else if (previous !== null) previous += row.amount;
  });
  if (signed > 0) warnings.push(`${signed} unsigned amount(s) signed from the running balance`);
  if (corrected > 0) warnings.push(`${corrected} amount sign(s) corrected to match the running balance`);
}
