import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import ExcelJS from 'exceljs';
import { fromCents, splitVat, toCents } from './money';
import { UNCATEGORIZED } from './rules';

/** What a report needs of an extracted (and maybe categorised) statement. */
export interface ReportStatement {
  bank: string | null;
  accountNumber: string | null;
  currency: string | null;
  openingBalance: number | null;
  closingBalance: number | null;
  periodStart: string | null;
  periodEnd: string | null;
  transactions: ReadonlyArray<{
    date: string;
    description: string;
    amount: number;
    balance: number | null;
    category?: string;
  }>;
}

export interface ReportOptions {
  /** Split every amount into net + VAT at `vatRatePercent` (money out and in alike; signs kept). */
  includeVat: boolean;
  vatRatePercent: number;
}

export interface GroupTotal {
  key: string;
  count: number;
  moneyIn: number;
  moneyOut: number;
  net: number;
  vat?: number;
}

/** Totals per category (first-seen order) and per month (`YYYY-MM`, ascending); exact sums in cents. */
export function summarise(
  statement: ReportStatement,
  options: ReportOptions,
): { byCategory: GroupTotal[]; byMonth: GroupTotal[] } {
  const group = (keyOf: (tx: ReportStatement['transactions'][number]) => string) => {
    const sums = new Map<string, { count: number; inC: number; outC: number; vatC: number }>();
    for (const tx of statement.transactions) {
      const key = keyOf(tx);
      const s = sums.get(key) ?? { count: 0, inC: 0, outC: 0, vatC: 0 };
      const cents = toCents(tx.amount);
      s.count += 1;
      if (cents >= 0) s.inC += cents;
      else s.outC += cents;
      if (options.includeVat) s.vatC += toCents(splitVat(tx.amount, options.vatRatePercent).vat);
      sums.set(key, s);
    }
    return [...sums.entries()].map(([key, s]) => ({
      key,
      count: s.count,
      moneyIn: fromCents(s.inC),
      moneyOut: fromCents(s.outC),
      net: fromCents(s.inC + s.outC),
      ...(options.includeVat ? { vat: fromCents(s.vatC) } : {}),
    }));
  };
  return {
    byCategory: group((tx) => tx.category ?? UNCATEGORIZED),
    byMonth: group((tx) => tx.date.slice(0, 7)).sort((a, b) => a.key.localeCompare(b.key)),
  };
}

const MONEY = '#,##0.00;[Red]-#,##0.00';

/**
 * Writes the statement as an Excel workbook (streamed to `outPath`): Summary, Transactions (real dates and numbers,
 * category, net and VAT when asked), By category and By month. Strings are written as strings, never as formulas.
 */
export async function writeStatementXlsx(
  statement: ReportStatement,
  options: ReportOptions,
  outPath: string,
): Promise<void> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: outPath, useStyles: true });
  workbook.creator = 'Quire';
  const { byCategory, byMonth } = summarise(statement, options);

  const summary = workbook.addWorksheet('Summary');
  summary.columns = [
    { header: 'Field', key: 'field', width: 20 },
    { header: 'Value', key: 'value', width: 32 },
  ];
  const money = (n: number | null) => n;
  for (const [field, value] of [
    ['Bank', statement.bank],
    ['Account', statement.accountNumber],
    ['Currency', statement.currency],
    ['Period start', statement.periodStart ? excelDate(statement.periodStart) : null],
    ['Period end', statement.periodEnd ? excelDate(statement.periodEnd) : null],
    ['Opening balance', money(statement.openingBalance)],
    ['Closing balance', money(statement.closingBalance)],
    ['Transactions', statement.transactions.length],
    ...(options.includeVat ? [['VAT rate %', options.vatRatePercent] as const] : []),
  ] as const) {
    const row = summary.addRow({ field, value });
    const cell = row.getCell('value');
    if (value instanceof Date) cell.numFmt = 'yyyy-mm-dd';
    else if (typeof value === 'number' && field.includes('balance')) cell.numFmt = MONEY;
    row.commit();
  }
  summary.commit();

  const sheet = workbook.addWorksheet('Transactions', { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = [
    { header: 'Date', key: 'date', width: 12, style: { numFmt: 'yyyy-mm-dd' } },
    { header: 'Description', key: 'description', width: 50 },
    { header: 'Category', key: 'category', width: 18 },
    { header: 'Amount', key: 'amount', width: 14, style: { numFmt: MONEY } },
    ...(options.includeVat
      ? [
          { header: 'Net', key: 'net', width: 14, style: { numFmt: MONEY } },
          { header: 'VAT', key: 'vat', width: 12, style: { numFmt: MONEY } },
        ]
      : []),
    { header: 'Balance', key: 'balance', width: 14, style: { numFmt: MONEY } },
  ];
  for (const tx of statement.transactions) {
    sheet
      .addRow({
        date: excelDate(tx.date),
        description: tx.description,
        category: tx.category ?? UNCATEGORIZED,
        amount: tx.amount,
        ...(options.includeVat ? splitVat(tx.amount, options.vatRatePercent) : {}),
        balance: tx.balance,
      })
      .commit();
  }
  sheet.commit();

  for (const [name, label, rows] of [
    ['By category', 'Category', byCategory],
    ['By month', 'Month', byMonth],
  ] as const) {
    const ws = workbook.addWorksheet(name);
    ws.columns = [
      { header: label, key: 'key', width: 20 },
      { header: 'Count', key: 'count', width: 8 },
      { header: 'In', key: 'moneyIn', width: 14, style: { numFmt: MONEY } },
      { header: 'Out', key: 'moneyOut', width: 14, style: { numFmt: MONEY } },
      { header: 'Net', key: 'net', width: 14, style: { numFmt: MONEY } },
      ...(options.includeVat ? [{ header: 'VAT', key: 'vat', width: 12, style: { numFmt: MONEY } }] : []),
    ];
    for (const row of rows) ws.addRow(row).commit();
    ws.commit();
  }
  await workbook.commit();
}

/** Excel stores dates as days; a UTC midnight Date shows the same calendar day in every time zone. */
function excelDate(iso: string): Date {
  const [y, m, d] = iso.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d));
}

/**
 * Writes the transactions as RFC 4180 CSV (UTF-8 with BOM so spreadsheet programs detect the encoding; `.` as
 * decimal separator, no thousands separator). Text that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`,
 * tab, CR at the start) is prefixed with `'`: a statement's descriptions come from outside.
 */
export async function writeStatementCsv(
  statement: ReportStatement,
  options: ReportOptions,
  outPath: string,
): Promise<void> {
  const out = createWriteStream(outPath);
  const header = [
    'date',
    'description',
    'category',
    'amount',
    ...(options.includeVat ? ['net', 'vat'] : []),
    'balance',
  ];
  out.write(`\uFEFF${header.join(',')}\r\n`);
  for (const tx of statement.transactions) {
    const vat = options.includeVat ? splitVat(tx.amount, options.vatRatePercent) : undefined;
    const cells = [
      tx.date,
      csvText(tx.description),
      csvText(tx.category ?? UNCATEGORIZED),
      formatAmount(tx.amount),
      ...(vat ? [formatAmount(vat.net), formatAmount(vat.vat)] : []),
      tx.balance === null ? '' : formatAmount(tx.balance),
    ];
    if (!out.write(`${cells.join(',')}\r\n`))
      await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  out.end();
  await finished(out);
}

function formatAmount(n: number): string {
  return fromCents(toCents(n)).toFixed(2);
}

export function csvText(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) || safe !== safe.trim() ? `"${safe.replaceAll('"', '""')}"` : safe;
}
