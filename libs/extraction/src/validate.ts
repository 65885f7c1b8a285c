/**
 * Validation that says what it checked. Every check is listed with its outcome and a detail a person can act on;
 * a check with nothing to check (no running balance, no IBAN) is listed as skipped and passes. All sums are in
 * integer cents.
 */
import { daysBetween } from './dates';
import { isValidIban, vatIdFormat } from './identifiers';
import { formatCents, toCents } from './money';
import type { BankStatement, Check, Invoice, Validation } from './types';

const cents = (n: number): number => toCents(n) ?? Math.round(n * 100);

function result(checks: Check[]): Validation {
  return { passed: checks.every((c) => c.passed), checks };
}

const skip = (name: string, detail: string): Check => ({ name, passed: true, detail, skipped: true });

export function validateStatement(statement: BankStatement): Validation {
  const checks: Check[] = [];
  const rows = statement.transactions;
  checks.push(
    rows.length > 0
      ? { name: 'has-transactions', passed: true, detail: `${rows.length} transactions` }
      : { name: 'has-transactions', passed: false, detail: 'no transactions were read' },
  );

  const descending = rows.length > 1 && rows[0].date > rows[rows.length - 1].date;
  const chronological = descending ? [...rows].reverse() : rows;
  const opening = statement.openingBalance === null ? null : cents(statement.openingBalance);
  const closing = statement.closingBalance === null ? null : cents(statement.closingBalance);

  // Running balance, row by row, where balances are printed.
  const withBalance = chronological.filter((r) => r.balance !== null).length;
  if (withBalance === 0) {
    checks.push(skip('running-balance', 'the statement prints no running balance'));
  } else {
    let previous = opening;
    const mismatches: string[] = [];
    let compared = 0;
    for (const row of chronological) {
      if (previous !== null && row.balance !== null) {
        compared++;
        const expected = previous + cents(row.amount);
        if (expected !== cents(row.balance) && mismatches.length < 5) {
          mismatches.push(
            `${row.date} "${row.description}": ${formatCents(previous)} + ${formatCents(cents(row.amount))} = ${formatCents(expected)}, printed ${formatCents(cents(row.balance))}`,
          );
        }
      }
      if (row.balance !== null) previous = cents(row.balance);
      else if (previous !== null) previous += cents(row.amount);
    }
    checks.push({
      name: 'running-balance',
      passed: mismatches.length === 0,
      detail: mismatches.length === 0 ? `${compared} balances reconcile` : mismatches.join('; '),
    });
  }

  if (opening === null || closing === null) {
    checks.push({
      name: 'opening-plus-amounts-equals-closing',
      passed: false,
      detail: `${opening === null ? 'opening' : 'closing'} balance not found`,
    });
  } else {
    const sum = chronological.reduce((s, r) => s + cents(r.amount), 0);
    checks.push({
      name: 'opening-plus-amounts-equals-closing',
      passed: opening + sum === closing,
      detail: `${formatCents(opening)} + ${formatCents(sum)} = ${formatCents(opening + sum)}, closing ${formatCents(closing)}`,
    });
  }

  if (!statement.periodStart || !statement.periodEnd) {
    checks.push(skip('dates-within-period', 'no statement period'));
  } else {
    const outside = rows.filter((r) => r.date < statement.periodStart! || r.date > statement.periodEnd!);
    checks.push({
      name: 'dates-within-period',
      passed: outside.length === 0,
      detail:
        outside.length === 0
          ? `all dates within ${statement.periodStart} – ${statement.periodEnd}`
          : `${outside.length} outside ${statement.periodStart} – ${statement.periodEnd}: ${outside
              .slice(0, 3)
              .map((r) => r.date)
              .join(', ')}`,
    });
  }

  let breaks = 0;
  for (let i = 1; i < chronological.length; i++)
    if (chronological[i].date < chronological[i - 1].date) breaks++;
  checks.push({
    name: 'dates-ordered',
    passed: breaks === 0,
    detail:
      breaks === 0
        ? `dates ${descending ? 'newest first' : 'oldest first'}, in order`
        : `${breaks} dates out of order`,
  });

  // The same row on both sides of a page break (a page that repeats the last row of the previous one).
  const duplicates: string[] = [];
  for (let i = 1; i < rows.length; i++) {
    const [a, b] = [rows[i - 1], rows[i]];
    if (a.page !== b.page && a.date === b.date && a.amount === b.amount && a.description === b.description) {
      if (a.balance === b.balance)
        duplicates.push(`${b.date} "${b.description}" (pages ${a.page}/${b.page})`);
    }
  }
  checks.push({
    name: 'no-duplicate-rows-across-pages',
    passed: duplicates.length === 0,
    detail: duplicates.length === 0 ? 'no row repeated across a page break' : duplicates.join('; '),
  });
  return result(checks);
}

