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
  wrap,
  type Rng,
} from './format';
import { layoutTable, type Column, type TableRow } from './flow';
import { makeTextPdf, type PlacedText } from './text-pdf';
import type { GeneratedStatement, StatementTruth } from './types';

export type StatementLayout =
  | 'en-gb-debit-credit'
  | 'de-signed-saldo'
  | 'fr-debit-credit-no-balance'
  | 'us-signed-mdy'
  | 'in-ref-value-date'
  | 'nl-crdr-description-last'
  // Held out: written after the extractor was tuned on the six above, measured once as they came.
  | 'es-cargo-abono'
  | 'it-importo-segno';

interface Tx {
  date: string;
  /** Printed lines of the description. */
  lines: string[];
  cents: number;
  balance: number;
}

type Lang = 'en' | 'de' | 'fr' | 'in' | 'nl' | 'es' | 'it';

const DEBITS: Record<Lang, string[][]> = {
  en: [
    ['CARD PAYMENT TO TESCO STORES 3297'],
    ['DIRECT DEBIT THAMES WATER UTILITIES', 'REF 8842113 MARCH INSTALMENT'],
    ['CONTACTLESS PRET A MANGER LONDON'],
    ['FASTER PAYMENT TO J SMITH', 'REF RENT SHARE FLAT 2 UPPER FLOOR'],
    ['STANDING ORDER SAVINGS POT'],
    ['CASH WITHDRAWAL HIGH STREET ATM'],
    ['AMAZON MARKETPLACE ORDER 204-1234567-8812345'],
    ['DIRECT DEBIT BRITISH GAS', 'CUSTOMER 55120934'],
  ],
  de: [
    ['SEPA-Lastschrift', 'Stadtwerke Musterstadt GmbH', 'Abschlag Strom Kd-Nr 4471203'],
    ['Kartenzahlung', 'REWE Markt Musterstadt'],
    ['Dauerauftrag', 'Miete Hauptstraße 5'],
    ['SEPA-Überweisung', 'Müller Versicherung AG', 'Beitrag Hausrat'],
    ['Bargeldauszahlung', 'Geldautomat Bahnhofstraße'],
    ['Kartenzahlung', 'Bäckerei Schäfer'],
  ],
  fr: [
    ['CB CARREFOUR MARKET 12/04'],
    ['PRLV SEPA EDF CLIENTS PARTICULIERS', 'ECH/150425 MDT/FR12XYZ'],
    ['VIR SEPA EMIS VERS M. DURAND LOYER'],
    ['CB SNCF INTERNET'],
    ['RETRAIT DAB BNP PARIS 11'],
    ['PRLV SEPA ORANGE SA FACTURE MOBILE'],
  ],
  in: [
    ['UPI SWIGGY ORDER PAYMENT BANGALORE FOOD DELIVERY'],
    ['POS AMAZON PAY INDIA PRIVATE LIMITED'],
    ['ATM WDL MG ROAD BRANCH'],
    ['NEFT DR ACME UTILITIES ELECTRICITY BILL MAY'],
    ['UPI ZOMATO LIMITED ORDER'],
  ],
  es: [
    ['RECIBO ENDESA ENERGIA', 'REF 00412 JUNIO'],
    ['COMPRA TARJ. MERCADONA MADRID'],
    ['TRANSFERENCIA A FAVOR DE J. GARCIA ALQUILER'],
    ['RETIRADA CAJERO GRAN VIA'],
    ['COMPRA TARJ. EL CORTE INGLES'],
  ],
  it: [
    ['PAGAMENTO POS ESSELUNGA MILANO'],
    ['ADDEBITO SDD ENEL ENERGIA', 'BOLLETTA GIUGNO 2025'],
    ['BONIFICO A FAVORE DI M. BIANCHI AFFITTO'],
    ['PRELIEVO BANCOMAT VIA TORINO'],
  ],
  nl: [
    ['Albert Heijn 1234 Amsterdam'],
    ['Betaalverzoek Tikkie J de Vries'],
    ['Incasso Vattenfall Klantenservice termijn'],
    ['NS Groep IZ NS Reizigers'],
    ['Pinbetaling HEMA Utrecht'],
  ],
};

