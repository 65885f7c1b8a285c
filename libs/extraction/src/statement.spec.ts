import { describe, expect, it } from 'vitest';
import { headerRow, render, row, type PrintedLine, type TableColumn } from './__fixtures__/synthetic';
import { extractBankStatement } from './statement';
import { validateStatement } from './validate';

const tx = (date: string, description: string, amount: number, balance: number | null = null) => ({
  date,
  description,
  amount,
  balance,
});

function plain(result: ReturnType<typeof extractBankStatement>) {
  return result.transactions.map(({ date, description, amount, balance }) => ({
    date,
    description,
    amount,
    balance,
  }));
}

function expectReconciles(result: ReturnType<typeof extractBankStatement>) {
  const validation = validateStatement(result);
  expect(
    validation.checks.filter((c) => !c.passed),
    JSON.stringify(validation.checks),
  ).toEqual([]);
  expect(validation.passed).toBe(true);
}

describe('extractBankStatement: UK layout, Paid out / Paid in columns, month names, wrapped rows, carried balances', () => {
  const cols: TableColumn[] = [
    { header: 'Date', x: 40 },
    { header: 'Description', x: 110 },
    { header: 'Paid out', x: 400, align: 'right' },
    { header: 'Paid in', x: 470, align: 'right' },
    { header: 'Balance', x: 550, align: 'right' },
  ];
  const letterhead: PrintedLine[] = [
    [{ text: 'HIGHLAND BANK', x: 40, size: 16 }],
    { gap: 6 },
    [{ text: 'Sort code 12-34-56   Account number 87654321', x: 40 }],
    [{ text: 'Statement period 1 May 2023 to 31 May 2023', x: 40 }],
    { gap: 10 },
  ];
  const pages = [
    {
      lines: [
        ...letterhead,
        headerRow(cols),
        row(cols, ['01 May 2023', 'BALANCE BROUGHT FORWARD', null, null, '1,000.00']),
        row(cols, ['02 May 2023', 'CARD PAYMENT TO TESCO STORES', '45.10', null, '954.90']),
        row(cols, ['02 May 2023', 'DIRECT DEBIT BRITISH GAS', '120.00', null, '834.90']),
        row(cols, [null, 'REF 99182 MONTHLY PLAN']),
        row(cols, ['05 May 2023', 'SALARY ACME LTD', null, '2,500.00', '3,334.90']),
        row(cols, [null, 'BALANCE CARRIED FORWARD', null, null, '3,334.90']),
        { gap: 30 },
        [
          { text: 'Page 1 of 2', x: 40 },
          { text: 'Continued overleaf', x: 300 },
        ],
      ],
    },
    {
      lines: [
        ...letterhead,
        headerRow(cols),
        row(cols, [null, 'BALANCE BROUGHT FORWARD', null, null, '3,334.90']),
        row(cols, ['12 May 2023', 'TRANSFER TO SAVINGS', '1,000.00', null, '2,334.90']),
        row(cols, ['31 May 2023', 'INTEREST', null, '0.85', '2,335.75']),
        row(cols, [null, 'BALANCE CARRIED FORWARD', null, null, '2,335.75']),
        { gap: 30 },
        [{ text: 'Page 2 of 2', x: 40 }],
      ],
    },
  ];
  const expected = [
    tx('2023-05-02', 'CARD PAYMENT TO TESCO STORES', -45.1, 954.9),
    tx('2023-05-02', 'DIRECT DEBIT BRITISH GAS REF 99182 MONTHLY PLAN', -120, 834.9),
    tx('2023-05-05', 'SALARY ACME LTD', 2500, 3334.9),
    tx('2023-05-12', 'TRANSFER TO SAVINGS', -1000, 2334.9),
    tx('2023-05-31', 'INTEREST', 0.85, 2335.75),
  ];

  for (const splitWords of [false, true]) {
    it(`reads every row exactly (${splitWords ? 'OCR word boxes' : 'pdf.js runs'})`, () => {
      const result = extractBankStatement(render(pages, { splitWords }));
      expect(plain(result)).toEqual(expected);
      expect(result).toMatchObject({
        bank: 'HIGHLAND BANK',
        accountNumber: '87654321',
        currency: null,
        openingBalance: 1000,
        closingBalance: 2335.75,
        periodStart: '2023-05-01',
        periodEnd: '2023-05-31',
      });
      expect(result.skippedRows.map((r) => r.reason)).toEqual([
        'opening balance row',
        'closing balance row',
        'opening balance row',
        'closing balance row',
      ]);
      expectReconciles(result);
    });
  }
});

