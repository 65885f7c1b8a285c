/**
 * The layout extractor on the shared corpus: generated bank statements against their JSON ground truth (every
 * transaction must be equal), and invoice2data's invoices field by field. Prints the figures. Scanned statements
 * (bank_statements/scanned) need OCR first and are left to the worker's tests.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sharedCorpus } from '@quire/testing';
import { pdfWords } from './__fixtures__/pdf-words';
import { crossCheckInvoices } from './einvoice';
import { extractInvoice } from './invoice';
import { wordsFromPlainText } from './layout';
import { extractBankStatement } from './statement';
import type { Invoice } from './types';
import { validateStatement } from './validate';

const statements = sharedCorpus('bank_statements/generated', 'extraction corpus.spec');
const invoices = sharedCorpus('invoices/invoice2data', 'extraction corpus.spec');
const scanned = sharedCorpus('bank_statements/scanned', 'extraction corpus.spec');
if (scanned.present) {
  console.info(
    '[extraction corpus.spec] bank_statements/scanned skipped here: it needs OCR word boxes first',
  );
}

interface TruthTransaction {
  date: string;
  description: string;
  amount: number;
  balance: number | null;
}
interface StatementTruth {
  bank: string;
  currency: string;
  opening_balance: number;
  closing_balance: number;
  period_start: string;
  period_end: string;
  transactions: TruthTransaction[];
}

const norm = (s: string) => s.replace(/\s+/g, ' ').trim();

describe.skipIf(!statements.present)(
  'bank statements (generated): every transaction equals the ground truth',
  () => {
    const files = statements.present
      ? readdirSync(statements.dir)
          .filter((f) => f.endsWith('.pdf'))
          .sort()
      : [];
    const figures = { files: 0, exactFiles: 0, transactions: 0, matched: 0, pages: 0, ms: 0 };

    it.each(files)('%s', async (file) => {
      const truth = JSON.parse(
        readFileSync(path.join(statements.dir, file.replace(/\.pdf$/, '.json')), 'utf8'),
      ) as StatementTruth;
      const { words, pages } = await pdfWords(path.join(statements.dir, file));
      const started = performance.now();
      const result = extractBankStatement(words);
      figures.ms += performance.now() - started;
      figures.pages += pages;
      const got = result.transactions.map((t) => ({ ...t, description: norm(t.description) }));
      const want = truth.transactions.map((t) => ({ ...t, description: norm(t.description) }));
      const matched = want.filter((t, i) => {
        const g = got[i];
        return (
          g &&
          g.date === t.date &&
          g.amount === t.amount &&
          g.balance === t.balance &&
          g.description === t.description
        );
      }).length;
      figures.files++;
      figures.transactions += want.length;
      figures.matched += matched;
      if (matched === want.length && got.length === want.length) figures.exactFiles++;

      expect(
        got.map(({ date, description, amount, balance }) => ({ date, description, amount, balance })),
      ).toEqual(want);
      expect(result).toMatchObject({
        bank: truth.bank,
        currency: truth.currency,
        openingBalance: truth.opening_balance,
        closingBalance: truth.closing_balance,
        periodStart: truth.period_start,
        periodEnd: truth.period_end,
      });
      expect(validateStatement(result).checks.filter((c) => !c.passed)).toEqual([]);
    });

    afterAll(() => {
      console.info(
        `[extraction corpus.spec] statements: ${figures.exactFiles}/${figures.files} files exact, ` +
          `${figures.matched}/${figures.transactions} transactions matched; ` +
          `${figures.pages} pages extracted in ${figures.ms.toFixed(0)} ms (words → result, pdf.js reading excluded)`,
      );
    });
  },
);

const card = sharedCorpus('bank_statements/monopoly', 'extraction corpus.spec');

describe.skipIf(!card.present)('card statement (monopoly): a layout the extractor was not built on', () => {
  it('reads every transaction and reconciles opening + amounts = closing', async () => {
    // Ground truth: date, description, signed amount; its "LAST MONTH'S BALANCE" row is our opening balance.
    const csv = readFileSync(path.join(card.dir, 'monopoly_example_transformed.csv'), 'utf8')
      .trim()
      .split('\n');
    const want = csv
      .slice(1)
      .map((line) => {
        const parts = line.split(',');
        return {
          date: parts[0],
          description: parts.slice(1, -1).join(','),
          amount: Number(parts[parts.length - 1]),
        };
      })
      .filter((t) => !/LAST MONTH'S BALANCE/.test(t.description));
    const result = extractBankStatement(
      (await pdfWords(path.join(card.dir, 'monopoly_example_statement.pdf'))).words,
    );
    const got = result.transactions.map(({ date, description, amount }) => ({
      date,
      description: norm(description),
      amount,
    }));
    console.info(
      `[extraction corpus.spec] card statement: ${got.length} transactions read, ${want.length} expected`,
    );
    expect(got).toEqual(want);
    expect(result.openingBalance).toBe(-412.16);
    expect(result.closingBalance).toBe(-702.1);
    const failed = validateStatement(result)
      .checks.filter((c) => !c.passed)
      .map((c) => c.name);
    // The rebate is printed last with an earlier date: the statement itself is out of order.
    expect(failed).toEqual(['dates-ordered']);
  });
});

/** invoice2data's expected fields, as far as this shape has them. */
interface InvoiceTruth {
  issuer?: string;
  amount?: number;
  amount_untaxed?: number;
  amount_tax?: number;
  date?: string;
  date_due?: string;
  invoice_number?: string;
  currency?: string;
  iban?: string;
  vat?: string | number;
  lines?: Record<string, unknown>[];
}

