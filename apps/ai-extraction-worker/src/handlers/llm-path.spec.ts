/**
 * The language-model path of the extraction handlers against the OpenAI wire-protocol stand-in (@quire/testing: it
 * tests our requests and our handling of answers, never extraction quality), with the real pdf.js engine: what is
 * sent, when the model is asked (`auto` only when the layout result fails validation), an invalid answer asked once
 * more and then reported as a failed check on a completed job, and a 429 thrown for the queue to retry.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RateLimitedError } from '@quire/errors';
import { makePdf } from '@quire/pdf-fixtures';
import { startOpenAiStandin, type OpenAiStandin } from '@quire/testing';
import { expectValidResult, createTestJobContext as testJob } from '@quire/worker-testing';
import {
  BROKEN_STATEMENT_LINES,
  INVOICE_LINES,
  STATEMENT_LINES,
  STATEMENT_TRANSACTIONS,
  testEngines,
} from '../__fixtures__/test-engines';
import { extractBankStatementHandler } from './extract-bank-statement.handler';
import { extractInvoiceHandler } from './extract-invoice.handler';

let dir: string;
let standin: OpenAiStandin;
let engines: ReturnType<typeof testEngines>;
const file = (name: string) => path.join(dir, name);

const modelStatement = (closingBalance: number) => ({
  bank: 'Quire Test Bank',
  accountNumber: '12345678',
  currency: 'EUR',
  openingBalance: 1000,
  closingBalance,
  periodStart: '2024-03-01',
  periodEnd: '2024-03-31',
  transactions: STATEMENT_TRANSACTIONS.map(({ date, description, amount, balance }) => ({
    date,
    description,
    amount,
    balance,
  })),
});

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'quire-extract-llm-'));
  await writeFile(file('statement.pdf'), makePdf([{ lines: STATEMENT_LINES }]));
  await writeFile(file('broken.pdf'), makePdf([{ lines: BROKEN_STATEMENT_LINES }]));
  await writeFile(file('invoice.pdf'), makePdf([{ lines: INVOICE_LINES }]));
  standin = await startOpenAiStandin();
  engines = testEngines({
    QUIRE_LLM_BASE_URL: standin.baseUrl,
    QUIRE_LLM_MODEL: 'stand-in-model',
    QUIRE_LLM_API_KEY: 'sk-test',
    QUIRE_LLM_TIMEOUT_MS: '5000',
  });
});

afterAll(async () => {
  await Promise.all(engines.closeables.map((c) => c.close()));
  await standin?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  standin.requests.length = 0;
});

async function statement(mode: 'auto' | 'llm', name: string) {
  const t = await testJob(dir, 'extract-bank-statement', { mode }, [{ path: file(name), name }]);
  try {
    const result = await extractBankStatementHandler(engines.deps)(t.ctx);
    expectValidResult('extract-bank-statement', result);
    return result;
  } finally {
    await t.cleanup();
  }
}

describe('extraction with a language model configured', () => {
  it('auto: a statement whose layout result validates never asks the model', async () => {
    const result = await statement('auto', 'statement.pdf');
    expect(result.method).toBe('layout');
    expect(standin.requests).toHaveLength(0);
  });

  it('mode llm: sends the document text, fenced, with the statement schema; records model and tokens', async () => {
    standin.reply({
      kind: 'json',
      value: modelStatement(2546.5),
      model: 'stand-in-model',
      usage: { prompt: 900, completion: 300 },
    });
    const result = await statement('llm', 'statement.pdf');
    expect(standin.requests).toHaveLength(1);
    const body = standin.requests[0]?.body as {
      model: string;
      messages: Array<{ role: string; content: string }>;
      response_format: { type: string; json_schema: { name: string; strict: boolean; schema: unknown } };
    };
    expect(body.model).toBe('stand-in-model');
    expect(body.response_format).toMatchObject({
      type: 'json_schema',
      json_schema: { name: 'bank_statement', strict: true },
    });
    expect(JSON.stringify(body.response_format.json_schema.schema)).toContain('openingBalance');
    const user = body.messages.find((m) => m.role === 'user')?.content ?? '';
    expect(user).toMatch(/^<document>\n--- page 1 ---\n/);
    expect(user).toContain('Salary ACME Ltd');
    expect(result.method).toBe('llm');
    expect(result.statement.currency).toBe('EUR');
    expect(result.validation.passed).toBe(true);
    expect(result.llm).toEqual({
      model: 'stand-in-model',
      promptTokens: 900,
      completionTokens: 300,
      requests: 1,
    });
    // Field by field where layout and model disagree: the layout reader found no currency on this statement.
    expect(result.comparison).toEqual([{ field: 'currency', layout: null, llm: 'EUR' }]);
  });

  it('auto: a layout result that fails validation asks the model; its answer that validates is used (both)', async () => {
    standin.reply({ kind: 'json', value: modelStatement(2546.5) });
    const result = await statement('auto', 'broken.pdf');
    expect(standin.requests).toHaveLength(1);
    expect(result.method).toBe('both');
    expect(result.validation.passed).toBe(true);
    expect(result.comparison).toEqual(
      expect.arrayContaining([{ field: 'closingBalance', layout: 2600, llm: 2546.5 }]),
    );
  });

  it('a schema-violating answer is asked once more, then the job completes with a failed check and a warning', async () => {
    standin.reply(
      { kind: 'json', value: { bank: 'x', transactions: 'none' } },
      { kind: 'content', content: 'Sorry, I cannot help with that.' },
    );
    const result = await statement('llm', 'statement.pdf');
    expect(standin.requests).toHaveLength(2);
    expect(result.validation.passed).toBe(false);
    expect(result.validation.checks.find((c) => c.name === 'model-answer')).toMatchObject({ passed: false });
    expect(result.warnings.join('\n')).toMatch(/answer was invalid twice/);
    expect(result.llm?.requests).toBe(2);
  });

  it('a schema-violating first answer and a good second one: the second is used', async () => {
    standin.reply(
      { kind: 'json', value: { ...modelStatement(2546.5), openingBalance: 'one thousand' } },
      { kind: 'json', value: modelStatement(2546.5) },
    );
    const result = await statement('llm', 'statement.pdf');
    expect(result.method).toBe('llm');
    expect(result.validation.passed).toBe(true);
    expect(result.llm?.requests).toBe(2);
  });

  it('a 429 with Retry-After is thrown as RateLimitedError for the queue to retry', async () => {
    standin.reply({ kind: 'status', status: 429, headers: { 'retry-after': '7' } });
    const error = await statement('llm', 'statement.pdf').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBe(7_000);
    expect(standin.requests).toHaveLength(1);
  });

  it('extract-invoice mode llm: the invoice schema, the model answer as result.invoice', async () => {
    standin.reply({
      kind: 'json',
      value: {
        issuer: 'Acme Supplies GmbH',
        issuerVatId: 'DE123456789',
        invoiceNumber: 'INV-2024-0042',
        issueDate: '2024-03-15',
        dueDate: '2024-04-14',
        currency: 'EUR',
        subtotal: 100,
        tax: 19,
        total: 119,
        iban: null,
        lines: [
          { description: 'Paper A4', quantity: 10, unitPrice: 5, amount: 50 },
          { description: 'Toner', quantity: 2, unitPrice: 25, amount: 50 },
        ],
        taxes: [{ rate: 19, base: 100, amount: 19 }],
      },
    });
    const t = await testJob(dir, 'extract-invoice', { mode: 'llm' }, [
      { path: file('invoice.pdf'), name: 'i.pdf' },
    ]);
    const result = await extractInvoiceHandler(engines.deps)(t.ctx);
    await t.cleanup();
    expectValidResult('extract-invoice', result);
    const body = standin.requests[0]?.body as { response_format: { json_schema: { name: string } } };
    expect(body.response_format.json_schema.name).toBe('invoice');
    expect(result.method).toBe('llm');
    expect(result.invoice).toMatchObject({ invoiceNumber: 'INV-2024-0042', total: 119 });
    expect(result.validation.passed).toBe(true);
  });
});
