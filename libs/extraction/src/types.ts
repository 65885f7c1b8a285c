/**
 * Result shapes. Field names are camelCase; dates are ISO YYYY-MM-DD; amounts are numbers with two decimals
 * (computed from integer cents), signed on statements: negative = money out. A field that was not found is null.
 */

export interface StatementTransaction {
  date: string;
  description: string;
  amount: number;
  /** The running balance printed on the row, if the statement prints one. */
  balance: number | null;
  /** Page the row starts on (1-based). */
  page: number;
}

/** A printed row that was read but is not a transaction (totals, carried balances, rows without an amount). */
export interface SkippedRow {
  page: number;
  text: string;
  reason: string;
}

export interface BankStatement {
  bank: string | null;
  accountNumber: string | null;
  currency: string | null;
  openingBalance: number | null;
  closingBalance: number | null;
  periodStart: string | null;
  periodEnd: string | null;
  transactions: StatementTransaction[];
  method: 'layout';
  warnings: string[];
  skippedRows: SkippedRow[];
}

export interface InvoiceLine {
  description: string;
  quantity: number | null;
  unitPrice: number | null;
  amount: number | null;
}

/** Tax at one rate: rate in percent (19 for 19 %), the base it applies to, and the tax amount. */
export interface InvoiceTax {
  rate: number | null;
  base: number | null;
  amount: number;
}

export interface Invoice {
  issuer: string | null;
  issuerVatId: string | null;
  invoiceNumber: string | null;
  issueDate: string | null;
  dueDate: string | null;
  currency: string | null;
  subtotal: number | null;
  tax: number | null;
  total: number | null;
  iban: string | null;
  lines: InvoiceLine[];
  taxes: InvoiceTax[];
  method: 'layout' | 'xml';
  warnings: string[];
}

export interface Check {
  name: string;
  passed: boolean;
  detail: string;
  /** True when there was nothing to check (no running balance, no IBAN): `passed` is then true. */
  skipped?: boolean;
}

export interface Validation {
  passed: boolean;
  checks: Check[];
}
