import { describe, expect, it } from 'vitest';
import type { BankStatement, Invoice } from './types';
import { validateInvoice, validateStatement } from './validate';

function statement(overrides: Partial<BankStatement> = {}): BankStatement {
  return {
    bank: 'Test Bank',
    accountNumber: null,
    currency: 'EUR',
    openingBalance: 0.1,
    closingBalance: 0.3,
    periodStart: '2024-01-01',
    periodEnd: '2024-01-31',
    transactions: [
      { date: '2024-01-02', description: 'A', amount: 0.2, balance: 0.3, page: 1 },
      { date: '2024-01-03', description: 'B', amount: -0.1, balance: 0.2, page: 1 },
      { date: '2024-01-04', description: 'C', amount: 0.1, balance: 0.3, page: 2 },
    ],
    method: 'layout',
    warnings: [],
    skippedRows: [],
    ...overrides,
  };
}

function invoice(overrides: Partial<Invoice> = {}): Invoice {
  return {
    issuer: 'Muster GmbH',
    issuerVatId: 'DE123456789',
    invoiceNumber: '1',
    issueDate: '2024-03-01',
    dueDate: '2024-03-15',
    currency: 'EUR',
    subtotal: 0.3,
    tax: 0.06,
    total: 0.36,
    iban: 'DE89370400440532013000',
    lines: [
      { description: 'a', quantity: 1, unitPrice: 0.1, amount: 0.1 },
      { description: 'b', quantity: 1, unitPrice: 0.2, amount: 0.2 },
    ],
    taxes: [{ rate: 20, base: 0.3, amount: 0.06 }],
    method: 'layout',
    warnings: [],
    ...overrides,
  };
}

const failed = (v: { checks: { name: string; passed: boolean }[] }) =>
  v.checks.filter((c) => !c.passed).map((c) => c.name);

describe('validateStatement', () => {
  it('passes a statement that adds up (in cents: 0.1 + 0.2 is 0.3 here)', () => {
    const v = validateStatement(statement());
    expect(failed(v)).toEqual([]);
    expect(v.checks.map((c) => c.name)).toEqual([
      'has-transactions',
      'running-balance',
      'opening-plus-amounts-equals-closing',
      'dates-within-period',
      'dates-ordered',
      'no-duplicate-rows-across-pages',
    ]);
  });

  it('names the row whose balance does not reconcile', () => {
    const s = statement();
    s.transactions[1].balance = 0.25;
    const v = validateStatement(s);
    expect(failed(v)).toEqual(['running-balance']);
    expect(v.checks[1].detail).toContain('2024-01-03 "B": 0.30 + -0.10 = 0.20, printed 0.25');
  });

  it('fails when the closing balance is not opening + amounts, and when dates leave the period or go back', () => {
    const s = statement({ closingBalance: 0.5, periodEnd: '2024-01-03' });
    s.transactions[2].amount = 0.2;
    s.transactions[2].balance = 0.4;
    s.transactions.splice(1, 0, { date: '2024-01-01', description: 'D', amount: 0, balance: 0.3, page: 1 });
    expect(failed(validateStatement(s))).toEqual([
      'opening-plus-amounts-equals-closing',
      'dates-within-period',
      'dates-ordered',
    ]);
  });

  it('flags a row repeated across a page break', () => {
    const s = statement();
    s.transactions.push({ ...s.transactions[2], page: 3 });
    s.closingBalance = 0.4;
    s.transactions[3].balance = 0.3;
    expect(failed(validateStatement(s))).toContain('no-duplicate-rows-across-pages');
  });

  it('skips the running balance when none is printed', () => {
    const s = statement();
    for (const t of s.transactions) t.balance = null;
    const v = validateStatement(s);
    expect(v.passed).toBe(true);
    expect(v.checks.find((c) => c.name === 'running-balance')).toMatchObject({ skipped: true, passed: true });
  });
});

describe('validateInvoice', () => {
  it('passes a consistent invoice (cents, not floats)', () => {
    expect(failed(validateInvoice(invoice()))).toEqual([]);
  });

  it('fails each inconsistency by name', () => {
    const v = validateInvoice(
      invoice({
        total: 0.37,
        subtotal: 0.31,
        tax: 0.05,
        taxes: [{ rate: 19, base: 0.31, amount: 0.05 }],
        iban: 'DE88370400440532013000',
        issuerVatId: 'DE12345',
        dueDate: '2024-02-01',
      }),
    );
    expect(failed(v)).toEqual([
      'lines-sum-to-subtotal',
      'subtotal-plus-tax-equals-total',
      'iban-check-digits',
      'vat-id-format',
      'due-not-before-issue',
    ]);
  });

  it('checks the rate against the net amount when no per-rate detail is printed', () => {
    expect(
      failed(validateInvoice(invoice({ taxes: [], subtotal: 100, tax: 19, total: 119, lines: [] }))),
    ).toEqual([]);
    expect(
      failed(validateInvoice(invoice({ taxes: [], subtotal: 100, tax: 11.11, total: 111.11, lines: [] }))),
    ).toEqual(['tax-rate-plausible']);
  });
});