describe('extractBankStatement: German layout, one Betrag column with S/H, value dates, 2-digit years, no balance', () => {
  const cols: TableColumn[] = [
    { header: 'Buchungstag', x: 40 },
    { header: 'Valuta', x: 100 },
    { header: 'Verwendungszweck', x: 150 },
    { header: 'Betrag EUR', x: 480, align: 'right' },
  ];
  const marker = (m: string) => ({ text: m, x: 486 });
  const words = render([
    {
      lines: [
        [{ text: 'Sparkasse Musterstadt', x: 40, size: 14 }],
        [
          { text: 'Kontoauszug 5/2023', x: 40 },
          { text: 'IBAN DE89 3704 0044 0532 0130 00', x: 300 },
        ],
        [{ text: 'Zeitraum: 01.05.2023 bis 31.05.2023', x: 40 }],
        [
          { text: 'Alter Kontostand vom 30.04.23', x: 40 },
          { text: '1.500,00 H', x: 520, align: 'right' },
        ],
        { gap: 10 },
        headerRow(cols),
        [...row(cols, ['02.05.23', '02.05.23', 'LASTSCHRIFT STADTWERKE', '85,40']), marker('S')],
        row(cols, [null, null, 'STROM ABSCHLAG MAI']),
        [...row(cols, ['15.05.23', '15.05.23', 'GEHALT MUSTERFIRMA GMBH', '2.345,67']), marker('H')],
        [...row(cols, ['16.05.23', '17.05.23', 'KARTENZAHLUNG REWE', '1.234,56']), marker('S')],
        { gap: 20 },
        [
          { text: 'Neuer Kontostand vom 31.05.23', x: 40 },
          { text: '2.525,71 H', x: 520, align: 'right' },
        ],
      ],
    },
  ]);

  it('signs from the markers, reads dates day-first, balances from the labels', () => {
    const result = extractBankStatement(words);
    expect(plain(result)).toEqual([
      tx('2023-05-02', 'LASTSCHRIFT STADTWERKE STROM ABSCHLAG MAI', -85.4),
      tx('2023-05-15', 'GEHALT MUSTERFIRMA GMBH', 2345.67),
      tx('2023-05-16', 'KARTENZAHLUNG REWE', -1234.56),
    ]);
    expect(result).toMatchObject({
      bank: 'Sparkasse Musterstadt',
      accountNumber: 'DE89370400440532013000',
      currency: 'EUR',
      openingBalance: 1500,
      closingBalance: 2525.71,
      periodStart: '2023-05-01',
      periodEnd: '2023-05-31',
    });
    const validation = validateStatement(result);
    expect(validation.passed).toBe(true);
    expect(validation.checks.find((c) => c.name === 'running-balance')).toMatchObject({ skipped: true });
  });
});

