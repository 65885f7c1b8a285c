/**
 * extract-invoice with its real engines, no language model: the fields of a generated invoice; format csv / xlsx
 * write the lines; an invoice whose totals do not add up completes with the failed check.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePdf, makeScannedPdf, makeTextPdf } from '@quire/pdf-fixtures';
import { expectValidResult, createTestJobContext as testJob } from '@quire/worker-testing';
import { INVOICE_LINES, testEngines } from '../__fixtures__/test-engines';
import { extractInvoiceHandler } from './extract-invoice.handler';

let dir: string;
let engines: ReturnType<typeof testEngines>;
const file = (name: string) => path.join(dir, name);

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'quire-extract-invoice-'));
  await writeFile(file('invoice.pdf'), makePdf([{ lines: INVOICE_LINES }]));
  // A line amount that does not match the printed net (lines 110.00, net 100.00).
  const wrongLines = INVOICE_LINES.map((l) =>
    l.startsWith('Toner') ? 'Toner                              2           30.00         60.00' : l,
  );
  await writeFile(file('wrong-lines.pdf'), makePdf([{ lines: wrongLines }]));
  engines = testEngines();
});

afterAll(async () => {
  await Promise.all(engines.closeables.map((c) => c.close()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('extract-invoice (layout, no language model)', () => {
  it('reads the header fields, totals, IBAN and lines of a generated invoice', async () => {
    const t = await testJob(dir, 'extract-invoice', {}, [{ path: file('invoice.pdf'), name: 'invoice.pdf' }]);
    const result = await extractInvoiceHandler(engines.deps)(t.ctx);
    expectValidResult('extract-invoice', result);
    expect(result.method).toBe('layout');
    expect(result.invoice).toMatchObject({
      invoiceNumber: 'INV-2024-0042',
      issueDate: '2024-03-15',
      dueDate: '2024-04-14',
      currency: 'EUR',
      subtotal: 100,
      tax: 19,
      total: 119,
      iban: 'DE89370400440532013000',
      issuerVatId: 'DE123456789',
    });
    expect(result.invoice.lines.map((l) => [l.description, l.amount])).toEqual([
      ['Paper A4', 50],
      ['Toner', 50],
    ]);
    expect(result.validation.passed).toBe(true);
    await t.cleanup();
  });

  it('reads the seller block printed only as a picture by OCR of that image (header fields, never amounts)', async () => {
    // The letterhead (name, address, IBAN) is a scanned image under a digital page whose text layer has the rest.
    const letterhead = await makeScannedPdf(
      [['Acme Supplies GmbH', 'Hauptstrasse 1, 10115 Berlin', 'IBAN DE89 3704 0044 0532 0130 00']],
      200,
    );
    await writeFile(file('letterhead.pdf'), letterhead.pdf);
    const body = INVOICE_LINES.slice(3, 15).map((text, i) => ({ x: 72, y: 260 + i * 18, text, size: 11 }));
    await writeFile(file('body.pdf'), makeTextPdf([{ width: 612, height: 792, texts: body }]));
    await promisify(execFile)('qpdf', [
      file('body.pdf'),
      '--underlay',
      file('letterhead.pdf'),
      '--',
      file('pictured.pdf'),
    ]);
    const t = await testJob(dir, 'extract-invoice', {}, [
      { path: file('pictured.pdf'), name: 'pictured.pdf' },
    ]);
    const result = await extractInvoiceHandler(engines.deps)(t.ctx);
    expectValidResult('extract-invoice', result);
    expect(result.invoice).toMatchObject({
      issuer: 'Acme Supplies GmbH',
      iban: 'DE89370400440532013000',
      invoiceNumber: 'INV-2024-0042',
      total: 119,
    });
    expect(result.warnings.join(' ')).toMatch(/issuer.*iban read by OCR from an image on page 1/);
    await t.cleanup();
  });

  it('completes an invoice whose lines do not sum to its net, with that check failed', async () => {
    const t = await testJob(dir, 'extract-invoice', { mode: 'auto' }, [
      { path: file('wrong-lines.pdf'), name: 'wrong.pdf' },
    ]);
    const result = await extractInvoiceHandler(engines.deps)(t.ctx);
    expectValidResult('extract-invoice', result);
    expect(result.validation.passed).toBe(false);
    expect(result.validation.checks.filter((c) => !c.passed).map((c) => c.name)).toEqual([
      'lines-sum-to-subtotal',
    ]);
    await t.cleanup();
  });

  it('format csv and xlsx write the invoice lines', async () => {
    const csvJob = await testJob(dir, 'extract-invoice', { format: 'csv' }, [
      { path: file('invoice.pdf'), name: 'acme.pdf' },
    ]);
    const csv = await extractInvoiceHandler(engines.deps)(csvJob.ctx);
    expectValidResult('extract-invoice', csv);
    expect(csv.outputs?.[0]).toMatchObject({ name: 'acme.csv' });
    const rows = (await readFile(csvJob.outputFile(csv.outputs?.[0]?.key ?? ''), 'utf8'))
      .trim()
      .split(/\r\n/);
    expect(rows).toEqual([
      'invoice_number,issue_date,issuer,currency,description,quantity,unit_price,amount',
      expect.stringMatching(/^INV-2024-0042,2024-03-15,.*,EUR,Paper A4,10,5,50$/) as string,
      expect.stringMatching(/^INV-2024-0042,2024-03-15,.*,EUR,Toner,2,25,50$/) as string,
    ]);
    await csvJob.cleanup();

    const xlsxJob = await testJob(dir, 'extract-invoice', { format: 'xlsx' }, [
      { path: file('invoice.pdf'), name: 'acme.pdf' },
    ]);
    const xlsx = await extractInvoiceHandler(engines.deps)(xlsxJob.ctx);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(xlsxJob.outputFile(xlsx.outputs?.[0]?.key ?? ''));
    const amounts: unknown[] = [];
    workbook.getWorksheet('Lines')?.eachRow((row, n) => {
      if (n > 1) amounts.push(row.getCell(4).value);
    });
    expect(amounts).toEqual([50, 50]);
    await xlsxJob.cleanup();
  });
});
