/**
 * Invoices in layouts that are not in the shared corpus, with exact ground truth (chosen before the extractor was
 * run on them): EN/DE/FR/US/NL, two-column header blocks, a row of labels over a row of values, a sender line above
 * the address window, line tables in different column orders (quantity first, VAT-rate column, position numbers),
 * two VAT rates, HT/TTC, decimal comma and space grouping, DMY / MDY / month-name dates, totals tables, three-column
 * footers carrying the VAT id and IBAN, and a two-page invoice whose line table continues under a repeated header.
 */
import {
  addDays,
  between,
  COMMA,
  date,
  DOT,
  money,
  pick,
  seeded,
  SPACE_COMMA,
  toAmount,
  type Rng,
} from './format';
import { layoutTable, type Column } from './flow';
import { makeTextPdf, type PlacedText } from './text-pdf';
import type { GeneratedInvoice, InvoiceTruth } from './types';

export type InvoiceLayout =
  | 'en-gb-two-column-header'
  | 'de-two-rates-footer-columns'
  | 'fr-ht-ttc'
  | 'us-labels-over-values'
  | 'nl-two-page-lines'
  // Held out: written after the extractor was tuned on the five above, measured once as they came.
  | 'es-factura'
  | 'it-fattura';

interface Item {
  description: string;
  quantity: number;
  unitCents: number;
  amountCents: number;
  rate: number;
}

const CATALOGUE: Record<'en' | 'de' | 'fr' | 'es' | 'it', string[]> = {
  es: [
    'Consultoría técnica (horas)',
    'Licencia anual de software',
    'Mantenimiento mensual',
    'Formación presencial',
  ],
  it: [
    'Consulenza tecnica (ore)',
    'Canone di manutenzione',
    'Licenza software annuale',
    'Installazione hardware',
  ],
  en: [
    'Consulting services (hours)',
    'Website maintenance',
    'Cloud hosting plan Business',
    'Workshop facilitation',
    'Data migration',
    'Support retainer',
    'Office chairs, ergonomic',
    'USB-C docking station',
    'Printer toner cartridge',
    'Software licence (annual)',
  ],
  de: [
    'Beratung Projektphase (Std.)',
    'Softwarelizenz Jahresabo',
    'Schulung vor Ort',
    'Fachbuch Steuerrecht',
    'Wartungspauschale',
    'Installation und Einrichtung',
  ],
  fr: [
    'Prestation de conseil (jour)',
    'Conception graphique',
    'Impression flyers A5',
    'Hébergement annuel',
    'Formation utilisateurs',
  ],
};

function items(rng: Rng, lang: keyof typeof CATALOGUE, count: number, rates: readonly number[]): Item[] {
  return Array.from({ length: count }, (_, i) => {
    const quantity = between(rng, 1, 12);
    const unitCents = between(rng, 5, 400) * 25;
    const base = pick(rng, CATALOGUE[lang]);
    return {
      description: count > CATALOGUE[lang].length ? `${base} ${i + 1}` : base,
      quantity,
      unitCents,
      amountCents: quantity * unitCents,
      rate: rates[i % rates.length] ?? 0,
    };
  });
}

interface Totals {
  net: number;
  tax: number;
  gross: number;
  perRate: Array<{ rate: number; base: number; tax: number }>;
}

function totals(list: readonly Item[]): Totals {
  const rates = [...new Set(list.map((i) => i.rate))].sort((a, b) => b - a);
  const perRate = rates.map((rate) => {
    const base = list.filter((i) => i.rate === rate).reduce((n, i) => n + i.amountCents, 0);
    return { rate, base, tax: Math.round((base * rate) / 100) };
  });
  const net = perRate.reduce((n, r) => n + r.base, 0);
  const tax = perRate.reduce((n, r) => n + r.tax, 0);
  return { net, tax, gross: net + tax, perRate };
}

const t = (x: number, y: number, s: string, size = 9, extra: Partial<PlacedText> = {}): PlacedText => ({
  x,
  y,
  text: s,
  size,
  ...extra,
});