describe('extractBankStatement: US layout, signed amount column, parentheses, month first, newest first', () => {
  const cols: TableColumn[] = [
    { header: 'Date', x: 40 },
    { header: 'Description', x: 110 },
    { header: 'Amount', x: 450, align: 'right' },
    { header: 'Balance', x: 550, align: 'right' },
  ];
  const words = render([
    {
      lines: [
        [{ text: 'First Republic Savings', x: 40, size: 15 }],
        [{ text: 'For the period 05/01/2023 - 05/31/2023', x: 40 }],
        [
          { text: 'Beginning Balance $500.00', x: 40 },
          { text: 'Ending Balance $1,650.25', x: 300 },
        ],
        { gap: 10 },
        headerRow(cols),
        row(cols, ['05/28/2023', 'ONLINE TRANSFER FROM SAVINGS', '500.00', '1,650.25']),
        row(cols, ['05/20/2023', 'CHECK #1042', '(245.00)', '1,150.25']),
        row(cols, ['05/13/2023', 'POS PURCHASE WHOLE FOODS', '-104.75', '1,395.25']),
        row(cols, ['05/02/2023', 'PAYROLL DEPOSIT', '1,000.00', '1,500.00']),
      ],
    },
  ]);

  it('keeps the printed order and reconciles in date order', () => {
    const result = extractBankStatement(words);
    expect(plain(result)).toEqual([
      tx('2023-05-28', 'ONLINE TRANSFER FROM SAVINGS', 500, 1650.25),
      tx('2023-05-20', 'CHECK #1042', -245, 1150.25),
      tx('2023-05-13', 'POS PURCHASE WHOLE FOODS', -104.75, 1395.25),
      tx('2023-05-02', 'PAYROLL DEPOSIT', 1000, 1500),
    ]);
    expect(result).toMatchObject({ currency: 'USD', openingBalance: 500, closingBalance: 1650.25 });
    expectReconciles(result);
  });
});

describe('extractBankStatement: CR/DR markers on amounts and balances', () => {
  const cols: TableColumn[] = [
    { header: 'Date', x: 40 },
    { header: 'Details', x: 100 },
    { header: 'Amount', x: 440, align: 'right' },
    { header: 'Balance', x: 550, align: 'right' },
  ];
  const words = render([
    {
      lines: [
        [{ text: 'Opening Balance 605.18 CR', x: 40 }],
        { gap: 10 },
        headerRow(cols),
        row(cols, ['03/05/23', 'CARD 1234 COSTA COFFEE', '45.00 DR', '560.18 CR']),
        row(cols, ['13/05/23', 'BGC EMPLOYER PLC', '1,000.00 CR', '1,560.18 CR']),
        row(cols, ['20/05/23', 'STO RENT', '1,572.68 DR', '12.50 DR']),
        { gap: 10 },
        [{ text: 'Closing Balance 12.50 DR', x: 40 }],
      ],
    },
  ]);

  it('reads DR as money out and an overdrawn balance as negative', () => {
    const result = extractBankStatement(words);
    expect(plain(result)).toEqual([
      tx('2023-05-03', 'CARD 1234 COSTA COFFEE', -45, 560.18),
      tx('2023-05-13', 'BGC EMPLOYER PLC', 1000, 1560.18),
      tx('2023-05-20', 'STO RENT', -1572.68, -12.5),
    ]);
    expect(result).toMatchObject({ openingBalance: 605.18, closingBalance: -12.5 });
    expectReconciles(result);
  });
});

describe('extractBankStatement: French layout, Débit / Crédit, space-grouped thousands, no running balance', () => {
  const cols: TableColumn[] = [
    { header: 'Date opération', x: 40 },
    { header: 'Libellé', x: 120 },
    { header: 'Débit', x: 440, align: 'right' },
    { header: 'Crédit', x: 530, align: 'right' },
  ];
  const words = render([
    {
      lines: [
        [{ text: 'Banque Régionale', x: 40, size: 14 }],
        [{ text: 'Relevé de compte – Période du 01/03/2024 au 31/03/2024', x: 40 }],
        [{ text: 'Ancien solde au 01/03/2024 : 1\u00a0250,00 €', x: 40 }],
        { gap: 10 },
        headerRow(cols),
        row(cols, ['04/03/2024', 'PRLV SEPA EDF', '84,20', null]),
        row(cols, ['15/03/2024', 'VIR SEPA SALAIRE', null, '2\u00a0100,00']),
        row(cols, ['28/03/2024', 'CB CARREFOUR 27/03', '1\u202f239,25', null]),
        { gap: 10 },
        [{ text: 'Nouveau solde au 31/03/2024 : 2\u00a0026,55 €', x: 40 }],
      ],
    },
  ]);

  it('reads the amounts and adds up from the labelled balances', () => {
    const result = extractBankStatement(words);
    expect(plain(result)).toEqual([
      tx('2024-03-04', 'PRLV SEPA EDF', -84.2),
      tx('2024-03-15', 'VIR SEPA SALAIRE', 2100),
      tx('2024-03-28', 'CB CARREFOUR 27/03', -1239.25),
    ]);
    expect(result).toMatchObject({
      currency: 'EUR',
      openingBalance: 1250,
      closingBalance: 2026.55,
      periodStart: '2024-03-01',
      periodEnd: '2024-03-31',
    });
    expectReconciles(result);
  });
});

