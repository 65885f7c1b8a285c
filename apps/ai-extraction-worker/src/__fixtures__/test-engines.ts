import { aiExtractionWorkerConfigSchema } from '../config';
import { createExtractionEngines } from '../engines';

/**
 * The handlers' real engines built from the worker's own config schema (defaults), as main.ts builds them; `env`
 * overrides single variables (e.g. the language model of the stand-in).
 */
export function testEngines(env: Record<string, string> = {}): ReturnType<typeof createExtractionEngines> {
  const config = aiExtractionWorkerConfigSchema.parse({
    QUIRE_AMQP_URL: 'amqp://localhost',
    QUIRE_DATABASE_URL: 'postgres://localhost/unused',
    QUIRE_STORAGE_DIR: '/tmp/unused',
    QUIRE_OCR_DPI: '200',
    ...env,
  });
  return createExtractionEngines(config);
}

/**
 * Lines of a one-page statement with known transactions (for `makePdf` of @quire/pdf-fixtures), columns laid out
 * with spaces (pdf.js items are split there).
 */
export const STATEMENT_LINES = [
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

export const STATEMENT_TRANSACTIONS = [
  { date: '2024-03-04', description: 'Coffee House', amount: -3.5, balance: 996.5, page: 1 },
  { date: '2024-03-12', description: 'Salary ACME Ltd', amount: 2500, balance: 3496.5, page: 1 },
  { date: '2024-03-20', description: 'Rent March', amount: -950, balance: 2546.5, page: 1 },
];

/** The same statement whose closing balance does not reconcile (a row is missing). */
export const BROKEN_STATEMENT_LINES = STATEMENT_LINES.map((l) =>
  l.startsWith('31/03/2024') ? '31/03/2024    Balance carried forward                        2600.00' : l,
);

export const INVOICE_LINES = [
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
  '',
  'IBAN: DE89 3704 0044 0532 0130 00',
];
