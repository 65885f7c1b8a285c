import { describe, expect, it } from 'vitest';
import { findDates, inferDayMonthOrder, resolveDate } from './dates';
import { findIbans, findVatIds, isValidIban, vatIdFormat } from './identifiers';
import { buildLines, wordsFromPdfjsItems, wordsFromPlainText } from './layout';
import { detectNumberFormat, findAmounts, parseAmount, toCents } from './money';

const dot = { decimal: '.' } as const;
const comma = { decimal: ',' } as const;

describe('parseAmount', () => {
  it.each([
    ['1,234.56', dot, 123456, false],
    ['-77.52', dot, -7752, true],
    ['(12.00)', dot, -1200, true],
    ['328,91-', comma, -32891, true],
    ['1.234,56', comma, 123456, false],
    ['1 234,56', comma, 123456, false],
    ['1\u00a0234,56', comma, 123456, false],
    ["1'234.56", dot, 123456, false],
    ['1’234.56', dot, 123456, false],
    ['€ 399,00', comma, 39900, false],
    ['$4.11', dot, 411, false],
    ['1,137.89 GBP', dot, 113789, false],
    ['560.18 DR', dot, -56018, true],
    ['1,000.00 CR', dot, 100000, true],
    ['85,40 S', comma, -8540, true],
    ['45,00 H', comma, 4500, true],
    ['−5.00', dot, -500, true],
  ] as const)('%s → %i cents', (text, format, cents, explicit) => {
    expect(parseAmount(text, format)).toMatchObject({ cents, explicitSign: explicit });
  });

  it.each([
    ['15.00%', dot],
    ['01/05/2023', dot],
    ['01.05.2024', comma],
    ['1,23', dot],
    ['12345678', dot],
    ['INV-2023', dot],
    ['TAX 12.00', dot],
    ['1 278.61', dot],
  ] as const)('%s is not an amount', (text, format) => {
    expect(parseAmount(text, format)).toBeNull();
  });

  it('takes bare integers only with a currency or when told the column holds money', () => {
    expect(parseAmount('1939', dot)).toBeNull();
    expect(parseAmount('Rs 1939', dot)).toMatchObject({ cents: 193900, currency: 'INR' });
    expect(parseAmount('1939', dot, { allowInteger: true })).toMatchObject({ cents: 193900 });
  });

  it('finds amounts inside text, ignoring dates and percentages', () => {
    expect(findAmounts('Tax 15% on $ 112.90 then $ 16.94', dot).map((a) => a.cents)).toEqual([11290, 1694]);
    expect(findAmounts('Ancien solde au 01/03/2024 : 1 250,00', comma).map((a) => a.cents)).toEqual([125000]);
  });
});

describe('detectNumberFormat', () => {
  it('decides per document from the unambiguous numbers', () => {
    expect(detectNumberFormat(['1,234.56', '12.50'])).toEqual(dot);
    expect(detectNumberFormat(['1.234,56', '12,50', 'Datum 01.05.2024'])).toEqual(comma);
    expect(detectNumberFormat(['Saldo 1 234,56'])).toEqual(comma);
    expect(detectNumberFormat(['no numbers'])).toEqual(dot);
  });
});

describe('toCents', () => {
  it('converts without float drift', () => {
    expect(toCents('0.1')! + toCents('0.2')!).toBe(toCents('0.3'));
    expect(toCents(-1234.565)).toBe(-123457);
    expect(toCents('abc')).toBeNull();
  });
});

describe('dates', () => {
  it('reads numeric, ISO and month-name dates in several languages', () => {
    const iso = (text: string, order: 'DMY' | 'MDY' = 'DMY') => resolveDate(findDates(text)[0], order);
    expect(iso('2023-05-03')).toBe('2023-05-03');
    expect(iso('03/05/2023')).toBe('2023-05-03');
    expect(iso('03/05/2023', 'MDY')).toBe('2023-03-05');
    expect(iso('3.5.23')).toBe('2023-05-03');
    expect(iso('August 3 , 2014')).toBe('2014-08-03');
    expect(iso('Aug 3rd, 2014')).toBe('2014-08-03');
    expect(iso('7. Mai 2014')).toBe('2014-05-07');
    expect(iso('02 Juillet 2015')).toBe('2015-07-02');
    expect(iso('19 april 2014')).toBe('2014-04-19');
    expect(iso('1er février 2024')).toBe('2024-02-01');
    expect(iso('15 de marzo de 2024')).toBe('2024-03-15');
    expect(iso('03-AUG-23')).toBe('2023-08-03');
    expect(findDates('not 2023 a date 99/99/2023')).toEqual([]);
  });

  it('infers day/month order from any day over 12, else the fallback', () => {
    expect(inferDayMonthOrder(findDates('01/05/2023 13/05/2023'), 'MDY')).toBe('DMY');
    expect(inferDayMonthOrder(findDates('05/01/2023 05/13/2023'), 'DMY')).toBe('MDY');
    expect(inferDayMonthOrder(findDates('01/05/2023 02/05/2023'), 'MDY')).toBe('MDY');
  });

  it('gives dates without a year the year that puts them in the period', () => {
    const [dec, jan] = findDates('28/12 03/01', { allowNoYear: true });
    const period = { start: '2023-12-15', end: '2024-01-14' };
    expect(resolveDate(dec, 'DMY', { period })).toBe('2023-12-28');
    expect(resolveDate(jan, 'DMY', { period })).toBe('2024-01-03');
  });
});