describe('extractBankStatement: Spanish layout, trailing minus, date printed once per day, page without a header', () => {
  const cols: TableColumn[] = [
    { header: 'Fecha', x: 40 },
    { header: 'Concepto', x: 100 },
    { header: 'Importe', x: 450, align: 'right' },
    { header: 'Saldo', x: 550, align: 'right' },
  ];
  const words = render([
    {
      lines: [
        [{ text: 'Banco del Ejemplo', x: 40, size: 14 }],
        [{ text: 'Saldo anterior 2.000,00', x: 40 }],
        { gap: 10 },
        headerRow(cols),
        row(cols, ['02/06/2024', 'RECIBO LUZ', '45,00-', '1.955,00']),
        row(cols, [null, 'COMPRA TARJETA MERCADONA', '62,30-', '1.892,70']),
        row(cols, ['14/06/2024', 'NOMINA JUNIO', '1.800,00', '3.692,70']),
      ],
    },
    {
      lines: [
        row(cols, ['20/06/2024', 'TRANSFERENCIA ALQUILER', '950,00-', '2.742,70']),
        row(cols, [null, 'BIZUM A MARIA', '10,50-', '2.732,20']),
      ],
    },
  ]);

  it('reads every row and reconciles', () => {
    const result = extractBankStatement(words);
    expect(plain(result)).toEqual([
      tx('2024-06-02', 'RECIBO LUZ', -45, 1955),
      tx('2024-06-02', 'COMPRA TARJETA MERCADONA', -62.3, 1892.7),
      tx('2024-06-14', 'NOMINA JUNIO', 1800, 3692.7),
      tx('2024-06-20', 'TRANSFERENCIA ALQUILER', -950, 2742.7),
      tx('2024-06-20', 'BIZUM A MARIA', -10.5, 2732.2),
    ]);
    expect(result).toMatchObject({ openingBalance: 2000, closingBalance: 2732.2, periodStart: '2024-06-02' });
    expect(result.warnings).toContain(
      'statement period not printed: taken from the first and last transaction',
    );
    expectReconciles(result);
  });
});

describe('extractBankStatement: Swiss apostrophes, unsigned amounts signed by the running balance', () => {
  const cols: TableColumn[] = [
    { header: 'Datum', x: 40 },
    { header: 'Text', x: 110 },
    { header: 'Betrag', x: 440, align: 'right' },
    { header: 'Saldo', x: 540, align: 'right' },
  ];
  const words = render([
    {
      lines: [
        [{ text: 'Anfangssaldo CHF 10\u2019000.00', x: 40 }],
        headerRow(cols),
        row(cols, ['03.07.2024', 'Einkauf Migros', "1'234.50", "8'765.50"]),
        row(cols, ['15.07.2024', 'Lohn', "5'000.00", "13'765.50"]),
      ],
    },
  ]);

  it('takes the sign of each amount from the change in balance and says so', () => {
    const result = extractBankStatement(words);
    expect(plain(result)).toEqual([
      tx('2024-07-03', 'Einkauf Migros', -1234.5, 8765.5),
      tx('2024-07-15', 'Lohn', 5000, 13765.5),
    ]);
    expect(result.openingBalance).toBe(10000);
    expect(result.closingBalance).toBe(13765.5);
    expect(result.currency).toBe('CHF');
    expect(result.warnings.join(' ')).toMatch(/signed from the running balance/);
    expectReconciles(result);
  });
});

