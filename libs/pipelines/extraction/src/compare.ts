import type { BankStatement, Invoice } from '@quire/extraction';

/** One field on which the layout reader and the language model disagree. */
export interface FieldDifference {
  field: string;
  layout: string | number | null;
  llm: string | number | null;
}

/** Differences listed per job at most (a statement of hundreds of rows read differently says so in a few lines). */
const MAX_DIFFERENCES = 50;

type Scalar = string | number | null;

function same(a: Scalar, b: Scalar): boolean {
  if (typeof a === 'number' && typeof b === 'number') return Math.round(a * 100) === Math.round(b * 100);
  if (typeof a === 'string' && typeof b === 'string')
    return a.replace(/\s+/g, ' ').trim().toLowerCase() === b.replace(/\s+/g, ' ').trim().toLowerCase();
  return a === b;
}

function diff(out: FieldDifference[], field: string, layout: Scalar, llm: Scalar): void {
  if (out.length < MAX_DIFFERENCES && !same(layout, llm)) out.push({ field, layout, llm });
}

/** Statement fields, the transaction count and each transaction's date, amount and description, side by side. */
export function compareStatements(layout: BankStatement, llm: BankStatement): FieldDifference[] {
  const out: FieldDifference[] = [];
  for (const f of [
    'bank',
    'accountNumber',
    'currency',
    'openingBalance',
    'closingBalance',
    'periodStart',
    'periodEnd',
  ] as const) {
    diff(out, f, layout[f], llm[f]);
  }
  diff(out, 'transactions.length', layout.transactions.length, llm.transactions.length);
  const n = Math.min(layout.transactions.length, llm.transactions.length);
  for (let i = 0; i < n; i++) {
    const a = layout.transactions[i];
    const b = llm.transactions[i];
    if (!a || !b) continue;
    diff(out, `transactions[${i}].date`, a.date, b.date);
    diff(out, `transactions[${i}].amount`, a.amount, b.amount);
    diff(out, `transactions[${i}].description`, a.description, b.description);
  }
  return out;
}

/** Invoice header fields, totals and the number of lines, side by side. */
export function compareInvoices(layout: Invoice, llm: Invoice): FieldDifference[] {
  const out: FieldDifference[] = [];
  for (const f of [
    'issuer',
    'issuerVatId',
    'invoiceNumber',
    'issueDate',
    'dueDate',
    'currency',
    'subtotal',
    'tax',
    'total',
    'iban',
  ] as const) {
    diff(out, f, layout[f], llm[f]);
  }
  diff(out, 'lines.length', layout.lines.length, llm.lines.length);
  return out;
}
