import { z } from 'zod';
import { ModelOutputError } from '@quire/errors';
import type { LlmClient } from '@quire/engine-llm';
import type { DocumentPage } from './read-document';

/**
 * What the model is asked for: the statement / invoice shapes of @quire/extraction, every field present (strict
 * structured output wants all keys required; "not found" is null). The answer is data only: it is validated with
 * these schemas and then by the same validators as the layout result.
 */
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD');
const money = z.number().finite();
const currency = z.string().regex(/^[A-Z]{3}$/, 'ISO 4217 code');

export const llmStatementSchema = z.object({
  bank: z.string().nullable(),
  accountNumber: z.string().nullable(),
  currency: currency.nullable(),
  openingBalance: money.nullable(),
  closingBalance: money.nullable(),
  periodStart: isoDate.nullable(),
  periodEnd: isoDate.nullable(),
  transactions: z.array(
    z.object({
      date: isoDate,
      description: z.string(),
      amount: money,
      balance: money.nullable(),
    }),
  ),
});
export type LlmStatement = z.infer<typeof llmStatementSchema>;

export const llmInvoiceSchema = z.object({
  issuer: z.string().nullable(),
  issuerVatId: z.string().nullable(),
  invoiceNumber: z.string().nullable(),
  issueDate: isoDate.nullable(),
  dueDate: isoDate.nullable(),
  currency: currency.nullable(),
  subtotal: money.nullable(),
  tax: money.nullable(),
  total: money.nullable(),
  iban: z.string().nullable(),
  lines: z.array(
    z.object({
      description: z.string(),
      quantity: z.number().nullable(),
      unitPrice: money.nullable(),
      amount: money.nullable(),
    }),
  ),
  taxes: z.array(z.object({ rate: z.number().nullable(), base: money.nullable(), amount: money })),
});
export type LlmInvoice = z.infer<typeof llmInvoiceSchema>;

export const STATEMENT_INSTRUCTIONS =
  'Extract the bank statement: bank name, account number, ISO 4217 currency, opening and closing balance, ' +
  'statement period, and every transaction in printed order with its date (YYYY-MM-DD), description, signed amount ' +
  '(negative = money out) and the running balance printed on its row (null when none). Brought-forward and ' +
  'carried-forward rows are balances, not transactions. Use null for anything not printed.';

export const INVOICE_INSTRUCTIONS =
  'Extract the invoice: issuer (seller), issuer VAT id, invoice number, issue and due dates (YYYY-MM-DD), ISO 4217 ' +
  'currency, net subtotal, tax, total, the IBAN to pay to, the line items and the tax per rate (rate in percent). ' +
  'Use null for anything not printed.';

export interface LlmUsage {
  model: string;
  promptTokens: number;
  completionTokens: number;
  /** Requests sent (2 when the first answer was invalid and the model was asked once more). */
  requests: number;
}

export type LlmOutcome<T> =
  { ok: true; data: T; usage: LlmUsage } | { ok: false; problem: string; usage: LlmUsage };

/** The document text the model sees: the first `maxPages` pages, each marked, so a long document stays bounded. */
export function documentText(
  pages: readonly DocumentPage[],
  maxPages: number,
): { text: string; cut: boolean } {
  const kept = pages.slice(0, maxPages);
  return {
    text: kept.map((p) => `--- page ${p.page} ---\n${p.text}`).join('\n'),
    cut: pages.length > kept.length,
  };
}

/**
 * Asks the model; an invalid answer (malformed or schema-violating: ModelOutputError) is asked once more, then
 * reported as a problem, not thrown: the job completes with a failed check. Rate limits, outages and timeouts are
 * thrown for the queue to retry (they honour Retry-After).
 */
export async function askModel<S extends z.ZodTypeAny>(
  llm: LlmClient,
  request: { instructions: string; document: string; schema: S; schemaName: string; signal: AbortSignal },
): Promise<LlmOutcome<z.infer<S>>> {
  const usage: LlmUsage = { model: llm.model, promptTokens: 0, completionTokens: 0, requests: 0 };
  let problem = '';
  for (let attempt = 1; attempt <= 2; attempt++) {
    usage.requests++;
    try {
      const answer = await llm.extract(request);
      usage.model = answer.model;
      usage.promptTokens += answer.usage.promptTokens;
      usage.completionTokens += answer.usage.completionTokens;
      return { ok: true, data: answer.data, usage };
    } catch (err) {
      if (!(err instanceof ModelOutputError)) throw err;
      problem = err.message;
    }
  }
  return { ok: false, problem, usage };
}