describe('extractBankStatement: a long description printed up to the amount', () => {
  // The description run ends exactly where the right-aligned amount begins (pdf.js reports no gap): the amount
  // must stay a cell of its own, or the row loses its amount.
  const cols: TableColumn[] = [
    { header: 'Date', x: 40 },
    { header: 'Description', x: 110 },
    { header: 'Debit', x: 400, align: 'right' },
    { header: 'Credit', x: 470, align: 'right' },
    { header: 'Balance', x: 550, align: 'right' },
  ];
  const long = 'FASTER PAYMENT RECEIVED FROM J SMITH REF HOLIDAY SHARE AUGUST';
  const amountX = 470 - '625.88'.length * 4.5;
  const words = render([
    {
      lines: [
        [{ text: 'Opening balance 100.00', x: 40 }],
        headerRow(cols),
        [
          ...row(cols, ['22/08/2023']),
          { text: long, x: amountX - long.length * 4.5 },
          ...row(cols, [null, null, null, '625.88', '725.88']),
        ],
        row(cols, ['23/08/2023', 'AMAZON MKTPLACE EU', '138.08', null, '587.80']),
      ],
    },
  ]);

  it('keeps the amount apart from the description', () => {
    const result = extractBankStatement(words);
    expect(plain(result)).toEqual([
      tx('2023-08-22', long, 625.88, 725.88),
      tx('2023-08-23', 'AMAZON MKTPLACE EU', -138.08, 587.8),
    ]);
    expectReconciles(result);
  });
});

describe('extractBankStatement: credit card statement (charges unsigned, credits in parentheses, no year)', () => {
  const cols: TableColumn[] = [
    { header: 'Trans Date', x: 40 },
    { header: 'Description', x: 120 },
    { header: 'Amount (EUR)', x: 540, align: 'right' },
  ];
  const words = render([
    {
      lines: [
        [{ text: 'Example Credit Card', x: 40, size: 14 }],
        [
          { text: 'Statement date 01 Aug 2024', x: 40 },
          { text: 'Minimum payment 25.00', x: 300 },
        ],
        headerRow(cols),
        row(cols, [null, 'PREVIOUS BALANCE', '300.00']),
        row(cols, ['03/07', 'PAYMENT THANK YOU', '(300.00)']),
        row(cols, ['15/07', 'GROCER', '42.10']),
        row(cols, ['20/07', 'REFUND GROCER', '2.10 CR']),
        row(cols, [null, 'NEW BALANCE', '40.00']),
      ],
    },
  ]);

  it('reads charges as money out and the balances as owed', () => {
    const result = extractBankStatement(words);
    expect(plain(result)).toEqual([
      tx('2024-07-03', 'PAYMENT THANK YOU', 300),
      tx('2024-07-15', 'GROCER', -42.1),
      tx('2024-07-20', 'REFUND GROCER', 2.1),
    ]);
    expect(result).toMatchObject({ openingBalance: -300, closingBalance: -40 });
    expectReconciles(result);
  });
});

describe('extractBankStatement: bad input', () => {
  it('returns no transactions and says why for words without a table', () => {
    const result = extractBankStatement(render([{ lines: [[{ text: 'Hello world', x: 40 }]] }]));
    expect(result.transactions).toEqual([]);
    expect(result.warnings[0]).toMatch(/no transaction table/);
    expect(validateStatement(result).passed).toBe(false);
  });

  it('returns nothing for no words at all', () => {
    expect(extractBankStatement([]).transactions).toEqual([]);
  });
});