/** Standard and reduced VAT/GST/sales-tax rates in use somewhere (percent). */
const PLAUSIBLE_RATES = [
  0, 2.1, 2.5, 3, 3.7, 4, 5, 5.5, 6, 7, 7.7, 8, 8.1, 9, 10, 12, 13, 13.5, 14, 15, 16, 17, 18, 19, 20, 21, 22,
  23, 24, 25, 25.5, 27,
];

export function validateInvoice(invoice: Invoice): Validation {
  const checks: Check[] = [];
  const net = invoice.subtotal === null ? null : cents(invoice.subtotal);
  const tax = invoice.tax === null ? null : cents(invoice.tax);
  const total = invoice.total === null ? null : cents(invoice.total);

  checks.push(
    total === null
      ? { name: 'total-found', passed: false, detail: 'no total amount found' }
      : { name: 'total-found', passed: true, detail: `total ${formatCents(total)}` },
  );

  const lineAmounts = invoice.lines.map((l) => l.amount);
  if (lineAmounts.length === 0 || lineAmounts.some((a) => a === null) || net === null) {
    checks.push(
      skip(
        'lines-sum-to-subtotal',
        lineAmounts.length === 0 ? 'no line items' : 'line amounts or net amount missing',
      ),
    );
  } else {
    const sum = lineAmounts.reduce<number>((s, a) => s + cents(a!), 0);
    checks.push({
      name: 'lines-sum-to-subtotal',
      passed: sum === net,
      detail: `lines ${formatCents(sum)}, net ${formatCents(net)}`,
    });
  }

  if (net === null || tax === null || total === null) {
    checks.push(skip('subtotal-plus-tax-equals-total', 'net, tax or total missing'));
  } else {
    checks.push({
      name: 'subtotal-plus-tax-equals-total',
      passed: net + tax === total,
      detail: `${formatCents(net)} + ${formatCents(tax)} = ${formatCents(net + tax)}, total ${formatCents(total)}`,
    });
  }

  checks.push(taxRateCheck(invoice, net, tax));

  checks.push(
    invoice.iban === null
      ? skip('iban-check-digits', 'no IBAN')
      : {
          name: 'iban-check-digits',
          passed: isValidIban(invoice.iban),
          detail: isValidIban(invoice.iban)
            ? `${invoice.iban} valid`
            : `${invoice.iban} fails the mod-97 check or its country's length`,
        },
  );

  if (invoice.issuerVatId === null) checks.push(skip('vat-id-format', 'no VAT id'));
  else {
    const format = vatIdFormat(invoice.issuerVatId);
    checks.push(
      format === 'unknown-country'
        ? skip('vat-id-format', `${invoice.issuerVatId}: no country prefix with a known format`)
        : {
            name: 'vat-id-format',
            passed: format === 'valid',
            detail: `${invoice.issuerVatId} ${format === 'valid' ? 'matches' : 'does not match'} its country's format`,
          },
    );
  }

  if (!invoice.issueDate || !invoice.dueDate)
    checks.push(skip('due-not-before-issue', 'issue or due date missing'));
  else {
    const days = daysBetween(invoice.issueDate, invoice.dueDate);
    checks.push({
      name: 'due-not-before-issue',
      passed: days >= 0,
      detail: `due ${invoice.dueDate}, ${days} days after issue ${invoice.issueDate}`,
    });
  }
  return result(checks);
}

/**
 * Each tax rate applied to its base gives its amount (to a cent per rate, for rounding); without per-rate detail,
 * tax / net must be a rate in use somewhere.
 */
function taxRateCheck(invoice: Invoice, net: number | null, tax: number | null): Check {
  const name = 'tax-rate-plausible';
  const perRate = invoice.taxes.filter((t) => t.rate !== null && t.base !== null);
  if (perRate.length > 0) {
    const wrong = perRate.filter(
      (t) => Math.abs(Math.round((cents(t.base!) * t.rate!) / 100) - cents(t.amount)) > 1,
    );
    return {
      name,
      passed: wrong.length === 0,
      detail: perRate
        .map(
          (t) =>
            `${t.rate}% of ${formatCents(cents(t.base!))} = ${formatCents(Math.round((cents(t.base!) * t.rate!) / 100))}, printed ${formatCents(cents(t.amount))}`,
        )
        .join('; '),
    };
  }
  if (net === null || tax === null || net === 0) return skip(name, 'no net amount and tax to compare');
  const rate = (tax / net) * 100;
  const near = PLAUSIBLE_RATES.find((r) => Math.abs(Math.round((net * r) / 100) - tax) <= 1);
  return {
    name,
    passed: near !== undefined,
    detail:
      near !== undefined ? `tax is ${near}% of net` : `tax is ${rate.toFixed(2)}% of net: not a rate in use`,
  };
}
