import { writeFile } from 'node:fs/promises';
import ExcelJS from 'exceljs';
import type { Invoice } from '@quire/extraction';
import { csvText } from '@quire/statement-analysis';

type InvoiceLike = Pick<
  Invoice,
  'issuer' | 'invoiceNumber' | 'issueDate' | 'dueDate' | 'currency' | 'subtotal' | 'tax' | 'total' | 'lines'
>;

const cell = (v: string | number | null): string => (v === null ? '' : csvText(String(v)));

/** The invoice lines as CSV (one row per line; formula-looking text is neutralised like the statement CSV). */
export async function writeInvoiceCsv(invoice: InvoiceLike, outPath: string): Promise<void> {
  const rows = [
    ['invoice_number', 'issue_date', 'issuer', 'currency', 'description', 'quantity', 'unit_price', 'amount'],
    ...invoice.lines.map((l) => [
      invoice.invoiceNumber,
      invoice.issueDate,
      invoice.issuer,
      invoice.currency,
      l.description,
      l.quantity,
      l.unitPrice,
      l.amount,
    ]),
  ];
  await writeFile(outPath, rows.map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n', 'utf8');
}

/** The invoice as a workbook: a summary sheet (header fields and totals) and a lines sheet. */
export async function writeInvoiceXlsx(invoice: InvoiceLike, outPath: string): Promise<void> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'Quire';
  const summary = workbook.addWorksheet('Invoice');
  summary.columns = [
    { header: 'Field', key: 'field', width: 18 },
    { header: 'Value', key: 'value', width: 40 },
  ];
  const fields: Array<[string, string | number | null]> = [
    ['Issuer', invoice.issuer],
    ['Invoice number', invoice.invoiceNumber],
    ['Issue date', invoice.issueDate],
    ['Due date', invoice.dueDate],
    ['Currency', invoice.currency],
    ['Net', invoice.subtotal],
    ['Tax', invoice.tax],
    ['Total', invoice.total],
  ];
  for (const [field, value] of fields) summary.addRow({ field, value });
  const lines = workbook.addWorksheet('Lines');
  lines.columns = [
    { header: 'Description', key: 'description', width: 50 },
    { header: 'Quantity', key: 'quantity', width: 10 },
    { header: 'Unit price', key: 'unitPrice', width: 12, style: { numFmt: '#,##0.00' } },
    { header: 'Amount', key: 'amount', width: 12, style: { numFmt: '#,##0.00' } },
  ];
  for (const l of invoice.lines) lines.addRow(l);
  await workbook.xlsx.writeFile(outPath);
}