function truth(
  fields: Omit<InvoiceTruth, 'subtotal' | 'tax' | 'total' | 'lines'>,
  list: readonly Item[],
  sums: Totals,
): InvoiceTruth {
  return {
    ...fields,
    subtotal: toAmount(sums.net),
    tax: toAmount(sums.tax),
    total: toAmount(sums.gross),
    lines: list.map((i) => ({
      description: i.description,
      quantity: i.quantity,
      unitPrice: toAmount(i.unitCents),
      amount: toAmount(i.amountCents),
    })),
  };
}

const FEATURES: Record<InvoiceLayout, string[]> = {
  'en-gb-two-column-header': [
    'EN',
    'DD/MM/YYYY',
    '£',
    'two-column header',
    'Bill To block',
    'totals block',
    'IBAN in a footer sentence',
  ],
  'de-two-rates-footer-columns': [
    'DE',
    'DD.MM.YYYY',
    'decimal comma',
    'sender line',
    'position column',
    'VAT-rate column',
    'two VAT rates',
    'three-column footer',
  ],
  'fr-ht-ttc': ['FR', 'DD/MM/YYYY', 'space grouping', 'HT / TVA / TTC', 'client block on the right'],
  'us-labels-over-values': [
    'EN-US',
    'MM/DD/YYYY',
    '$',
    'labels over values',
    'quantity first',
    'sales tax',
    'no IBAN / VAT id',
  ],
  'es-factura': ['ES (held out)', 'DD/MM/YYYY', 'decimal comma', 'NIF', 'base imponible / IVA / total'],
  'it-fattura': [
    'IT (held out)',
    'DD/MM/YYYY',
    'decimal comma',
    'P.IVA',
    'imponibile / IVA 22% / totale documento',
  ],
  'nl-two-page-lines': [
    'EN/NL',
    'D Mon YYYY',
    '€ with decimal comma',
    'two pages',
    'repeated line-table header',
    'totals on page 2',
    'footer with KvK/BTW/IBAN',
  ],
};

type Built = { pages: ReturnType<typeof layoutTable>['pages']; truth: InvoiceTruth };

export function flowInvoice(layout: InvoiceLayout, seed: number): GeneratedInvoice {
  const rng = seeded(seed);
  const { pages, truth: expected } = LAYOUTS[layout](rng, seed);
  return {
    name: `${layout}-${seed}.pdf`,
    layout,
    features: FEATURES[layout],
    pdf: makeTextPdf(pages, `Invoice ${layout}`),
    pages: pages.length,
    truth: expected,
  };
}

/** Every generated invoice: five layouts, two variants each. */
export function generatedInvoices(): GeneratedInvoice[] {
  return (Object.keys(LAYOUTS) as InvoiceLayout[]).flatMap((layout, i) => [
    flowInvoice(layout, 100 + i * 10 + 1),
    flowInvoice(layout, 100 + i * 10 + 2),
  ]);
}