const CREDITS: Record<Lang, string[][]> = {
  en: [['SALARY ACME WIDGETS LTD'], ['REFUND ASOS.COM ORDER 99812']],
  de: [
    ['Gutschrift', 'Lohn/Gehalt Beispiel GmbH'],
    ['Gutschrift', 'Erstattung Finanzamt'],
  ],
  fr: [['VIR SEPA RECU DE SOCIETE EXEMPLE SALAIRE'], ['REMBOURSEMENT CPAM']],
  in: [['NEFT CR SALARY INFOTECH SOLUTIONS PVT LTD'], ['IMPS CR REFUND FLIPKART']],
  nl: [['Salaris Voorbeeld B.V.'], ['Terugbetaling Belastingdienst']],
  es: [['NOMINA EMPRESA EJEMPLO S.L.'], ['DEVOLUCION HACIENDA']],
  it: [['STIPENDIO ROSSI SPA'], ['RIMBORSO AMAZON EU']],
};

function transactions(
  rng: Rng,
  lang: Lang,
  count: number,
  start: string,
  opening: number,
  newDay = 0.45,
): Tx[] {
  const out: Tx[] = [];
  let day = start;
  let balance = opening;
  for (let i = 0; i < count; i++) {
    if (rng() < newDay) day = addDays(day, between(rng, 1, 2));
    const debit = -between(rng, 150, rng() < 0.1 ? 180_000 : 25_000);
    // Salary and refunds now and then, and always before the account would be overdrawn (balances print unsigned).
    const credit = rng() < 0.12 || balance + debit < 10_000;
    const lines = [...pick(rng, credit ? CREDITS[lang] : DEBITS[lang])];
    const cents = credit ? between(rng, 20_000, 320_000) : debit;
    balance += cents;
    out.push({ date: day, lines, cents, balance });
  }
  return out;
}

/** The statement period ends on its last day, or on the last transaction's when the rows run past it. */
const periodEnd = (txs: readonly Tx[], end: string) => {
  const last = txs[txs.length - 1]?.date;
  return last !== undefined && last > end ? last : end;
};

const truthOf = (
  txs: readonly Tx[],
  currency: string | null,
  opening: number,
  periodStart: string,
  periodEnd: string,
  withBalance: boolean,
): StatementTruth => ({
  currency,
  openingBalance: toAmount(opening),
  closingBalance: toAmount(txs.length ? txs[txs.length - 1].balance : opening),
  periodStart,
  periodEnd,
  transactions: txs.map((t) => ({
    date: t.date,
    description: t.lines.join(' '),
    amount: toAmount(t.cents),
    balance: withBalance ? toAmount(t.balance) : null,
  })),
});

const text = (x: number, y: number, s: string, size = 9, extra: Partial<PlacedText> = {}): PlacedText => ({
  x,
  y,
  text: s,
  size,
  ...extra,
});

const FEATURES: Record<StatementLayout, string[]> = {
  'en-gb-debit-credit': [
    'EN',
    'D Mon YYYY dates',
    'paid out / paid in columns',
    'running balance',
    'wrapped descriptions',
    'brought / carried forward rows at page breaks',
    'repeated header, page footer',
    'two-column header block',
  ],
  'de-signed-saldo': [
    'DE',
    'DD.MM.YYYY',
    'decimal comma',
    'one signed amount column',
    'value-date column',
    'three-line descriptions',
    'opening/closing outside the table',
    'two-column header block',
  ],
  'fr-debit-credit-no-balance': [
    'FR',
    'DD/MM/YYYY',
    'space-grouped decimal comma',
    'débit / crédit columns',
    'no running balance',
    'value-date column',
    'opening row and totals table',
  ],
  'us-signed-mdy': [
    'EN-US',
    'MM/DD/YYYY',
    'one signed amount column',
    'running balance',
    '10 pages, repeated header',
    'summary block beside the address',
  ],
  'in-ref-value-date': [
    'EN-IN',
    'DD/MM/YY',
    'reference and value-date columns',
    'withdrawal / deposit columns',
    'closing balance column',
    'wrapped narration',
    'summary table (labels over values) at the end',
  ],
  'es-cargo-abono': [
    'ES (held out)',
    'DD-MM-YYYY',
    'decimal comma',
    'value-date column',
    'cargo / abono columns',
    'opening row in the table',
    'wrapped concepts',
    'multi-page',
  ],
  'it-importo-segno': [
    'IT (held out)',
    'DD/MM/YYYY',
    'signed amounts with explicit +',
    'value-date column',
    'opening/closing in a summary beside the address',
    'wrapped descriptions',
  ],
  'nl-crdr-description-last': [
    'EN/NL',
    'ISO dates',
    'amount with CR/DR marker',
    'description as the last column',
    'balance before description',
  ],
};

