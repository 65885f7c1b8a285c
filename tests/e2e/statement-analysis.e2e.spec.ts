/**
 * The statement analyzer's flow end to end (gateway + ai-extraction-worker processes, real PostgreSQL/RabbitMQ):
 * jobs whose input is another job's result (`params.sourceJobId`, a JSON body, no upload): categorise a completed
 * extraction's transactions with rules, then report it as XLSX (read back) and CSV; and every way to get the
 * source wrong is a precise 4xx before any job exists.
 *
 * The source extractions are written straight into the database as completed jobs (their results are known
 * exactly), so this spec tests categorisation, reports and the source checks, not the extractor.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyRepository, createDataSource, JobEntity } from '@quire/job-model';
import {
  createTestEnvironment,
  getFreePort,
  startApp,
  type StartedApp,
  type TestEnvironment,
} from '@quire/testing';
import { QuireClient, type JobJson } from './helpers';

const statement = {
  bank: 'Test Bank',
  accountNumber: 'DE89370400440532013000',
  currency: 'EUR',
  openingBalance: 1000,
  closingBalance: 2541.91,
  periodStart: '2026-01-01',
  periodEnd: '2026-02-28',
  transactions: [
    { date: '2026-01-03', description: 'REWE Markt 123 Berlin', amount: -45.1, balance: 954.9 },
    { date: '2026-01-15', description: 'Salary ACME GmbH', amount: 2500, balance: 3454.9 },
    { date: '2026-01-20', description: 'Netflix.com', amount: -12.99, balance: 3441.91 },
    { date: '2026-02-01', description: 'Rent February', amount: -900, balance: 2541.91 },
  ],
};

const rules = [
  { category: 'groceries', field: 'description', op: 'contains', value: 'rewe' },
  { category: 'income', field: 'amount', op: 'gt', value: 1000 },
  { category: 'subscriptions', field: 'description', op: 'regex', value: '^netflix\\b' },
];

async function postJson(client: QuireClient, type: string, body: unknown, contentType = 'application/json') {
  const res = await fetch(`${client.baseUrl}/v1/jobs/${type}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${client.apiKey}`, 'content-type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return {
    status: res.status,
    body: (await res.json()) as { error?: { code: string; message: string } } & JobJson,
  };
}

describe('statement analysis (gateway + ai-extraction-worker processes)', () => {
  let env: TestEnvironment;
  let work: string;
  let gateway: StartedApp;
  let worker: StartedApp;
  let ds: DataSource;
  let a: QuireClient;
  let b: QuireClient;
  const sources = { extraction: '', processing: '', compress: '' };

  beforeAll(async () => {
    env = await createTestEnvironment();
    work = await mkdtemp(path.join(os.tmpdir(), 'quire-statements-'));
    const common = { ...env.env, QUIRE_TEMP_DIR: path.join(work, 'tmp') };
    const port = await getFreePort();
    [gateway, worker] = await Promise.all([
      startApp('gateway', { ...common, PORT: String(port) }),
      startApp('ai-extraction-worker', { ...common, PORT: String(await getFreePort()) }),
    ]);
    ds = createDataSource(env.database.url, { poolSize: 2 });
    await ds.initialize();
    const keys = new ApiKeyRepository(ds);
    const keyA = await keys.createKey('tenant-a', 'user');
    const keyB = await keys.createKey('tenant-b', 'user');
    a = new QuireClient(`http://127.0.0.1:${port}`, keyA.key);
    b = new QuireClient(`http://127.0.0.1:${port}`, keyB.key);

    const insert = async (type: string, status: string, result: Record<string, unknown> | null) => {
      const id = randomUUID();
      await ds.getRepository(JobEntity).insert({
        id,
        tenantId: keyA.tenantId,
        type,
        queue: type === 'compress' ? 'compression' : 'ai-extraction',
        status: status as JobEntity['status'],
        params: {},
        inputs: [],
        progress: { percent: 100, stage: 'finalization', message: 'done' },
        attempts: 1,
        error: null,
        // TypeORM's insert type does not accept a plain JSON object for a jsonb column.
        result: result as never,
        correlationId: randomUUID(),
        finishedAt: status === 'completed' ? new Date() : null,
      });
      return id;
    };
    const extraction = {
      statement,
      method: 'layout',
      validation: { passed: true, checks: [] },
      warnings: [],
      outputs: [],
    };
    sources.extraction = await insert('extract-bank-statement', 'completed', extraction);
    sources.processing = await insert('extract-bank-statement', 'processing', null);
    sources.compress = await insert('compress', 'completed', { outputs: [] });
  });

  afterAll(async () => {
    await Promise.all([gateway?.stop(), worker?.stop()]);
    await ds?.destroy();
    await env?.cleanup();
    await rm(work, { recursive: true, force: true });
  });

  it('categorises a completed extraction (JSON body): first matching rule, exact totals', async () => {
    const submitted = await postJson(a, 'categorize-transactions', {
      sourceJobId: sources.extraction,
      rules,
    });
    expect(submitted.status).toBe(202);
    const job = await a.waitTerminal(submitted.body.id);
    expect(job.status).toBe('completed');
    const result = job.result as {
      statement: { transactions: Array<{ description: string; category: string }> };
      totals: Array<{ category: string; count: number; amount: number }>;
    };
    expect(result.statement.transactions.map((t) => t.category)).toEqual([
      'groceries',
      'income',
      'subscriptions',
      'uncategorized',
    ]);
    expect(result.totals).toEqual([
      { category: 'groceries', count: 1, amount: -45.1 },
      { category: 'income', count: 1, amount: 2500 },
      { category: 'subscriptions', count: 1, amount: -12.99 },
      { category: 'uncategorized', count: 1, amount: -900 },
    ]);

    // The categorised statement reports as XLSX: read back, categories and VAT included.
    const report = await postJson(a, 'statement-report', {
      sourceJobId: job.id,
      format: 'xlsx',
      includeVat: true,
    });
    expect(report.status).toBe(202);
    const done = await a.waitTerminal(report.body.id);
    expect(done.status).toBe('completed');
    const file = await a.get(`/v1/jobs/${done.id}/download`);
    expect(file.status).toBe(200);
    const wb = new ExcelJS.Workbook();
    const xlsx = path.join(work, 'report.xlsx');
    await writeFile(xlsx, file.body as Buffer);
    await wb.xlsx.readFile(xlsx);
    const sheet = wb.getWorksheet('Transactions')!;
    expect(sheet.rowCount).toBe(1 + statement.transactions.length);
    expect(sheet.getRow(2).getCell(3).value).toBe('groceries');
    expect(sheet.getRow(5).getCell(4).value).toBe(-900);
    expect(sheet.getRow(1).values).toContain('VAT');
  });

  it('reports an extraction as CSV from a params-only multipart request', async () => {
    const form = new FormData();
    form.append('params', JSON.stringify({ sourceJobId: sources.extraction, format: 'csv' }));
    const res = await fetch(`${a.baseUrl}/v1/jobs/statement-report`, {
      method: 'POST',
      body: form,
      headers: { authorization: `Bearer ${a.apiKey}` },
    });
    expect(res.status).toBe(202);
    const job = await a.waitTerminal(((await res.json()) as JobJson).id);
    expect(job.status).toBe('completed');
    const csv = (await a.get(`/v1/jobs/${job.id}/download`)).body as Buffer;
    const lines = csv
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n');
    expect(lines[0]).toBe('date,description,category,amount,balance');
    expect(lines[4]).toBe('2026-02-01,Rent February,uncategorized,-900.00,2541.91');
  });

  it('refuses every wrong source and bad rule with a precise 4xx, before a job exists', async () => {
    const cases: Array<[QuireClient, unknown, number, RegExp]> = [
      // another tenant's job is as missing as one that does not exist
      [b, { sourceJobId: sources.extraction, rules }, 404, /sourceJobId.*not found/],
      [a, { sourceJobId: randomUUID(), rules }, 404, /sourceJobId.*not found/],
      [a, { sourceJobId: sources.processing, rules }, 409, /sourceJobId.*processing, not completed/],
      [a, { sourceJobId: sources.compress, rules }, 400, /sourceJobId.*compress job/],
      [a, { sourceJobId: 'not-a-uuid', rules }, 400, /sourceJobId/],
      [
        a,
        {
          sourceJobId: sources.extraction,
          rules: [{ category: 'x', field: 'description', op: 'regex', value: '(a' }],
        },
        400,
        /rules\[0\].*regular expression/,
      ],
      [
        a,
        {
          sourceJobId: sources.extraction,
          rules: [{ category: 'x', field: 'iban', op: 'contains', value: 'DE' }],
        },
        400,
        /rules/,
      ],
      [a, { sourceJobId: sources.extraction, rules: [] }, 400, /rules/],
      [a, { sourceJobId: sources.extraction, rules, extra: 1 }, 400, /extra/],
    ];
    for (const [client, body, status, message] of cases) {
      const res = await postJson(client, 'categorize-transactions', body);
      expect({ status: res.status, body }).toEqual({ status, body });
      expect(res.body.error?.message).toMatch(message);
    }
    expect((await postJson(a, 'statement-report', '{"sourceJobId":', 'application/json')).status).toBe(400);
    expect((await postJson(a, 'statement-report', 'sourceJobId=x', 'text/plain')).status).toBe(415);
    const list = await a.get('/v1/jobs?type=categorize-transactions&limit=100');
    // Only the first test's job: none of the refused requests created one.
    expect((list.body as { items: unknown[] }).items).toHaveLength(1);
  });
});