function truthInvoice(t: InvoiceTruth): Invoice {
  return {
    issuer: t.issuer ?? null,
    issuerVatId: t.vat === undefined ? null : String(t.vat),
    invoiceNumber: t.invoice_number ?? null,
    issueDate: t.date ?? null,
    dueDate: t.date_due ?? null,
    currency: t.currency ?? null,
    subtotal: t.amount_untaxed ?? null,
    tax: t.amount_tax ?? null,
    total: t.amount ?? null,
    iban: t.iban ?? null,
    lines: [],
    taxes: [],
    method: 'xml',
    warnings: [],
  };
}

/** Priced items of the ground truth (section headers and notes are not items). */
function truthLineAmounts(t: InvoiceTruth): number[] | null {
  if (!t.lines) return null;
  const items = t.lines.filter((l) => 'name' in l || 'desc' in l);
  const amounts = items.map((l) => Number(l.price_subtotal ?? l.price ?? l.price_unit));
  return amounts.every((a) => Number.isFinite(a)) && amounts.length > 0 ? amounts : null;
}

describe.skipIf(!invoices.present)('invoices (invoice2data): field by field', () => {
  const files = invoices.present
    ? readdirSync(invoices.dir)
        .filter((f) => f.endsWith('.json'))
        .map((f) => f.replace(/\.json$/, ''))
        .sort()
    : [];
  const perField = new Map<string, { matched: number; total: number }>();
  const perFile: string[] = [];

  it.each(files)('%s', async (name) => {
    const truth = (
      JSON.parse(readFileSync(path.join(invoices.dir, `${name}.json`), 'utf8')) as InvoiceTruth[]
    )[0];
    const pdf = path.join(invoices.dir, `${name}.pdf`);
    const words = existsSync(pdf)
      ? (await pdfWords(pdf)).words
      : wordsFromPlainText(readFileSync(path.join(invoices.dir, `${name}.txt`), 'utf8'));
    const got = extractInvoice(words);
    const expected = truthInvoice(truth);
    const outcome: string[] = [];
    const count = (field: string, ok: boolean) => {
      const f = perField.get(field) ?? { matched: 0, total: 0 };
      f.total++;
      if (ok) f.matched++;
      perField.set(field, f);
      outcome.push(`${field}${ok ? '✓' : '✗'}`);
    };
    for (const check of crossCheckInvoices(expected, got).checks) {
      const field = check.name.replace('xml-matches-text:', '');
      const inTruth = (expected as unknown as Record<string, unknown>)[field] !== null;
      if (inTruth) count(field, check.passed && check.skipped !== true);
    }
    const lineAmounts = truthLineAmounts(truth);
    if (lineAmounts) {
      // invoice2data lists items in its template's order, not always the printed one: compare as multisets.
      const extracted = got.lines.map((l) => l.amount ?? l.unitPrice ?? NaN).sort((a, b) => a - b);
      const wanted = [...lineAmounts].sort((a, b) => a - b);
      count('lines', extracted.length === wanted.length && extracted.every((a, i) => a === wanted[i]));
    }
    perFile.push(`${name}: ${outcome.join(' ')}`);
    // Whatever was read must be internally consistent where it claims to be.
    expect(got.method).toBe('layout');
  });

  afterAll(() => {
    let matched = 0;
    let total = 0;
    const rows = [...perField.entries()].map(([field, f]) => {
      matched += f.matched;
      total += f.total;
      return `${field} ${f.matched}/${f.total}`;
    });
    console.info(`[extraction corpus.spec] invoices per file:\n  ${perFile.join('\n  ')}`);
    console.info(
      `[extraction corpus.spec] invoices per field: ${rows.join(', ')}; all fields ${matched}/${total} (${((100 * matched) / Math.max(1, total)).toFixed(1)} %)`,
    );
    // A floor under today's figure, so a change that loses fields fails here.
    expect(matched / Math.max(1, total)).toBeGreaterThanOrEqual(0.8);
  });
});