describe('IBAN and VAT ids', () => {
  it('checks IBANs with mod-97 and the country length', () => {
    expect(isValidIban('DE89 3704 0044 0532 0130 00')).toBe(true);
    expect(isValidIban('GB82WEST12345698765432')).toBe(true);
    expect(isValidIban('DE88 3704 0044 0532 0130 00')).toBe(false);
    expect(isValidIban('US1234567890')).toBe(false);
    expect(findIbans('IBAN : FR76 3000 6000 0112 3456 7890 189 - BIC : AGRIFRPP')).toEqual([
      'FR7630006000011234567890189',
    ]);
  });

  it('repairs an OCR-read IBAN only where the country format and the check digits agree', () => {
    // OCR read the bank code RABO as RAB0: the NL format puts letters there, and mod-97 then holds.
    expect(findIbans('IBAN: NL58RAB00198723202')).toEqual(['NL58RABO0198723202']);
    expect(findIbans('IBAN DE89 37O4 0044 0532 0130 00')).toEqual(['DE89370400440532013000']);
    // OCR word boxes: each group a cell of its own, a line's cells joined by two spaces.
    expect(findIbans('IBAN  DE89  3704  0044  0532  0130  00')).toEqual(['DE89370400440532013000']);
    // A different digit is not a confusion: still refused.
    expect(findIbans('IBAN: NL58RAB00198723203')).toEqual([]);
  });

  it('knows the VAT formats and finds them however they are spaced', () => {
    expect(vatIdFormat('DE 232 446 240')).toBe('valid');
    expect(vatIdFormat('NL810433941B01')).toBe('valid');
    expect(vatIdFormat('DE12345678')).toBe('invalid');
    expect(vatIdFormat('7740001454')).toBe('unknown-country');
    expect(findVatIds('N° de TVA intra communautaire: FR 604 219 388 61').map((v) => v.id)).toEqual([
      'FR60421938861',
    ]);
    expect(findVatIds('UStId DE 232 446 240 Steuer-Nr. 044').map((v) => v.id)).toEqual(['DE232446240']);
  });
});

describe('layout', () => {
  it('turns pdf.js items (y up, baseline) into top-down words and splits runs at wide gaps', () => {
    const words = wordsFromPdfjsItems(1, 842, [
      { str: 'Date    Amount', transform: [9, 0, 0, 9, 40, 700], width: 63, height: 9 },
    ]);
    expect(words.map((w) => [w.text, w.x, w.y])).toEqual([
      ['Date', 40, 133],
      ['Amount', 40 + 8 * 4.5, 133],
    ]);
  });

  it('splits an amount glued to a description (pdf.js 6 joins runs that touch across a column edge)', () => {
    const words = wordsFromPdfjsItems(1, 842, [
      { str: 'HOLIDAY SHARE AUGUST625.88', transform: [9, 0, 0, 9, 110, 700], width: 26 * 5, height: 9 },
      { str: 'REFUND ORDER 12 4.50', transform: [9, 0, 0, 9, 110, 680], width: 20 * 5, height: 9 },
      { str: 'Invoice V1.20', transform: [9, 0, 0, 9, 110, 660], width: 13 * 5, height: 9 },
    ]);
    expect(words.map((w) => [w.text, w.x, w.x + w.width])).toEqual([
      ['HOLIDAY SHARE AUGUST', 110, 210],
      ['625.88', 210, 240], // its right edge is the item's: right-aligned under its column
      ['REFUND ORDER 12 4.50', 110, 210], // "12" before the amount: not two letters, kept whole
      ['Invoice V1.20', 110, 175], // a letter and a number: not an amount glued to words
    ]);
  });

  it('groups words into lines and cells', () => {
    const lines = buildLines(wordsFromPlainText('Invoice No:  12345\nTotal        € 1.234,56'));
    expect(lines.map((l) => l.cells.map((c) => c.text))).toEqual([
      ['Invoice No:', '12345'],
      ['Total', '€ 1.234,56'],
    ]);
  });
});
