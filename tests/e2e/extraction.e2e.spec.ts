/**
 * AI extraction end to end: the gateway and the ai-extraction worker as processes, real PostgreSQL/RabbitMQ, pdf.js,
 * Ghostscript and tesseract.js. The worker's language model is the OpenAI wire-protocol stand-in (@quire/testing):
 * the layout path must never call it (`auto` on a statement that validates), `mode: "llm"` asks it, and its 429
 * with Retry-After sends the job through `retrying` to a completed second attempt. Bad input: a PDF with no text
 * and nothing to OCR fails with a clear reason, without retries.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestEnvironment,
  getFreePort,
  makePdf,
  startApp,
  startOpenAiStandin,
  type OpenAiStandin,
  type StartedApp,
  type TestEnvironment,
} from '@quire/testing';
import { QuireClient } from './helpers';

const ADMIN_KEY = 'qk_e2e_extraction_key_0123456789abcdef';

const STATEMENT_LINES = [
  'Quire Test Bank',
  'Account number: 12345678   Statement period: 01/03/2024 - 31/03/2024',
  '',
  'Date          Description                      Amount        Balance',
  '01/03/2024    Balance brought forward                        1000.00',
  '04/03/2024    Coffee House                     -3.50          996.50',
  '12/03/2024    Salary ACME Ltd                2500.00         3496.50',
  '20/03/2024    Rent March                     -950.00         2546.50',
  '31/03/2024    Balance carried forward                        2546.50',
];

const INVOICE_LINES = [
  'Acme Supplies GmbH',
  'Hauptstrasse 1, 10115 Berlin   VAT ID: DE123456789',
  '',
  'Invoice number: INV-2024-0042',
  'Invoice date: 15/03/2024',
  'Due date: 14/04/2024',
  '',
  'Description                 Quantity      Unit price        Amount',
  'Paper A4                          10            5.00         50.00',
  'Toner                              2           25.00         50.00',
  '',
  'Subtotal                                                    100.00',
  'VAT 19%                                                      19.00',
  'Total EUR                                                   119.00',
];

const MODEL_STATEMENT = {
  bank: 'Quire Test Bank',
  accountNumber: '12345678',
  currency: 'EUR',
  openingBalance: 1000,
  closingBalance: 2546.5,
  periodStart: '2024-03-01',
  periodEnd: '2024-03-31',
  transactions: [
    { date: '2024-03-04', description: 'Coffee House', amount: -3.5, balance: 996.5 },
    { date: '2024-03-12', description: 'Salary ACME Ltd', amount: 2500, balance: 3496.5 },
    { date: '2024-03-20', description: 'Rent March', amount: -950, balance: 2546.5 },
  ],
};

describe('AI extraction end to end (gateway + ai-extraction-worker processes)', () => {
  let env: TestEnvironment;
  let gateway: StartedApp;
  let worker: StartedApp;
  let client: QuireClient;
  let standin: OpenAiStandin;
  let work: string;
  const statement = makePdf([{ lines: STATEMENT_LINES }]);

  beforeAll(async () => {
    env = await createTestEnvironment();
    standin = await startOpenAiStandin();
    work = await mkdtemp(path.join(os.tmpdir(), 'quire-extraction-e2e-'));
    const common = { ...env.env, QUIRE_TEMP_DIR: path.join(work, 'tmp'), LOG_LEVEL: 'warn' };
    const port = await getFreePort();
    gateway = await startApp('gateway', {
      ...common,
      PORT: String(port),
      QUIRE_BOOTSTRAP_API_KEY: ADMIN_KEY,
    });
    worker = await startApp('ai-extraction-worker', {
      ...common,
      PORT: String(await getFreePort()),
      // The second tier can hold the model's Retry-After (1 s): a retry waits for it, not for the 300 ms tier.
      QUIRE_RETRY_DELAYS_MS: '300,2000',
      QUIRE_OCR_DPI: '150',
      QUIRE_LLM_BASE_URL: standin.baseUrl,
      QUIRE_LLM_MODEL: 'stand-in-model',
      QUIRE_LLM_TIMEOUT_MS: '10000',
    });
    client = new QuireClient(`http://127.0.0.1:${port}`, ADMIN_KEY);
  });

  afterAll(async () => {
    await worker?.stop();
    await gateway?.stop();
    await standin?.close();
    await env?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('extract-bank-statement, format xlsx: transactions in the result, a workbook to download; no model asked', async () => {
    const res = await client.submit('extract-bank-statement', [{ name: 'march.pdf', data: statement }], {
      format: 'xlsx',
    });
    expect(res.status).toBe(202);
    const job = await client.waitTerminal(String(res.body.id), 60_000);
    expect(job.status, JSON.stringify(job.error)).toBe('completed');
    expect(job.result).toMatchObject({
      method: 'layout',
      validation: { passed: true },
      statement: { openingBalance: 1000, closingBalance: 2546.5 },
    });
    const txs = (job.result?.statement as { transactions: Array<{ description: string; amount: number }> })
      .transactions;
    expect(txs.map((t) => [t.description, t.amount])).toEqual([
      ['Coffee House', -3.5],
      ['Salary ACME Ltd', 2500],
      ['Rent March', -950],
    ]);
    const download = await client.get(`/v1/jobs/${job.id}/download`);
    expect(download.status).toBe(200);
    const file = path.join(work, 'march.xlsx');
    await writeFile(file, download.body as Buffer);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(file);
    const amounts: unknown[] = [];
    workbook.getWorksheet('Transactions')?.eachRow((row, n) => {
      if (n > 1) amounts.push(row.getCell(4).value);
    });
    expect(amounts).toEqual([-3.5, 2500, -950]);
    // `auto` asks the model only when the layout result fails validation.
    expect(standin.requests).toHaveLength(0);
  });

  it('extract-invoice: fields and checks in the result', async () => {
    const res = await client.submit('extract-invoice', [
      { name: 'invoice.pdf', data: makePdf([{ lines: INVOICE_LINES }]) },
    ]);
    expect(res.status).toBe(202);
    const job = await client.waitTerminal(String(res.body.id), 60_000);
    expect(job.status, JSON.stringify(job.error)).toBe('completed');
    expect(job.result).toMatchObject({
      method: 'layout',
      validation: { passed: true },
      invoice: { invoiceNumber: 'INV-2024-0042', subtotal: 100, tax: 19, total: 119, currency: 'EUR' },
    });
  });

  it('a PDF with no text and nothing to OCR fails with the reason, on its first attempt', async () => {
    const res = await client.submit('extract-bank-statement', [{ name: 'blank.pdf', data: makePdf([{}]) }]);
    expect(res.status).toBe(202);
    const job = await client.waitTerminal(String(res.body.id), 60_000);
    expect(job.status).toBe('failed');
    expect(job.attempts).toBe(1);
    expect(job.error?.message).toMatch(/no text/);
  });

  it('mode llm: a 429 with Retry-After makes the job retrying; the next attempt completes with the model recorded', async () => {
    standin.requests.length = 0;
    standin.reply(
      { kind: 'status', status: 429, headers: { 'retry-after': '1' } },
      {
        kind: 'json',
        value: MODEL_STATEMENT,
        model: 'stand-in-model',
        usage: { prompt: 321, completion: 123 },
      },
    );
    const res = await client.submit('extract-bank-statement', [{ name: 'march.pdf', data: statement }], {
      mode: 'llm',
    });
    expect(res.status).toBe(202);
    const id = String(res.body.id);
    const submitted = Date.now();
    const seen = new Set<string>();
    const deadline = Date.now() + 60_000;
    let job = await client.job(id);
    while (!['completed', 'failed'].includes(job.status) && Date.now() < deadline) {
      seen.add(job.status);
      await new Promise((r) => setTimeout(r, 100));
      job = await client.job(id);
    }
    expect(seen).toContain('retrying');
    // Retry-After: 1 is honoured (the policy's first tier alone would have retried after 300 ms).
    expect(Date.now() - submitted).toBeGreaterThanOrEqual(1_000);
    expect(job.status, JSON.stringify(job.error)).toBe('completed');
    expect(job.attempts).toBe(2);
    expect(job.result).toMatchObject({
      method: 'llm',
      validation: { passed: true },
      llm: { model: 'stand-in-model', promptTokens: 321, completionTokens: 123 },
      comparison: [expect.objectContaining({ field: 'currency', layout: null, llm: 'EUR' })],
    });
    // The document went to the model, with the statement's JSON schema.
    expect(standin.requests).toHaveLength(2);
    const body = standin.requests[1]?.body as {
      messages: Array<{ content: string }>;
      response_format: { json_schema: { name: string } };
    };
    expect(body.response_format.json_schema.name).toBe('bank_statement');
    expect(body.messages.map((m) => m.content).join('\n')).toContain('Salary ACME Ltd');
  });
});
