import { describe, expect, it } from 'vitest';
import { germanInvoiceWords } from './__fixtures__/invoices';
import { render } from './__fixtures__/synthetic';
import { extractInvoice } from './invoice';
import { validateInvoice } from './validate';

function expectValid(invoice: ReturnType<typeof extractInvoice>) {
  const validation = validateInvoice(invoice);
  expect(
    validation.checks.filter((c) => !c.passed),
    JSON.stringify(validation.checks),
  ).toEqual([]);
}

describe('extractInvoice: German invoice, labels beside values, line table, footer with VAT id and IBAN', () => {
  const words = germanInvoiceWords();

  it('reads every field', () => {
    const invoice = extractInvoice(words);
    expect(invoice).toMatchObject({
      issuer: 'Muster Software GmbH',
      issuerVatId: 'DE123456789',
      invoiceNumber: 'RE-2024-0042',
      issueDate: '2024-03-15',
      dueDate: '2024-03-29',
      currency: 'EUR',
      subtotal: 1000,
      tax: 190,
      total: 1190,
      iban: 'DE89370400440532013000',
      taxes: [{ rate: 19, base: 1000, amount: 190 }],
      lines: [
        {
          description: 'Beratung Projektphase 1 März 2024, vor Ort',
          quantity: 8,
          unitPrice: 120,
          amount: 960,
        },
        { description: 'Lizenz Jahresabo', quantity: 1, unitPrice: 40, amount: 40 },
      ],
    });
    expectValid(invoice);
  });
});

describe('extractInvoice: US invoice, a row of labels over a row of values, Bill To block', () => {
  const words = render([
    {
      lines: [
        [
          { text: 'Acme Widgets, Inc.', x: 40, size: 13 },
          { text: 'INVOICE', x: 555, align: 'right', size: 18 },
        ],
        [{ text: '100 Main Street, Springfield, IL 62701', x: 40 }],
        [{ text: 'Phone (217) 555-0100 · billing@acme.example', x: 40 }],
        { gap: 14 },
        [{ text: 'Bill To:', x: 40 }],
        [{ text: 'Globex Corporation', x: 40 }],
        [{ text: '742 Evergreen Terrace', x: 40 }],
        { gap: 14 },
        [
          { text: 'Invoice No.', x: 300 },
          { text: 'Date', x: 400 },
          { text: 'Due Date', x: 480 },
        ],
        [
          { text: '10045', x: 300 },
          { text: '04/15/2024', x: 400 },
          { text: '05/15/2024', x: 480 },
        ],
        { gap: 14 },
        [
          { text: 'Description', x: 40 },
          { text: 'Qty', x: 330, align: 'right' },
          { text: 'Rate', x: 430, align: 'right' },
          { text: 'Amount', x: 550, align: 'right' },
        ],
        [
          { text: 'Widget, large', x: 40 },
          { text: '10', x: 330, align: 'right' },
          { text: '$25.00', x: 430, align: 'right' },
          { text: '$250.00', x: 550, align: 'right' },
        ],
        [
          { text: 'Installation', x: 40 },
          { text: '2', x: 330, align: 'right' },
          { text: '$75.00', x: 430, align: 'right' },
          { text: '$150.00', x: 550, align: 'right' },
        ],
        { gap: 14 },
        [
          { text: 'Subtotal', x: 400 },
          { text: '$400.00', x: 550, align: 'right' },
        ],
        [
          { text: 'Sales Tax (8.875%)', x: 400 },
          { text: '$35.50', x: 550, align: 'right' },
        ],
        [
          { text: 'Total Due', x: 400 },
          { text: '$435.50', x: 550, align: 'right' },
        ],
      ],
    },
  ]);

  it('reads the values under their labels and takes the issuer, not the customer', () => {
    const invoice = extractInvoice(words);
    expect(invoice).toMatchObject({
      issuer: 'Acme Widgets, Inc.',
      invoiceNumber: '10045',
      issueDate: '2024-04-15',
      dueDate: '2024-05-15',
      currency: 'USD',
      subtotal: 400,
      tax: 35.5,
      total: 435.5,
      iban: null,
      issuerVatId: null,
      taxes: [{ rate: 8.875, base: 400, amount: 35.5 }],
      lines: [
        { description: 'Widget, large', quantity: 10, unitPrice: 25, amount: 250 },
        { description: 'Installation', quantity: 2, unitPrice: 75, amount: 150 },
      ],
    });
    expectValid(invoice);
  });
});

