import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '@quire/errors';
import { splitVat } from './money';
import { writeStatementCsv, writeStatementXlsx, csvText, type ReportStatement } from './report';
import { categorize, categorizationRulesSchema, compileRules, type CategorizationRule } from './rules';

const transactions = [
  { date: '2026-01-03', description: 'REWE Markt 123 Berlin', amount: -45.1, balance: 954.9 },
  { date: '2026-01-15', description: 'Salary ACME GmbH', amount: 2500, balance: 3454.9 },
  { date: '2026-01-20', description: 'Netflix.com', amount: -12.99, balance: 3441.91 },
  { date: '2026-02-01', description: 'Rent February', amount: -900, balance: 2541.91 },
  { date: '2026-02-02', description: '=HYPERLINK("http://evil")', amount: -0.1, balance: 2541.81 },
  { date: '2026-02-03', description: 'rewe to go', amount: -0.2, balance: 2541.61 },
];

const rules: CategorizationRule[] = [
  { category: 'groceries', field: 'description', op: 'contains', value: 'rewe' },
  { category: 'income', field: 'amount', op: 'gt', value: 1000 },
  { category: 'subscriptions', field: 'description', op: 'regex', value: '^netflix\\b' },
  { category: 'housing', field: 'amount', op: 'between', value: [-1000, -500] },
  { category: 'january-other', field: 'date', op: 'lt', value: '2026-02-01' },
];