/** One statement of `layout` with `count` transactions, its data drawn from `seed`. */
export function flowStatement(layout: StatementLayout, seed: number, count: number): GeneratedStatement {
  const rng = seeded(seed);
  const { pages, truth } = LAYOUTS[layout](rng, count);
  return {
    name: `${layout}-${seed}.pdf`,
    layout,
    features: FEATURES[layout],
    pdf: makeTextPdf(pages, `Statement ${layout}`),
    pages: pages.length,
    truth,
  };
}

type Built = { pages: ReturnType<typeof layoutTable>['pages']; truth: StatementTruth };

const LAYOUTS: Record<StatementLayout, (rng: Rng, count: number) => Built> = {
  'en-gb-debit-credit': (rng, count) => {
    const start = '2025-03-01';
    const opening = between(rng, 50_000, 400_000);
    const txs = transactions(rng, 'en', count, '2025-03-03', opening).map((t) => ({
      ...t,
      lines: t.lines.flatMap((l) => wrap(l, 34)),
    }));
    const end = periodEnd(txs, '2025-03-31');
    const d = (iso: string) => date(iso, 'D Mon YYYY');
    const columns: Column[] = [
      { key: 'date', header: ['Date'], x: 40 },
      { key: 'desc', header: ['Description'], x: 105 },
      { key: 'out', header: ['Paid out'], x: 395, align: 'right' },
      { key: 'in', header: ['Paid in'], x: 470, align: 'right' },
      { key: 'bal', header: ['Balance'], x: 555, align: 'right' },
    ];
    const rows: TableRow[] = [
      {
        cells: { date: [d(start)], desc: ['BALANCE BROUGHT FORWARD'], bal: [money(opening, DOT)] },
        balance: opening,
      },
      ...txs.map((t) => ({
        cells: {
          date: [d(t.date)],
          desc: t.lines,
          [t.cents < 0 ? 'out' : 'in']: [money(t.cents, DOT)],
          bal: [money(t.balance, DOT)],
        },
        balance: t.balance,
      })),
    ];
    const { pages } = layoutTable({
      columns,
      rows,
      size: 8.5,
      pitch: 11,
      rowGap: 3,
      firstTop: 215,
      nextTop: 90,
      bottom: 770,
      firstPage: [
        text(40, 60, 'Northbridge Bank plc', 16, { bold: true }),
        text(40, 100, 'Mr J Smith'),
        text(40, 112, '14 Orchard Lane'),
        text(40, 124, 'Bristol BS1 4DJ'),
        text(340, 100, 'Account name'),
        text(430, 100, 'Mr J Smith'),
        text(340, 112, 'Sort code'),
        text(430, 112, '20-45-77'),
        text(340, 124, 'Account number'),
        text(430, 124, '43218765'),
        text(340, 136, 'Statement period'),
        text(430, 136, `${d(start)} to ${d(end)}`),
        text(40, 185, 'Your transactions', 11, { bold: true }),
      ],
      furniture: (page, total) => [
        ...(page > 1
          ? [
              text(40, 60, 'Northbridge Bank plc', 11, { bold: true }),
              text(340, 60, 'Account number 43218765'),
            ]
          : []),
        text(40, 805, 'Northbridge Bank plc. Registered in England and Wales No. 00012345.', 6.5),
        text(555, 805, `Page ${page} of ${total}`, 6.5, { align: 'right' }),
      ],
      carried: (b) => ({ cells: { desc: ['BALANCE CARRIED FORWARD'], bal: [money(b, DOT)] } }),
      brought: (b) => ({ cells: { desc: ['BALANCE BROUGHT FORWARD'], bal: [money(b, DOT)] } }),
    });
    // A UK current-account statement that prints no currency: the truth cannot know one either.
    return { pages, truth: truthOf(txs, null, opening, start, end, true) };
  },

  'de-signed-saldo': (rng, count) => {
    const start = '2025-03-01';
    const opening = between(rng, 80_000, 600_000);
    const txs = transactions(rng, 'de', count, '2025-03-03', opening);
    const end = periodEnd(txs, '2025-03-31');
    const d = (iso: string) => date(iso, 'DMY.');
    const signed = (c: number) => `${c < 0 ? '-' : ''}${money(c, COMMA)}`;
    const closing = txs.length ? txs[txs.length - 1].balance : opening;
    const columns: Column[] = [
      { key: 'date', header: ['Buchung'], x: 40 },
      { key: 'valuta', header: ['Valuta'], x: 92 },
      { key: 'desc', header: ['Verwendungszweck'], x: 145 },
      { key: 'amount', header: ['Betrag (EUR)'], x: 470, align: 'right' },
      { key: 'bal', header: ['Saldo (EUR)'], x: 555, align: 'right' },
    ];
    const { pages } = layoutTable({
      columns,
      rows: txs.map((t) => ({
        cells: {
          date: [d(t.date)],
          valuta: [d(addDays(t.date, t.cents > 0 ? 0 : 1))],
          desc: t.lines,
          amount: [signed(t.cents)],
          bal: [money(t.balance, COMMA)],
        },
      })),
      size: 8.5,
      pitch: 10.5,
      rowGap: 5,
      firstTop: 235,
      nextTop: 80,
      bottom: 770,
      firstPage: [
        text(40, 55, 'Stadtsparkasse Musterstadt', 14, { bold: true }),
        text(40, 95, 'Herrn Max Mustermann'),
        text(40, 107, 'Hauptstraße 5'),
        text(40, 119, '12345 Musterstadt'),
        text(330, 95, 'Kontoauszug 3/2025', 10, { bold: true }),
        text(330, 109, 'IBAN: DE89 3704 0044 0532 0130 00'),
        text(330, 121, 'BIC: COBADEFFXXX'),
        text(330, 133, `Zeitraum: ${d(start)} – ${d(end)}`),
        text(40, 205, `Alter Kontostand vom ${d(addDays(start, -1))}`, 9, { bold: true }),
        text(555, 205, `${money(opening, COMMA)} EUR`, 9, { bold: true, align: 'right' }),
      ],
      furniture: (page, total) => [
        ...(page > 1 ? [text(40, 50, 'Stadtsparkasse Musterstadt · Kontoauszug 3/2025', 8)] : []),
        text(555, 810, `Seite ${page} von ${total}`, 7, { align: 'right' }),
        text(40, 810, 'Bitte prüfen Sie Ihren Kontoauszug.', 7),
      ],
      tail: {
        height: 30,
        texts: (y) => [
          text(40, y + 6, `Neuer Kontostand vom ${d(end)}`, 9, { bold: true }),
          text(555, y + 6, `${money(closing, COMMA)} EUR`, 9, { bold: true, align: 'right' }),
        ],
      },
    });
    return { pages, truth: truthOf(txs, 'EUR', opening, start, end, true) };
  },

  'fr-debit-credit-no-balance': (rng, count) => {
    const start = '2025-04-01';
    const opening = between(rng, 50_000, 300_000);
    const txs = transactions(rng, 'fr', count, '2025-04-02', opening);
    const end = periodEnd(txs, '2025-04-30');
    const d = (iso: string) => date(iso, 'DMY/');
    const closing = txs.length ? txs[txs.length - 1].balance : opening;
    const debits = txs.filter((t) => t.cents < 0).reduce((n, t) => n - t.cents, 0);
    const credits = txs.filter((t) => t.cents > 0).reduce((n, t) => n + t.cents, 0);
    const columns: Column[] = [
      { key: 'date', header: ['Date'], x: 40 },
      { key: 'desc', header: ['Libellé'], x: 95 },
      { key: 'valeur', header: ['Valeur'], x: 345 },
      { key: 'debit', header: ['Débit'], x: 470, align: 'right' },
      { key: 'credit', header: ['Crédit'], x: 555, align: 'right' },
    ];
    const { pages } = layoutTable({
      columns,
      rows: [
        {
          cells: {
            desc: [`SOLDE PRECEDENT AU ${d(addDays(start, -1))}`],
            credit: [money(opening, SPACE_COMMA)],
          },
          bold: true,
        },
        ...txs.map((t) => ({
          cells: {
            date: [d(t.date)],
            desc: t.lines,
            valeur: [d(t.date)],
            [t.cents < 0 ? 'debit' : 'credit']: [money(t.cents, SPACE_COMMA)],
          },
        })),
      ],
      size: 8.5,
      pitch: 11,
      rowGap: 3,
      firstTop: 220,
      nextTop: 80,
      bottom: 770,
      firstPage: [
        text(40, 55, 'Banque Exemple', 15, { bold: true }),
        text(40, 70, 'Agence Paris République', 8),
        text(330, 95, 'M. Jean Dupont', 9, { bold: true }),
        text(330, 107, '12 rue des Lilas'),
        text(330, 119, '75011 Paris'),
        text(40, 160, 'RELEVÉ DE COMPTE N° 4', 10, { bold: true }),
        text(40, 173, `du ${d(start)} au ${d(end)}`),
        text(40, 185, 'Compte courant n° 00012345678 – EUR'),
      ],
      furniture: (page, total) => [
        text(555, 812, `Page ${page} / ${total}`, 7, { align: 'right' }),
        ...(page > 1 ? [text(40, 50, 'Banque Exemple – relevé n° 4 (suite)', 8)] : []),
      ],
      tail: {
        height: 40,
        texts: (y) => [
          text(95, y + 4, 'TOTAL DES OPÉRATIONS', 8.5, { bold: true }),
          text(470, y + 4, money(debits, SPACE_COMMA), 8.5, { bold: true, align: 'right' }),
          text(555, y + 4, money(credits, SPACE_COMMA), 8.5, { bold: true, align: 'right' }),
          text(95, y + 18, `NOUVEAU SOLDE CRÉDITEUR AU ${d(end)}`, 8.5, { bold: true }),
          text(555, y + 18, money(closing, SPACE_COMMA), 8.5, { bold: true, align: 'right' }),
        ],
      },
    });
    return { pages, truth: truthOf(txs, 'EUR', opening, start, end, false) };
  },

  'us-signed-mdy': (rng, count) => {
    const start = '2025-01-01';
    const opening = between(rng, 300_000, 900_000);
    // Long enough for ten pages: the transactions run over about three months.
    const txs = transactions(rng, 'en', count, '2025-01-02', opening, 0.15);
    const end = txs.length ? txs[txs.length - 1].date : start;
    const d = (iso: string) => date(iso, 'MDY/');
    const closing = txs.length ? txs[txs.length - 1].balance : opening;
    const usd = (c: number) => `${c < 0 ? '-' : ''}$${money(c, DOT)}`;
    const columns: Column[] = [
      { key: 'date', header: ['Date'], x: 40 },
      { key: 'desc', header: ['Description'], x: 100 },
      { key: 'amount', header: ['Amount'], x: 470, align: 'right' },
      { key: 'bal', header: ['Balance'], x: 555, align: 'right' },
    ];
    const { pages } = layoutTable({
      columns,
      rows: txs.map((t) => ({
        cells: {
          date: [d(t.date)],
          desc: [t.lines.join(' ')],
          amount: [`${t.cents < 0 ? '-' : ''}${money(t.cents, DOT)}`],
          bal: [money(t.balance, DOT)],
        },
      })),
      size: 8,
      pitch: 16.5,
      rowGap: 0,
      firstTop: 230,
      nextTop: 80,
      bottom: 775,
      firstPage: [
        text(40, 55, 'First Continental Bank, N.A.', 14, { bold: true }),
        text(40, 95, 'JANE DOE'),
        text(40, 107, '1200 MARKET ST APT 4B'),
        text(40, 119, 'SAN FRANCISCO CA 94103'),
        text(330, 90, 'Account Summary', 10, { bold: true }),
        text(330, 104, `Beginning Balance on ${d(start)}`),
        text(555, 104, usd(opening), 9, { align: 'right' }),
        text(330, 116, 'Deposits and Additions'),
        text(555, 116, usd(txs.filter((t) => t.cents > 0).reduce((n, t) => n + t.cents, 0)), 9, {
          align: 'right',
        }),
        text(330, 128, 'Withdrawals and Subtractions'),
        text(555, 128, usd(txs.filter((t) => t.cents < 0).reduce((n, t) => n + t.cents, 0)), 9, {
          align: 'right',
        }),
        text(330, 140, `Ending Balance on ${d(end)}`),
        text(555, 140, usd(closing), 9, { align: 'right' }),
        text(40, 200, 'Account Number: 000123456789', 9),
        text(40, 212, 'CHECKING ACTIVITY', 10, { bold: true }),
      ],
      furniture: (page, total) => [
        ...(page > 1 ? [text(40, 50, 'JANE DOE  Account Number: 000123456789', 8)] : []),
        text(555, 815, `Page ${page} of ${total}`, 7, { align: 'right' }),
        text(40, 815, 'Member FDIC', 7),
      ],
    });
    return { pages, truth: truthOf(txs, 'USD', opening, start, end, true) };
  },

  'in-ref-value-date': (rng, count) => {
    const start = '2025-05-01';
    const opening = between(rng, 1_000_000, 9_000_000);
    const txs = transactions(rng, 'in', count, '2025-05-02', opening).map((t) => ({
      ...t,
      lines: t.lines.flatMap((l) => wrap(l, 28)),
      cents: t.cents * 10,
    }));
    const end = periodEnd(txs, '2025-05-31');
    let running = opening;
    for (const t of txs) t.balance = running += t.cents;
    const d = (iso: string) => date(iso, 'DMY2/');
    const closing = running;
    const columns: Column[] = [
      { key: 'date', header: ['Date'], x: 30 },
      { key: 'desc', header: ['Narration'], x: 72 },
      { key: 'ref', header: ['Chq./Ref.No.'], x: 232 },
      { key: 'valuta', header: ['Value Dt'], x: 318 },
      { key: 'out', header: ['Withdrawal Amt.'], x: 425, align: 'right' },
      { key: 'in', header: ['Deposit Amt.'], x: 495, align: 'right' },
      { key: 'bal', header: ['Closing Balance'], x: 568, align: 'right' },
    ];
    const debits = txs.filter((t) => t.cents < 0);
    const credits = txs.filter((t) => t.cents > 0);
    const { pages } = layoutTable({
      columns,
      rows: txs.map((t, i) => ({
        cells: {
          date: [d(t.date)],
          desc: t.lines,
          ref: [String(5_120_000_000 + i * 7919).padStart(16, '0')],
          valuta: [d(t.date)],
          [t.cents < 0 ? 'out' : 'in']: [money(t.cents, DOT)],
          bal: [money(t.balance, DOT)],
        },
      })),
      size: 7.5,
      pitch: 10,
      rowGap: 4,
      firstTop: 200,
      nextTop: 80,
      bottom: 760,
      firstPage: [
        text(30, 50, 'Example Bank Ltd', 14, { bold: true }),
        text(30, 85, 'MR RAVI KUMAR', 8.5),
        text(30, 96, '22 MG ROAD, BANGALORE 560001', 8.5),
        text(330, 85, 'Account No : 50100123456789', 8.5),
        text(330, 96, 'Currency : INR', 8.5),
        text(330, 107, 'IFSC : EXMP0000123', 8.5),
        text(30, 150, `Statement of account From : ${d(start)} To : ${d(end)}`, 9, { bold: true }),
      ],
      furniture: (page, total) => [text(300, 815, `Page No .: ${page} of ${total}`, 7, { align: 'right' })],
      tail: {
        height: 50,
        texts: (y) => [
          text(30, y + 6, 'STATEMENT SUMMARY :-', 8, { bold: true }),
          text(30, y + 20, 'Opening Balance', 7.5, { bold: true }),
          text(130, y + 20, 'Dr Count', 7.5, { bold: true }),
          text(190, y + 20, 'Cr Count', 7.5, { bold: true }),
          text(330, y + 20, 'Debits', 7.5, { bold: true, align: 'right' }),
          text(430, y + 20, 'Credits', 7.5, { bold: true, align: 'right' }),
          text(568, y + 20, 'Closing Bal', 7.5, { bold: true, align: 'right' }),
          text(30, y + 31, money(opening, DOT), 7.5),
          text(130, y + 31, String(debits.length), 7.5),
          text(190, y + 31, String(credits.length), 7.5),
          text(
            330,
            y + 31,
            money(
              debits.reduce((n, t) => n - t.cents, 0),
              DOT,
            ),
            7.5,
            { align: 'right' },
          ),
          text(
            430,
            y + 31,
            money(
              credits.reduce((n, t) => n + t.cents, 0),
              DOT,
            ),
            7.5,
            { align: 'right' },
          ),
          text(568, y + 31, money(closing, DOT), 7.5, { align: 'right' }),
        ],
      },
    });
    return { pages, truth: truthOf(txs, 'INR', opening, start, end, true) };
  },

  'nl-crdr-description-last': (rng, count) => {
    const start = '2025-05-01';
    const opening = between(rng, 80_000, 500_000);
    const txs = transactions(rng, 'nl', count, '2025-05-02', opening);
    const end = periodEnd(txs, '2025-05-31');
    const closing = txs.length ? txs[txs.length - 1].balance : opening;
    const columns: Column[] = [
      { key: 'date', header: ['Date'], x: 40 },
      { key: 'amount', header: ['Amount'], x: 190, align: 'right' },
      { key: 'bal', header: ['Balance'], x: 275, align: 'right' },
      { key: 'desc', header: ['Description'], x: 300 },
    ];
    const { pages } = layoutTable({
      columns,
      rows: txs.map((t) => ({
        cells: {
          date: [t.date],
          amount: [`${money(t.cents, DOT)} ${t.cents < 0 ? 'DR' : 'CR'}`],
          bal: [money(t.balance, DOT)],
          desc: t.lines,
        },
      })),
      size: 8.5,
      pitch: 12,
      rowGap: 2,
      firstTop: 200,
      nextTop: 80,
      bottom: 770,
      firstPage: [
        text(40, 55, 'Oranje Handelsbank N.V.', 14, { bold: true }),
        text(40, 90, 'Account statement'),
        text(330, 90, 'Account'),
        text(400, 90, 'NL91 ABNA 0417 1643 00'),
        text(330, 102, 'Currency'),
        text(400, 102, 'EUR'),
        text(330, 114, 'Period'),
        text(400, 114, `${start} – ${end}`),
        text(40, 170, `Opening balance ${start}`, 9, { bold: true }),
        text(275, 170, money(opening, DOT), 9, { bold: true, align: 'right' }),
      ],
      furniture: (page, total) => [text(555, 812, `${page}/${total}`, 7, { align: 'right' })],
      tail: {
        height: 24,
        texts: (y) => [
          text(40, y + 4, `Closing balance ${end}`, 9, { bold: true }),
          text(275, y + 4, money(closing, DOT), 9, { bold: true, align: 'right' }),
        ],
      },
    });
    return { pages, truth: truthOf(txs, 'EUR', opening, start, end, true) };
  },

  'es-cargo-abono': (rng, count) => {
    const start = '2025-06-01';
    const opening = between(rng, 80_000, 500_000);
    const txs = transactions(rng, 'es', count, '2025-06-02', opening, 0.3);
    const end = periodEnd(txs, '2025-06-30');
    const d = (iso: string) => date(iso, 'DMY-');
    const columns: Column[] = [
      { key: 'date', header: ['Fecha'], x: 40 },
      { key: 'valuta', header: ['Fecha valor'], x: 95 },
      { key: 'desc', header: ['Concepto'], x: 160 },
      { key: 'out', header: ['Cargo'], x: 420, align: 'right' },
      { key: 'in', header: ['Abono'], x: 490, align: 'right' },
      { key: 'bal', header: ['Saldo'], x: 560, align: 'right' },
    ];
    const { pages } = layoutTable({
      columns,
      rows: [
        { cells: { desc: ['SALDO ANTERIOR'], bal: [money(opening, COMMA)] }, bold: true },
        ...txs.map((t) => ({
          cells: {
            date: [d(t.date)],
            valuta: [d(t.date)],
            desc: t.lines,
            [t.cents < 0 ? 'out' : 'in']: [money(t.cents, COMMA)],
            bal: [money(t.balance, COMMA)],
          },
        })),
      ],
      size: 8.5,
      pitch: 11,
      rowGap: 4,
      firstTop: 200,
      nextTop: 80,
      bottom: 770,
      firstPage: [
        text(40, 55, 'Banco Ejemplo, S.A.', 14, { bold: true }),
        text(40, 90, 'EXTRACTO DE CUENTA', 10, { bold: true }),
        text(40, 103, 'IBAN ES91 2100 0418 4502 0005 1332'),
        text(40, 115, `Periodo: ${d(start)} a ${d(end)}`),
        text(40, 127, 'Importes en EUR'),
        text(340, 90, 'Dña. Lucía Fernández'),
        text(340, 102, 'Calle Mayor 12, 3º B'),
        text(340, 114, '28013 Madrid'),
      ],
      furniture: (page, total) => [text(560, 812, `Página ${page} de ${total}`, 7, { align: 'right' })],
    });
    return { pages, truth: truthOf(txs, 'EUR', opening, start, end, true) };
  },

  'it-importo-segno': (rng, count) => {
    const start = '2025-06-01';
    const opening = between(rng, 80_000, 500_000);
    const txs = transactions(rng, 'it', count, '2025-06-02', opening);
    const end = periodEnd(txs, '2025-06-30');
    const closing = txs.length ? txs[txs.length - 1].balance : opening;
    const d = (iso: string) => date(iso, 'DMY/');
    const columns: Column[] = [
      { key: 'date', header: ['Data', 'contabile'], x: 40 },
      { key: 'valuta', header: ['Data', 'valuta'], x: 95 },
      { key: 'desc', header: ['Descrizione operazione'], x: 150 },
      { key: 'amount', header: ['Importo (€)'], x: 470, align: 'right' },
      { key: 'bal', header: ['Saldo (€)'], x: 555, align: 'right' },
    ];
    const { pages } = layoutTable({
      columns,
      rows: txs.map((t) => ({
        cells: {
          date: [d(t.date)],
          valuta: [d(addDays(t.date, 1))],
          desc: t.lines,
          amount: [`${t.cents < 0 ? '-' : '+'}${money(t.cents, COMMA)}`],
          bal: [money(t.balance, COMMA)],
        },
      })),
      size: 8.5,
      pitch: 11,
      rowGap: 4,
      firstTop: 210,
      nextTop: 80,
      bottom: 770,
      firstPage: [
        text(40, 55, 'Banca Esempio S.p.A.', 14, { bold: true }),
        text(40, 90, 'Sig. Marco Rossi'),
        text(40, 102, 'Via Roma 10'),
        text(40, 114, '20121 Milano'),
        text(330, 90, 'Estratto conto corrente', 10, { bold: true }),
        text(330, 103, `dal ${d(start)} al ${d(end)}`),
        text(330, 116, 'Saldo iniziale'),
        text(555, 116, money(opening, COMMA), 9, { align: 'right' }),
        text(330, 128, 'Saldo finale'),
        text(555, 128, money(closing, COMMA), 9, { align: 'right' }),
      ],
      furniture: (page, total) => [text(555, 812, `Pagina ${page} di ${total}`, 7, { align: 'right' })],
    });
    return { pages, truth: truthOf(txs, 'EUR', opening, start, end, true) };
  },
};
