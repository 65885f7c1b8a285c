/**
 * Scores an extraction result against a generated document's truth. The result shapes are taken structurally (the
 * extraction library's BankStatement / Invoice fit them), so this test library needs no dependency on it.
 */
import type { InvoiceTruth, StatementTruth } from './types';

export interface StatementScore {
  /** Transactions read, in the truth, and right (date, amount and whitespace-normalised description equal). */
  read: number;
  truth: number;
  right: number;
  balancesRight: boolean;
  misses: string[];
}

const norm = (s: string) => s.replace(/\s+/g, ' ').trim();

export function scoreStatement(
  truth: StatementTruth,
  got: {
    openingBalance: number | null;
    closingBalance: number | null;
    transactions: ReadonlyArray<{ date: string; description: string; amount: number }>;
  },
): StatementScore {
  const key = (t: { date: string; description: string; amount: number }) =>
    `${t.date}|${t.amount.toFixed(2)}|${norm(t.description)}`;
  const pool = new Map<string, number>();
  for (const t of truth.transactions) pool.set(key(t), (pool.get(key(t)) ?? 0) + 1);
  let right = 0;
  const misses: string[] = [];
  for (const t of got.transactions) {
    const n = pool.get(key(t)) ?? 0;
    if (n > 0) {
      right++;
      pool.set(key(t), n - 1);
    } else misses.push(`read, not in truth: ${key(t)}`);
  }
  for (const [k, n] of pool) for (let i = 0; i < n; i++) misses.push(`in truth, not read: ${k}`);
  const balancesRight =
    got.openingBalance === truth.openingBalance && got.closingBalance === truth.closingBalance;
  if (!balancesRight)
    misses.push(
      `balances: read ${got.openingBalance} → ${got.closingBalance}, truth ${truth.openingBalance} → ${truth.closingBalance}`,
    );
  return { read: got.transactions.length, truth: truth.transactions.length, right, balancesRight, misses };
}

export interface InvoiceScore {
  /** Fields the truth gives (null truth fields are not counted) and how many were read right. */
  fields: number;
  right: number;
  misses: string[];
}

const INVOICE_FIELDS = [
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
] as const;

const compact = (v: unknown) =>
  typeof v === 'number'
    ? v.toFixed(2)
    : typeof v === 'string'
      ? v.replace(/\s+/g, '').toUpperCase()
      : String(v);

/** Ten header fields plus the line items as one field (same count; quantity, unit price and amount as multisets). */
export function scoreInvoice(
  truth: InvoiceTruth,
  got: Partial<Record<(typeof INVOICE_FIELDS)[number], string | number | null>> & {
    lines: ReadonlyArray<{ quantity: number | null; unitPrice: number | null; amount: number | null }>;
  },
): InvoiceScore {
  let fields = 0;
  let right = 0;
  const misses: string[] = [];
  for (const field of INVOICE_FIELDS) {
    const want = truth[field];
    if (want === null) continue;
    fields++;
    const value = got[field] ?? null;
    if (value !== null && compact(value) === compact(want)) right++;
    else misses.push(`${field}: read ${JSON.stringify(value)}, truth ${JSON.stringify(want)}`);
  }
  fields++;
  const lineKey = (l: { quantity: number | null; unitPrice: number | null; amount: number | null }) =>
    `${l.quantity}|${l.unitPrice?.toFixed(2)}|${l.amount?.toFixed(2)}`;
  const want = truth.lines.map(lineKey).sort();
  const have = got.lines.map(lineKey).sort();
  if (want.length === have.length && want.every((k, i) => k === have[i])) right++;
  else misses.push(`lines: read ${have.length} (${have.slice(0, 3).join(', ')}…), truth ${want.length}`);
  return { fields, right, misses };
}
