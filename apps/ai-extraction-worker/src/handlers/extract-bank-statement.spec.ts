/**
 * extract-bank-statement with its real engines (pdf.js, Ghostscript, tesseract.js in supervised children), no
 * language model: transactions equal what the generated PDF prints; a statement that does not reconcile completes
 * with failed checks; format xlsx / csv write a file that reads back; a PDF with no text and nothing to OCR, and
 * mode "llm" without a model, fail with a clear, non-retryable reason.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '@quire/errors';
import { expectValidResult, createTestJobContext as testJob } from '@quire/worker-testing';
import { makePdf } from '@quire/pdf-fixtures';
import {
  BROKEN_STATEMENT_LINES,
  STATEMENT_LINES,
  STATEMENT_TRANSACTIONS,
  testEngines,
} from '../__fixtures__/test-engines';
import { extractBankStatementHandler } from './extract-bank-statement.handler';

let dir: string;
let engines: ReturnType<typeof testEngines>;
const file = (name: string) => path.join(dir, name);

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'quire-extract-statement-'));
  await writeFile(file('statement.pdf'), makePdf([{ lines: STATEMENT_LINES }]));
  await writeFile(file('broken.pdf'), makePdf([{ lines: BROKEN_STATEMENT_LINES }]));
  // A page with nothing on it: no text layer, and nothing OCR can read.
  await writeFile(file('blank.pdf'), makePdf([{}]));
  engines = testEngines();
});

afterAll(async () => {
  await Promise.all(engines.closeables.map((c) => c.close()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

const run = async (params: Record<string, unknown>, name: string) => {
  const t = await testJob(dir, 'extract-bank-statement', params, [{ path: file(name), name }]);
  try {
    const result = await extractBankStatementHandler(engines.deps)(t.ctx);
    expectValidResult('extract-bank-statement', result);
    return { result, t };
  } finally {
    await t.cleanup();
  }
};

describe('extract-bank-statement (layout, no language model)', () => {
  it('reads every transaction of a generated statement and says what it checked', async () => {
    const { result } = await run({}, 'statement.pdf');
    expect(result.method).toBe('layout');
    expect(result.statement.transactions).toEqual(STATEMENT_TRANSACTIONS);
    expect(result.statement).toMatchObject({
      bank: 'Quire Test Bank',
      accountNumber: '12345678',
      openingBalance: 1000,
      closingBalance: 2546.5,
      periodStart: '2024-03-01',
      periodEnd: '2024-03-31',
    });
    expect(result.validation.passed).toBe(true);
    expect(result.validation.checks.map((c) => c.name)).toEqual(
      expect.arrayContaining(['running-balance', 'opening-plus-amounts-equals-closing']),
    );
    expect(result.pages).toEqual([{ page: 1, source: 'text-layer' }]);
    expect(result.llm).toBeUndefined();
    // format json (the default): the statement as a JSON file too.
    expect(result.outputs).toEqual([
      expect.objectContaining({ name: 'statement.json', contentType: 'application/json' }),
    ]);
  });

  it('completes a statement that does not reconcile, with the failed check and no silent total', async () => {
    const { result } = await run({ mode: 'auto' }, 'broken.pdf');
    expect(result.method).toBe('layout');
    expect(result.validation.passed).toBe(false);
    const failed = result.validation.checks.filter((c) => !c.passed).map((c) => c.name);
    expect(failed).toContain('opening-plus-amounts-equals-closing');
  });

  it('format xlsx writes the transactions as a workbook that reads back', async () => {
    const t = await testJob(dir, 'extract-bank-statement', { format: 'xlsx' }, [
      { path: file('statement.pdf'), name: 'march.pdf' },
    ]);
    const result = await extractBankStatementHandler(engines.deps)(t.ctx);
    expectValidResult('extract-bank-statement', result);
    expect(result.outputs).toEqual([
      expect.objectContaining({
        name: 'march.xlsx',
        contentType: expect.stringContaining('spreadsheetml') as string,
      }),
    ]);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(t.outputFile(result.outputs?.[0]?.key ?? ''));
    const sheet = workbook.getWorksheet('Transactions');
    const descriptions: unknown[] = [];
    sheet?.eachRow((row, n) => {
      if (n > 1) descriptions.push(row.getCell(2).value);
    });
    expect(descriptions).toEqual(STATEMENT_TRANSACTIONS.map((t) => t.description));
    await t.cleanup();
  });

  it('format csv writes one row per transaction', async () => {
    const t = await testJob(dir, 'extract-bank-statement', { format: 'csv' }, [
      { path: file('statement.pdf'), name: 'march.pdf' },
    ]);
    const result = await extractBankStatementHandler(engines.deps)(t.ctx);
    const csv = await readFile(t.outputFile(result.outputs?.[0]?.key ?? ''), 'utf8');
    const rows = csv.trim().split(/\r?\n/);
    expect(rows).toHaveLength(1 + STATEMENT_TRANSACTIONS.length);
    expect(rows[1]).toContain('2024-03-04');
    await t.cleanup();
  });

  it('rules given at extraction time categorise the transactions and total them', async () => {
    const t = await testJob(
      dir,
      'extract-bank-statement',
      {
        rules: [
          { category: 'housing', field: 'description', op: 'regex', value: '^rent\\b' },
          { category: 'income', field: 'amount', op: 'gt', value: 0 },
        ],
      },
      [{ path: file('statement.pdf'), name: 'march.pdf' }],
    );
    const result = await extractBankStatementHandler(engines.deps)(t.ctx);
    expectValidResult('extract-bank-statement', result);
    expect(result.statement.transactions.map((tx) => tx.category)).toEqual([
      'uncategorized',
      'income',
      'housing',
    ]);
    expect(result.totals).toEqual([
      { category: 'housing', count: 1, amount: -950 },
      { category: 'income', count: 1, amount: 2500 },
      { category: 'uncategorized', count: 1, amount: -3.5 },
    ]);
    await t.cleanup();
  });

  it('reads a statement uploaded as an image (a photographed page) through OCR word boxes', async () => {
    const png = file('statement.png');
    await promisify(execFile)('gs', [
      '-q',
      '-dSAFER',
      '-dBATCH',
      '-dNOPAUSE',
      '-sDEVICE=pnggray',
      '-r200',
      `-sOutputFile=${png}`,
      file('statement.pdf'),
    ]);
    const { result } = await run({}, 'statement.png');
    expect(result.pages).toEqual([{ page: 1, source: 'ocr', confidence: expect.any(Number) as number }]);
    expect(
      result.statement.transactions.map(({ date, amount, balance }) => ({ date, amount, balance })),
    ).toEqual(STATEMENT_TRANSACTIONS.map(({ date, amount, balance }) => ({ date, amount, balance })));
    expect(result.validation.passed).toBe(true);
  });

  it('fails a PDF with no text and nothing OCR can read, not retryable', async () => {
    const error = await run({}, 'blank.pdf').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).retryable).toBe(false);
    expect((error as Error).message).toMatch(/no text/);
  });

  it('mode llm with no language model configured fails with the reason, not retryable', async () => {
    const error = await run({ mode: 'llm' }, 'statement.pdf').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(/mode "llm" needs a language model.*QUIRE_LLM_/);
  });
});
