/**
 * The shared corpus through the extraction handlers with their real engines (pdf.js items, Ghostscript +
 * tesseract.js for scanned pages), no language model: generated statements must equal their ground truth, the
 * scanned statement (OCR word boxes) must reconcile, invoice2data's invoices are scored field by field. Skipped
 * when ../shared/corpus is absent (QUIRE_CORPUS_DIR points elsewhere).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crossCheckInvoices, type Invoice } from '@quire/extraction';
import { sharedCorpus } from '@quire/testing';
import { expectValidResult, createTestJobContext as testJob } from '@quire/worker-testing';
import { testEngines } from './__fixtures__/test-engines';
import { extractBankStatementHandler } from './handlers/extract-bank-statement.handler';
import { extractInvoiceHandler } from './handlers/extract-invoice.handler';

const generated = sharedCorpus('bank_statements/generated', 'ai-extraction corpus.spec');
const scanned = sharedCorpus('bank_statements/scanned', 'ai-extraction corpus.spec');
const invoices = sharedCorpus('invoices/invoice2data', 'ai-extraction corpus.spec');

interface StatementTruth {
  bank: string;
  currency: string;
  opening_balance: number;
  closing_balance: number;
  period_start: string;
  period_end: string;
  transactions: Array<{ date: string; description: string; amount: number; balance: number | null }>;
}

const norm = (s: string) => s.replace(/\s+/g, ' ').trim();
const pdfsIn = (dir: string, present: boolean) =>
  present
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.pdf'))
        .sort()
    : [];

let work: string;
let engines: ReturnType<typeof testEngines>;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'quire-extract-corpus-'));
  engines = testEngines({ QUIRE_OCR_DPI: '300' });
});

afterAll(async () => {
  await Promise.all(engines.closeables.map((c) => c.close()));
  if (work) await rm(work, { recursive: true, force: true });
});

async function statementOf(dir: string, file: string) {
  const t = await testJob(work, 'extract-bank-statement', { mode: 'layout' }, [
    { path: path.join(dir, file), name: file },
  ]);
  try {
    const result = await extractBankStatementHandler(engines.deps)(t.ctx);
    expectValidResult('extract-bank-statement', result);
    return result;
  } finally {
    await t.cleanup();
  }
}

function truthOf(dir: string, file: string): StatementTruth {
  return JSON.parse(readFileSync(path.join(dir, file.replace(/\.pdf$/, '.json')), 'utf8')) as StatementTruth;
}

const simple = (ts: StatementTruth['transactions']) =>
  ts.map(({ date, description, amount, balance }) => ({
    date,
    description: norm(description),
    amount,
    balance,
  }));

describe.skipIf(!generated.present)('generated statements: every transaction equals the ground truth', () => {
  it.each(pdfsIn(generated.dir, generated.present))('%s', async (file) => {
    const truth = truthOf(generated.dir, file);
    const result = await statementOf(generated.dir, file);
    expect(simple(result.statement.transactions)).toEqual(simple(truth.transactions));
    expect(result.statement).toMatchObject({
      bank: truth.bank,
      currency: truth.currency,
      openingBalance: truth.opening_balance,
      closingBalance: truth.closing_balance,
      periodStart: truth.period_start,
      periodEnd: truth.period_end,
    });
    expect(result.validation.checks.filter((c) => !c.passed)).toEqual([]);
    expect(result.pages?.every((p) => p.source === 'text-layer')).toBe(true);
  });
});

describe.skipIf(!scanned.present)('scanned statements: OCR word boxes, the statement reconciles', () => {
  it.each(pdfsIn(scanned.dir, scanned.present))(
    '%s',
    async (file) => {
      const truth = truthOf(scanned.dir, file);
      const result = await statementOf(scanned.dir, file);
      const got = simple(result.statement.transactions);
      const want = simple(truth.transactions);
      const key = (t: (typeof want)[number]) => `${t.date}|${t.amount}|${t.description}`;
      const wanted = new Set(want.map(key));
      const right = got.filter((t) => wanted.has(key(t))).length;
      console.info(
        `[ai-extraction corpus.spec] ${file}: ${right}/${got.length} read right, ${right}/${want.length} found; ` +
          `failed checks: ${
            result.validation.checks
              .filter((c) => !c.passed)
              .map((c) => c.name)
              .join(', ') || 'none'
          }`,
      );
      expect(result.pages?.some((p) => p.source === 'ocr')).toBe(true);
      expect(result.statement.openingBalance).toBe(truth.opening_balance);
      expect(result.statement.closingBalance).toBe(truth.closing_balance);
      expect(
        result.validation.checks.find((c) => c.name === 'opening-plus-amounts-equals-closing')?.passed,
      ).toBe(true);
    },
    300_000,
  );
});

/** invoice2data's expected fields, as far as the invoice shape has them. */
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

describe.skipIf(!invoices.present)('invoices (invoice2data PDFs): field by field', () => {
  let matched = 0;
  let total = 0;
  it.each(pdfsIn(invoices.dir, invoices.present).filter((f) => existsSync(path.join(invoices.dir, f))))(
    '%s',
    async (file) => {
      const truth = (
        JSON.parse(
          readFileSync(path.join(invoices.dir, file.replace(/\.pdf$/, '.json')), 'utf8'),
        ) as InvoiceTruth[]
      )[0];
      const t = await testJob(work, 'extract-invoice', { mode: 'layout' }, [
        { path: path.join(invoices.dir, file), name: file },
      ]);
      const result = await extractInvoiceHandler(engines.deps)(t.ctx);
      await t.cleanup();
      expectValidResult('extract-invoice', result);
      const expected = truthInvoice(truth ?? {});
      for (const check of crossCheckInvoices(expected, {
        ...result.invoice,
        taxes: result.invoice.taxes ?? [],
        method: 'layout',
        warnings: [],
      }).checks) {
        const field = check.name.replace('xml-matches-text:', '');
        if ((expected as unknown as Record<string, unknown>)[field] === null) continue;
        total++;
        if (check.passed && check.skipped !== true) matched++;
      }
      if (file === 'saeco.pdf') {
        // The seller's block (name, IBAN) is only a picture on an otherwise digital page: read by OCR of the image.
        expect(result.invoice.issuer).toBe('e-Luscious Nederland B.V.');
        expect(result.invoice.iban).toBe('NL58RABO0198723202');
        expect(result.warnings.some((w) => /read by OCR from an image on page 1/.test(w))).toBe(true);
      }
      // AzureInterior.pdf carries a Factur-X XML: read from it, cross-checked against the printed text.
      expect(result.method).toBe(file === 'AzureInterior.pdf' ? 'xml' : 'layout');
      if (result.method === 'xml') {
        expect(result.validation.checks.some((c) => c.name.startsWith('xml-matches-text:'))).toBe(true);
      }
    },
  );

  afterAll(() => {
    console.info(
      `[ai-extraction corpus.spec] invoices: ${matched}/${total} fields (${((100 * matched) / Math.max(1, total)).toFixed(1)} %)`,
    );
    // Issue 9's target with no LLM (the text layer plus OCR of image-only blocks): 72/75 when measured.
    expect(matched / Math.max(1, total)).toBeGreaterThanOrEqual(0.95);
  });
});