const LAYOUTS: Record<InvoiceLayout, (rng: Rng, seed: number) => Built> = {
  'en-gb-two-column-header': (rng, seed) => {
    const list = items(rng, 'en', between(rng, 2, 5), [20]);
    const sums = totals(list);
    const issue = addDays('2025-03-01', between(rng, 0, 27));
    const due = addDays(issue, 30);
    const number = `INV-2025-${String(seed * 7).padStart(4, '0')}`;
    const d = (iso: string) => date(iso, 'DMY/');
    const gbp = (c: number) => `£${money(c, DOT)}`;
    const columns: Column[] = [
      { key: 'desc', header: ['Description'], x: 40 },
      { key: 'qty', header: ['Qty'], x: 360, align: 'right' },
      { key: 'unit', header: ['Unit Price'], x: 450, align: 'right' },
      { key: 'amount', header: ['Amount'], x: 555, align: 'right' },
    ];
    const { pages } = layoutTable({
      columns,
      rows: list.map((i) => ({
        cells: {
          desc: [i.description],
          qty: [String(i.quantity)],
          unit: [money(i.unitCents, DOT)],
          amount: [money(i.amountCents, DOT)],
        },
      })),
      size: 9,
      pitch: 12,
      rowGap: 6,
      firstTop: 290,
      nextTop: 80,
      bottom: 700,
      firstPage: [
        t(40, 60, 'Brightwater Consulting Ltd', 16, { bold: true }),
        t(40, 78, '7 Canal Wharf, Leeds LS11 5PS'),
        t(40, 90, 'accounts@brightwater.example'),
        t(40, 102, 'VAT Reg No: GB 123 4567 89'),
        t(420, 60, 'INVOICE', 20, { bold: true }),
        t(380, 90, 'Invoice No:'),
        t(460, 90, number),
        t(380, 102, 'Invoice Date:'),
        t(460, 102, d(issue)),
        t(380, 114, 'Due Date:'),
        t(460, 114, d(due)),
        t(40, 170, 'Bill To', 10, { bold: true }),
        t(40, 184, 'Harbour Foods Ltd'),
        t(40, 196, '22 Quay Street'),
        t(40, 208, 'Bristol BS1 4DJ'),
      ],
      furniture: () => [
        t(
          40,
          780,
          'Payment by bank transfer to Brightwater Consulting Ltd, IBAN GB82 WEST 1234 5698 7654 32, BIC WESTGB2L',
          7.5,
        ),
      ],
      tail: {
        height: 60,
        texts: (y) => [
          t(380, y + 8, 'Subtotal'),
          t(555, y + 8, gbp(sums.net), 9, { align: 'right' }),
          t(380, y + 22, 'VAT 20%'),
          t(555, y + 22, gbp(sums.tax), 9, { align: 'right' }),
          t(380, y + 38, 'Total GBP', 10, { bold: true }),
          t(555, y + 38, gbp(sums.gross), 10, { bold: true, align: 'right' }),
        ],
      },
    });
    return {
      pages,
      truth: truth(
        {
          issuer: 'Brightwater Consulting Ltd',
          issuerVatId: 'GB123456789',
          invoiceNumber: number,
          issueDate: issue,
          dueDate: due,
          currency: 'GBP',
          iban: 'GB82WEST12345698765432',
        },
        list,
        sums,
      ),
    };
  },

  'de-two-rates-footer-columns': (rng, seed) => {
    const list = items(rng, 'de', between(rng, 3, 6), [19, 7]);
    const sums = totals(list);
    const issue = addDays('2025-03-10', between(rng, 0, 15));
    const due = addDays(issue, 14);
    const number = `RE-2025-${String(300 + seed).padStart(4, '0')}`;
    const d = (iso: string) => date(iso, 'DMY.');
    const columns: Column[] = [
      { key: 'pos', header: ['Pos.'], x: 40 },
      { key: 'desc', header: ['Bezeichnung'], x: 70 },
      { key: 'qty', header: ['Menge'], x: 330, align: 'right' },
      { key: 'unit', header: ['Einzelpreis'], x: 410, align: 'right' },
      { key: 'rate', header: ['USt.'], x: 460, align: 'right' },
      { key: 'amount', header: ['Gesamt'], x: 555, align: 'right' },
    ];
    const { pages } = layoutTable({
      columns,
      rows: list.map((i, n) => ({
        cells: {
          pos: [String(n + 1)],
          desc: [i.description],
          qty: [String(i.quantity)],
          unit: [money(i.unitCents, COMMA)],
          rate: [`${i.rate} %`],
          amount: [money(i.amountCents, COMMA)],
        },
      })),
      size: 9,
      pitch: 12,
      rowGap: 5,
      firstTop: 300,
      nextTop: 80,
      bottom: 690,
      firstPage: [
        t(400, 55, 'Muster Software', 16, { bold: true }),
        t(40, 120, 'Muster Software GmbH · Hauptstr. 1 · 10115 Berlin', 6.5),
        t(40, 138, 'Beispiel AG'),
        t(40, 150, 'Frau Erika Beispiel'),
        t(40, 162, 'Bahnhofstr. 3'),
        t(40, 174, '80331 München'),
        t(360, 138, 'Rechnungsnummer'),
        t(460, 138, number),
        t(360, 150, 'Rechnungsdatum'),
        t(460, 150, d(issue)),
        t(360, 162, 'Kundennummer'),
        t(460, 162, 'K-1042'),
        t(360, 174, 'Zahlbar bis'),
        t(460, 174, d(due)),
        t(40, 250, 'Rechnung', 16, { bold: true }),
        t(40, 270, 'Sehr geehrte Frau Beispiel, wir berechnen Ihnen folgende Leistungen:'),
      ],
      furniture: () => [
        t(40, 770, 'Muster Software GmbH', 7),
        t(40, 779, 'Hauptstr. 1', 7),
        t(40, 788, '10115 Berlin', 7),
        t(220, 770, 'Geschäftsführer: Max Muster', 7),
        t(220, 779, 'Amtsgericht Berlin HRB 12345', 7),
        t(220, 788, 'USt-IdNr.: DE123456789', 7),
        t(400, 770, 'Berliner Bank', 7),
        t(400, 779, 'IBAN: DE89 3704 0044 0532 0130 00', 7),
        t(400, 788, 'BIC: COBADEFFXXX', 7),
      ],
      tail: {
        height: 75,
        texts: (y) => [
          t(330, y + 8, 'Nettobetrag'),
          t(555, y + 8, `${money(sums.net, COMMA)} €`, 9, { align: 'right' }),
          ...sums.perRate.flatMap((r, k) => [
            t(330, y + 22 + k * 13, `zzgl. ${r.rate} % USt. auf ${money(r.base, COMMA)}`),
            t(555, y + 22 + k * 13, `${money(r.tax, COMMA)} €`, 9, { align: 'right' }),
          ]),
          t(330, y + 26 + sums.perRate.length * 13, 'Gesamtbetrag', 10, { bold: true }),
          t(555, y + 26 + sums.perRate.length * 13, `${money(sums.gross, COMMA)} €`, 10, {
            bold: true,
            align: 'right',
          }),
        ],
      },
    });
    return {
      pages,
      truth: truth(
        {
          issuer: 'Muster Software GmbH',
          issuerVatId: 'DE123456789',
          invoiceNumber: number,
          issueDate: issue,
          dueDate: due,
          currency: 'EUR',
          iban: 'DE89370400440532013000',
        },
        list,
        sums,
      ),
    };
  },

  'fr-ht-ttc': (rng, seed) => {
    const list = items(rng, 'fr', between(rng, 2, 5), [20]);
    const sums = totals(list);
    const issue = addDays('2025-06-02', between(rng, 0, 20));
    const due = addDays(issue, 30);
    const number = `F2025-${String(40 + seed).padStart(4, '0')}`;
    const d = (iso: string) => date(iso, 'DMY/');
    const eur = (c: number) => `${money(c, SPACE_COMMA)} €`;
    const columns: Column[] = [
      { key: 'desc', header: ['Désignation'], x: 40 },
      { key: 'qty', header: ['Qté'], x: 330, align: 'right' },
      { key: 'unit', header: ['PU HT'], x: 410, align: 'right' },
      { key: 'rate', header: ['TVA'], x: 455, align: 'right' },
      { key: 'amount', header: ['Montant HT'], x: 555, align: 'right' },
    ];
    const { pages } = layoutTable({
      columns,
      rows: list.map((i) => ({
        cells: {
          desc: [i.description],
          qty: [String(i.quantity)],
          unit: [money(i.unitCents, SPACE_COMMA)],
          rate: [`${i.rate} %`],
          amount: [money(i.amountCents, SPACE_COMMA)],
        },
      })),
      size: 9,
      pitch: 12,
      rowGap: 6,
      firstTop: 280,
      nextTop: 80,
      bottom: 700,
      firstPage: [
        t(40, 60, 'Atelier Lumière SAS', 15, { bold: true }),
        t(40, 76, '18 avenue Jean Jaurès, 69007 Lyon'),
        t(40, 88, 'SIRET 123 456 789 00012'),
        t(40, 100, 'TVA intracommunautaire : FR 40 123456789'),
        t(330, 60, 'FACTURE', 18, { bold: true }),
        t(330, 84, `Facture N° : ${number}`),
        t(330, 96, `Date : ${d(issue)}`),
        t(330, 108, `Échéance : ${d(due)}`),
        t(330, 160, 'Client :', 9, { bold: true }),
        t(330, 172, 'Société Dupont SARL'),
        t(330, 184, '5 place Bellecour'),
        t(330, 196, '69002 Lyon'),
      ],
      furniture: () => [
        t(40, 785, 'Règlement par virement : IBAN FR76 3000 6000 0112 3456 7890 189 – BIC AGRIFRPP', 7.5),
        t(40, 796, 'Pénalités de retard : trois fois le taux d’intérêt légal.', 7),
      ],
      tail: {
        height: 60,
        texts: (y) => [
          t(380, y + 8, 'Total HT'),
          t(555, y + 8, eur(sums.net), 9, { align: 'right' }),
          t(380, y + 22, 'TVA 20 %'),
          t(555, y + 22, eur(sums.tax), 9, { align: 'right' }),
          t(380, y + 38, 'Total TTC', 10, { bold: true }),
          t(555, y + 38, eur(sums.gross), 10, { bold: true, align: 'right' }),
        ],
      },
    });
    return {
      pages,
      truth: truth(
        {
          issuer: 'Atelier Lumière SAS',
          issuerVatId: 'FR40123456789',
          invoiceNumber: number,
          issueDate: issue,
          dueDate: due,
          currency: 'EUR',
          iban: 'FR7630006000011234567890189',
        },
        list,
        sums,
      ),
    };
  },

  'us-labels-over-values': (rng, seed) => {
    const list = items(rng, 'en', between(rng, 2, 6), [8.25]);
    const sums = totals(list);
    const issue = addDays('2025-03-02', between(rng, 0, 25));
    const due = addDays(issue, 30);
    const number = String(10_400 + seed);
    const d = (iso: string) => date(iso, 'MDY/');
    const usd = (c: number) => `$${money(c, DOT)}`;
    const columns: Column[] = [
      { key: 'qty', header: ['QTY'], x: 60, align: 'right' },
      { key: 'desc', header: ['DESCRIPTION'], x: 80 },
      { key: 'unit', header: ['UNIT PRICE'], x: 470, align: 'right' },
      { key: 'amount', header: ['LINE TOTAL'], x: 555, align: 'right' },
    ];
    const { pages } = layoutTable({
      columns,
      rows: list.map((i) => ({
        cells: {
          qty: [String(i.quantity)],
          desc: [i.description],
          unit: [money(i.unitCents, DOT)],
          amount: [money(i.amountCents, DOT)],
        },
      })),
      size: 9,
      pitch: 12,
      rowGap: 6,
      firstTop: 300,
      nextTop: 80,
      bottom: 700,
      firstPage: [
        t(40, 60, 'Summit Supply Co., Inc.', 15, { bold: true }),
        t(40, 76, '450 Industrial Pkwy, Denver, CO 80216'),
        t(40, 88, 'Phone (303) 555-0142'),
        t(400, 62, 'INVOICE', 22, { bold: true }),
        t(330, 150, 'INVOICE #', 8, { bold: true }),
        t(420, 150, 'DATE', 8, { bold: true }),
        t(490, 150, 'DUE DATE', 8, { bold: true }),
        t(330, 163, number),
        t(420, 163, d(issue)),
        t(490, 163, d(due)),
        t(40, 200, 'BILL TO', 8, { bold: true }),
        t(40, 213, 'Mesa Verde Outfitters LLC'),
        t(40, 225, '88 Canyon Rd, Santa Fe, NM 87501'),
        t(300, 200, 'SHIP TO', 8, { bold: true }),
        t(300, 213, 'Mesa Verde Outfitters LLC'),
        t(300, 225, 'Dock 3, 12 Warehouse Ave, Albuquerque, NM 87102'),
      ],
      furniture: () => [t(40, 790, 'Thank you for your business!', 9)],
      tail: {
        height: 60,
        texts: (y) => [
          t(400, y + 8, 'SUBTOTAL'),
          t(555, y + 8, usd(sums.net), 9, { align: 'right' }),
          t(400, y + 22, 'SALES TAX (8.25%)'),
          t(555, y + 22, usd(sums.tax), 9, { align: 'right' }),
          t(400, y + 38, 'TOTAL', 10, { bold: true }),
          t(555, y + 38, usd(sums.gross), 10, { bold: true, align: 'right' }),
        ],
      },
    });
    return {
      pages,
      truth: truth(
        {
          issuer: 'Summit Supply Co., Inc.',
          issuerVatId: null,
          invoiceNumber: number,
          issueDate: issue,
          dueDate: due,
          currency: 'USD',
          iban: null,
        },
        list,
        sums,
      ),
    };
  },

  'nl-two-page-lines': (rng, seed) => {
    const list = items(rng, 'en', 38 + (seed % 2) * 6, [21]);
    const sums = totals(list);
    const issue = addDays('2025-02-03', between(rng, 0, 20));
    const due = addDays(issue, 14);
    const number = `KD${2025_000 + seed}`;
    const d = (iso: string) => date(iso, 'D Mon YYYY');
    const eur = (c: number) => `€ ${money(c, COMMA)}`;
    const columns: Column[] = [
      { key: 'desc', header: ['Description'], x: 40 },
      { key: 'qty', header: ['Quantity'], x: 360, align: 'right' },
      { key: 'unit', header: ['Price'], x: 450, align: 'right' },
      { key: 'amount', header: ['Amount'], x: 555, align: 'right' },
    ];
    const { pages } = layoutTable({
      columns,
      rows: list.map((i) => ({
        cells: {
          desc: [i.description],
          qty: [String(i.quantity)],
          unit: [money(i.unitCents, COMMA)],
          amount: [money(i.amountCents, COMMA)],
        },
      })),
      size: 9,
      pitch: 12,
      rowGap: 4,
      firstTop: 250,
      nextTop: 80,
      bottom: 740,
      firstPage: [
        t(40, 60, 'Kanaal Data B.V.', 16, { bold: true }),
        t(40, 76, 'Keizersgracht 100, 1015 AA Amsterdam'),
        t(40, 120, 'Invoice', 18, { bold: true }),
        t(40, 150, 'Customer'),
        t(130, 150, 'Polder Logistics B.V.'),
        t(40, 162, 'Invoice number'),
        t(130, 162, number),
        t(40, 174, 'Invoice date'),
        t(130, 174, d(issue)),
        t(40, 186, 'Due date'),
        t(130, 186, d(due)),
      ],
      furniture: (page, total) => [
        t(
          40,
          800,
          `Kanaal Data B.V. · KvK 12345678 · BTW NL123456789B01 · IBAN NL91 ABNA 0417 1643 00 · page ${page}/${total}`,
          7,
        ),
      ],
      tail: {
        height: 60,
        texts: (y) => [
          t(360, y + 8, 'Total excl. VAT'),
          t(555, y + 8, eur(sums.net), 9, { align: 'right' }),
          t(360, y + 22, 'VAT 21%'),
          t(555, y + 22, eur(sums.tax), 9, { align: 'right' }),
          t(360, y + 38, 'Total incl. VAT', 10, { bold: true }),
          t(555, y + 38, eur(sums.gross), 10, { bold: true, align: 'right' }),
        ],
      },
    });
    return {
      pages,
      truth: truth(
        {
          issuer: 'Kanaal Data B.V.',
          issuerVatId: 'NL123456789B01',
          invoiceNumber: number,
          issueDate: issue,
          dueDate: due,
          currency: 'EUR',
          iban: 'NL91ABNA0417164300',
        },
        list,
        sums,
      ),
    };
  },

  'es-factura': (rng, seed) => {
    const list = items(rng, 'es', between(rng, 2, 4), [21]);
    const sums = totals(list);
    const issue = addDays('2025-06-02', between(rng, 0, 20));
    const due = addDays(issue, 30);
    const number = `2025/${String(800 + seed).padStart(4, '0')}`;
    const d = (iso: string) => date(iso, 'DMY/');
    const eur = (c: number) => `${money(c, COMMA)} €`;
    const columns: Column[] = [
      { key: 'desc', header: ['Concepto'], x: 40 },
      { key: 'qty', header: ['Cantidad'], x: 340, align: 'right' },
      { key: 'unit', header: ['Precio'], x: 440, align: 'right' },
      { key: 'amount', header: ['Importe'], x: 555, align: 'right' },
    ];
    const { pages } = layoutTable({
      columns,
      rows: list.map((i) => ({
        cells: {
          desc: [i.description],
          qty: [String(i.quantity)],
          unit: [money(i.unitCents, COMMA)],
          amount: [money(i.amountCents, COMMA)],
        },
      })),
      size: 9,
      pitch: 12,
      rowGap: 6,
      firstTop: 270,
      nextTop: 80,
      bottom: 700,
      firstPage: [
        t(40, 60, 'Soluciones Ejemplo, S.L.', 15, { bold: true }),
        t(40, 76, 'Calle de Alcalá 45, 28014 Madrid'),
        t(40, 88, 'NIF: ESB12345678'),
        t(380, 60, 'FACTURA', 18, { bold: true }),
        t(380, 84, `Nº factura: ${number}`),
        t(380, 96, `Fecha de emisión: ${d(issue)}`),
        t(380, 108, `Fecha de vencimiento: ${d(due)}`),
        t(40, 150, 'Cliente', 9, { bold: true }),
        t(40, 162, 'Distribuciones Norte S.A.'),
        t(40, 174, 'Avenida de la Constitución 8, 41004 Sevilla'),
      ],
      furniture: () => [t(40, 790, 'Forma de pago: transferencia a IBAN ES91 2100 0418 4502 0005 1332', 7.5)],
      tail: {
        height: 60,
        texts: (y) => [
          t(380, y + 8, 'Base imponible'),
          t(555, y + 8, eur(sums.net), 9, { align: 'right' }),
          t(380, y + 22, 'IVA (21%)'),
          t(555, y + 22, eur(sums.tax), 9, { align: 'right' }),
          t(380, y + 38, 'Total', 10, { bold: true }),
          t(555, y + 38, eur(sums.gross), 10, { bold: true, align: 'right' }),
        ],
      },
    });
    return {
      pages,
      truth: truth(
        {
          issuer: 'Soluciones Ejemplo, S.L.',
          issuerVatId: 'ESB12345678',
          invoiceNumber: number,
          issueDate: issue,
          dueDate: due,
          currency: 'EUR',
          iban: 'ES9121000418450200051332',
        },
        list,
        sums,
      ),
    };
  },

  'it-fattura': (rng, seed) => {
    const list = items(rng, 'it', between(rng, 2, 4), [22]);
    const sums = totals(list);
    const issue = addDays('2025-06-03', between(rng, 0, 20));
    const due = addDays(issue, 30);
    const number = `${140 + seed}/2025`;
    const d = (iso: string) => date(iso, 'DMY/');
    const columns: Column[] = [
      { key: 'desc', header: ['Descrizione'], x: 40 },
      { key: 'qty', header: ['Q.tà'], x: 330, align: 'right' },
      { key: 'unit', header: ['Prezzo unitario'], x: 440, align: 'right' },
      { key: 'amount', header: ['Importo'], x: 555, align: 'right' },
    ];
    const { pages } = layoutTable({
      columns,
      rows: list.map((i) => ({
        cells: {
          desc: [i.description],
          qty: [String(i.quantity)],
          unit: [money(i.unitCents, COMMA)],
          amount: [money(i.amountCents, COMMA)],
        },
      })),
      size: 9,
      pitch: 12,
      rowGap: 6,
      firstTop: 280,
      nextTop: 80,
      bottom: 700,
      firstPage: [
        t(40, 60, 'Rossi Forniture S.r.l.', 15, { bold: true }),
        t(40, 76, 'Via Garibaldi 22, 10122 Torino'),
        t(40, 88, 'P.IVA IT01234567890'),
        t(330, 140, 'Spett.le', 9),
        t(330, 152, 'Bianchi Costruzioni S.p.A.'),
        t(330, 164, 'Corso Italia 5, 20122 Milano'),
        t(40, 200, `Fattura n. ${number}`, 12, { bold: true }),
        t(40, 216, `Data ${d(issue)}`),
        t(40, 228, `Scadenza ${d(due)}`),
      ],
      furniture: () => [
        t(40, 790, 'Pagamento: bonifico bancario IBAN IT60 X054 2811 1010 0000 0123 456', 7.5),
      ],
      tail: {
        height: 60,
        texts: (y) => [
          t(380, y + 8, 'Imponibile'),
          t(555, y + 8, `€ ${money(sums.net, COMMA)}`, 9, { align: 'right' }),
          t(380, y + 22, 'IVA 22%'),
          t(555, y + 22, `€ ${money(sums.tax, COMMA)}`, 9, { align: 'right' }),
          t(380, y + 38, 'Totale documento', 10, { bold: true }),
          t(555, y + 38, `€ ${money(sums.gross, COMMA)}`, 10, { bold: true, align: 'right' }),
        ],
      },
    });
    return {
      pages,
      truth: truth(
        {
          issuer: 'Rossi Forniture S.r.l.',
          issuerVatId: 'IT01234567890',
          invoiceNumber: number,
          issueDate: issue,
          dueDate: due,
          currency: 'EUR',
          iban: 'IT60X0542811101000000123456',
        },
        list,
        sums,
      ),
    };
  },
};