describe('extractInvoice: French invoice, two VAT rates, HT / TTC, number and date in one cell', () => {
  const words = render([
    {
      lines: [
        [{ text: 'Atelier Dupont SARL', x: 40, size: 14 }],
        [{ text: '12 rue des Lilas, 69003 Lyon – N° TVA : FR 32 123456789', x: 40 }],
        { gap: 14 },
        [{ text: 'Facture n° F-2024-117 du 5 février 2024', x: 40 }],
        [{ text: 'Échéance : 06/03/2024', x: 40 }],
        { gap: 14 },
        [
          { text: 'Total HT', x: 360 },
          { text: '400,00 €', x: 540, align: 'right' },
        ],
        [
          { text: 'TVA 5,5 % sur 200,00', x: 360 },
          { text: '11,00 €', x: 540, align: 'right' },
        ],
        [
          { text: 'TVA 20 % sur 200,00', x: 360 },
          { text: '40,00 €', x: 540, align: 'right' },
        ],
        [
          { text: 'Total TTC', x: 360 },
          { text: '451,00 €', x: 540, align: 'right' },
        ],
        { gap: 14 },
        [{ text: 'Règlement par virement – IBAN : FR76 3000 6000 0112 3456 7890 189', x: 40 }],
      ],
    },
  ]);

  it('adds the taxes per rate and checks each rate', () => {
    const invoice = extractInvoice(words);
    expect(invoice).toMatchObject({
      issuer: 'Atelier Dupont SARL',
      issuerVatId: 'FR32123456789',
      invoiceNumber: 'F-2024-117',
      issueDate: '2024-02-05',
      dueDate: '2024-03-06',
      currency: 'EUR',
      subtotal: 400,
      tax: 51,
      total: 451,
      iban: 'FR7630006000011234567890189',
      taxes: [
        { rate: 5.5, base: 200, amount: 11 },
        { rate: 20, base: 200, amount: 40 },
      ],
    });
    expectValid(invoice);
  });
});

describe('extractInvoice: nothing to read', () => {
  it('returns nulls and a failing total check', () => {
    const invoice = extractInvoice(render([{ lines: [[{ text: 'Thank you for your visit', x: 40 }]] }]));
    expect(invoice).toMatchObject({
      invoiceNumber: null,
      total: null,
      subtotal: null,
      tax: null,
      iban: null,
    });
    expect(validateInvoice(invoice).checks.find((c) => c.name === 'total-found')?.passed).toBe(false);
  });
});

describe('extractInvoice: a printed total that disagrees with net + tax', () => {
  it('keeps the printed total and fails the sum check (never a silent wrong total)', () => {
    const words = germanInvoiceWords().map((w) =>
      w.text.startsWith('1.190,00') ? { ...w, text: w.text.replace('1.190,00', '1.290,00') } : w,
    );
    const invoice = extractInvoice(words);
    expect(invoice).toMatchObject({ subtotal: 1000, tax: 190, total: 1290 });
    expect(invoice.warnings.join(' ')).toMatch(/printed (total 1290.00|tax 190.00) does not add up/);
    const validation = validateInvoice(invoice);
    expect(validation.passed).toBe(false);
    expect(validation.checks.filter((c) => !c.passed).map((c) => c.name)).toContain(
      'subtotal-plus-tax-equals-total',
    );
  });
});

describe('extractInvoice: "your VAT number" above the issuer\'s footer', () => {
  it('takes the footer company as the issuer: a "your …" field is not the head of an address block', () => {
    const invoice = extractInvoice(
      render([
        {
          lines: [
            [{ text: 'Factuur', x: 40, size: 14 }],
            [{ text: 'Factuurnummer: VF100', x: 40 }],
            [
              { text: 'Totaal EUR', x: 300 },
              { text: '49,99', x: 500, align: 'right' },
            ],
            { gap: 40 },
            [{ text: 'Uw BTW nummer: NL003335996B98', x: 40 }],
            [{ text: 'Volgens onze administratie is de factuur betaald.', x: 40 }],
            [{ text: 'Voorbeeld Handel B.V.', x: 40 }],
            [{ text: 'E-mail: verkoop@voorbeeld.nl', x: 40 }],
          ],
        },
      ]),
    );
    expect(invoice.issuer).toBe('Voorbeeld Handel B.V.');
  });
});