describe('rules', () => {
  it('gives each transaction the first matching category and totals exactly, in cents', () => {
    const { transactions: out, totals } = categorize(transactions, compileRules(rules));
    expect(out.map((t) => t.category)).toEqual([
      'groceries',
      'income',
      'subscriptions',
      'housing',
      'uncategorized',
      'groceries',
    ]);
    expect(totals).toEqual([
      { category: 'groceries', count: 2, amount: -45.3 },
      { category: 'income', count: 1, amount: 2500 },
      { category: 'subscriptions', count: 1, amount: -12.99 },
      { category: 'housing', count: 1, amount: -900 },
      { category: 'uncategorized', count: 1, amount: -0.1 },
    ]);
  });

  it('first match wins: a later, broader rule does not steal a transaction', () => {
    const { transactions: out } = categorize(
      transactions,
      compileRules([
        { category: 'a', field: 'description', op: 'equals', value: 'netflix.com' },
        { category: 'b', field: 'date', op: 'between', value: ['2026-01-01', '2026-12-31'] },
      ]),
    );
    expect(out[2].category).toBe('a');
    expect(out[0].category).toBe('b');
  });

  it('reports every invalid rule at once, by index, as a ValidationError', () => {
    const bad: CategorizationRule[] = [
      { category: 'x', field: 'description', op: 'regex', value: '(unclosed' },
      { category: 'x', field: 'amount', op: 'gt', value: 'lots' },
      { category: 'x', field: 'date', op: 'lt', value: '31/01/2026' },
      { category: 'x', field: 'description', op: 'gt', value: 'a' },
      { category: 'x', field: 'amount', op: 'between', value: 5 },
      { category: 'ok', field: 'description', op: 'contains', value: 'fine' },
    ];
    const err = (() => {
      try {
        compileRules(bad);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ValidationError);
    const problems = (err as ValidationError).details!.problems as string[];
    expect(problems.map((p) => p.slice(0, 9))).toEqual([
      'rules[0]:',
      'rules[1]:',
      'rules[2]:',
      'rules[3]:',
      'rules[4]:',
    ]);
  });

  it('runs any regex in linear time on hostile text (patterns that backtrack catastrophically in JS)', () => {
    const hostile = { date: '2026-01-01', description: `${'a'.repeat(50_000)}c`, amount: 0 };
    for (const value of ['(a+)+$', 'a+b', '(a*)*a*a*a*b', '(a|aa)+$']) {
      const [rule] = compileRules([{ category: 'x', field: 'description', op: 'regex', value }]);
      const started = Date.now();
      expect(rule.matches(hostile)).toBe(false);
      expect(Date.now() - started).toBeLessThan(1_000); // JS RegExp: 9 s for 'a+b' alone on this machine
    }
  });

  it('refuses what cannot run in linear time (back-references)', () => {
    expect(() =>
      compileRules([{ category: 'x', field: 'description', op: 'regex', value: '(a)\\1' }]),
    ).toThrow(/not a valid regular expression/);
  });

  it('bounds the rule set in the API schema', () => {
    const many = Array.from({ length: 201 }, () => rules[0]);
    expect(categorizationRulesSchema.safeParse(many).success).toBe(false);
    expect(categorizationRulesSchema.safeParse(rules).success).toBe(true);
    expect(
      categorizationRulesSchema.safeParse([{ category: 'x', field: 'iban', op: 'contains', value: 'DE' }])
        .success,
    ).toBe(false);
  });
});

describe('VAT split', () => {
  it('splits to the cent with net + VAT equal to the gross', () => {
    expect(splitVat(119, 19)).toEqual({ net: 100, vat: 19 });
    expect(splitVat(-45.1, 19)).toEqual({ net: -37.9, vat: -7.2 });
    for (const gross of [0.01, 0.05, 9.99, 12.34, 1000.01]) {
      const { net, vat } = splitVat(gross, 7);
      expect(Math.round((net + vat) * 100)).toBe(Math.round(gross * 100));
    }
  });
});

describe('reports', () => {
  let dir: string;
  const statement: ReportStatement = {
    bank: 'Test Bank',
    accountNumber: 'DE89370400440532013000',
    currency: 'EUR',
    openingBalance: 1000,
    closingBalance: 2541.61,
    periodStart: '2026-01-01',
    periodEnd: '2026-02-28',
    transactions: categorize(transactions, compileRules(rules)).transactions,
  };
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'quire-report-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('writes an XLSX that reads back with the transactions, categories, VAT and totals', async () => {
    const file = path.join(dir, 'statement.xlsx');
    await writeStatementXlsx(statement, { includeVat: true, vatRatePercent: 19 }, file);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Summary', 'Transactions', 'By category', 'By month']);

    const tx = wb.getWorksheet('Transactions')!;
    expect(tx.getRow(1).values).toEqual([
      undefined,
      'Date',
      'Description',
      'Category',
      'Amount',
      'Net',
      'VAT',
      'Balance',
    ]);
    expect(tx.rowCount).toBe(1 + transactions.length);
    const first = tx.getRow(2);
    expect((first.getCell(1).value as Date).toISOString().slice(0, 10)).toBe('2026-01-03');
    expect(first.getCell(2).value).toBe('REWE Markt 123 Berlin');
    expect(first.getCell(3).value).toBe('groceries');
    expect(first.getCell(4).value).toBe(-45.1);
    expect([first.getCell(5).value, first.getCell(6).value]).toEqual([-37.9, -7.2]);
    expect(first.getCell(7).value).toBe(954.9);
    // A description that looks like a formula stays a string.
    expect(tx.getRow(6).getCell(2).value).toBe('=HYPERLINK("http://evil")');

    const byCat = wb.getWorksheet('By category')!;
    const groceries = byCat.getRow(2).values as unknown[];
    expect(groceries.slice(1, 6)).toEqual(['groceries', 2, 0, -45.3, -45.3]);
    const byMonth = wb.getWorksheet('By month')!;
    expect(byMonth.getRow(2).getCell(1).value).toBe('2026-01');
    expect(byMonth.getRow(2).getCell(5).value).toBe(2441.91);
    expect(byMonth.getRow(3).getCell(1).value).toBe('2026-02');
    expect(byMonth.getRow(3).getCell(5).value).toBe(-900.3);
    const summary = wb.getWorksheet('Summary')!;
    expect(summary.getRow(8).values).toEqual([undefined, 'Closing balance', 2541.61]);
  });

  it('writes a CSV with exact amounts, quoting and formula neutralisation', async () => {
    const file = path.join(dir, 'statement.csv');
    await writeStatementCsv(statement, { includeVat: false, vatRatePercent: 19 }, file);
    const text = await readFile(file, 'utf8');
    const lines = text
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n');
    expect(lines[0]).toBe('date,description,category,amount,balance');
    expect(lines[1]).toBe('2026-01-03,REWE Markt 123 Berlin,groceries,-45.10,954.90');
    expect(lines[5]).toBe(`2026-02-02,"'=HYPERLINK(""http://evil"")",uncategorized,-0.10,2541.81`);
    expect(lines).toHaveLength(1 + transactions.length);
  });

  it('neutralises every formula lead character', () => {
    expect(['=1', '+1', '-1', '@x', '\tx'].map(csvText)).toEqual(["'=1", "'+1", "'-1", "'@x", "'\tx"]);
    expect(csvText('a,b')).toBe('"a,b"');
  });
});
