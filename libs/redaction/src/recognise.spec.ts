import { describe, expect, it } from 'vitest';
import { recognise, type PiiType, type RecogniseOptions } from './index';

/** The texts of the detections of `type` in `text`. */
function found(text: string, type: PiiType, options: RecogniseOptions = {}): string[] {
  return recognise(text, { ...options, types: [type] }).map((d) => d.text);
}

describe('email', () => {
  it('finds addresses in prose, without the full stop after them', () => {
    expect(found('Write to jane.doe+hr@mail.example.co.uk. Or j_o@acme.io!', 'email')).toEqual([
      'jane.doe+hr@mail.example.co.uk',
      'j_o@acme.io',
    ]);
  });
  it('keeps an address whole when OCR put a space in its local part', () => {
    expect(
      found(
        'Mail julia. hoffmann7@example.com and james.walker1 0@example.com, not Ends. bob@x.org',
        'email',
      ),
    ).toEqual(['julia. hoffmann7@example.com', 'james.walker1 0@example.com', 'bob@x.org']);
  });
  it('ignores near-misses: no domain, no TLD, a bare @handle', () => {
    expect(found('user@localhost, name@, @handle, a@b', 'email')).toEqual([]);
  });
  it('keeps a letter OCR read for a digit in the local part (the whole address, not only from the @)', () => {
    expect(found('E-mail: michael.carteré@example.com, phone', 'email')).toEqual([
      'michael.carteré@example.com',
    ]);
  });
});

describe('phone', () => {
  it('reads national numbers with the region and international ones anywhere', () => {
    const text = 'Tel. 030 12345678, mobile +44 7911 123456, office 0049 89 1234567';
    expect(found(text, 'phone', { region: 'DE' })).toEqual([
      '030 12345678',
      '+44 7911 123456',
      '0049 89 1234567',
    ]);
    expect(found(text, 'phone')).toEqual(['+44 7911 123456']);
    expect(found('Call (415) 555-2671 today', 'phone', { region: 'US' })).toEqual(['(415) 555-2671']);
  });
  it('skips numbers that are not valid in their numbering plan', () => {
    expect(found('Ref +49 123, +1 555 0000', 'phone', { region: 'DE' })).toEqual([]);
  });
  it('does not take order numbers and dates for national numbers (open numbering plans accept them)', () => {
    const text = 'Order number 4711-0815-2024 was shipped on 2024-04-02; reference 20240312, batch 99812.';
    expect(found(text, 'phone', { region: 'DE' })).toEqual([]);
    expect(found('Telefon 30 1234567', 'phone', { region: 'DE' })).toEqual(['30 1234567']);
  });
  it('is surer with a phone keyword', () => {
    const [withKeyword] = recognise('Telefon: +49 30 12345678', { types: ['phone'] });
    const [without] = recognise('see +49 30 12345678', { types: ['phone'] });
    expect(withKeyword.confidence).toBeGreaterThan(without.confidence);
  });
});

describe('iban', () => {
  it('finds IBANs grouped or compact, and stops at the country length in a table row', () => {
    const text =
      'IBAN: DE89 3704 0044 0532 0130 00 1.234,56 EUR | GB82WEST12345698765432 | FR76 3000 6000 0112 3456 7890 189';
    expect(found(text, 'iban')).toEqual([
      'DE89 3704 0044 0532 0130 00',
      'GB82WEST12345698765432',
      'FR76 3000 6000 0112 3456 7890 189',
    ]);
  });
  it('rejects wrong check digits and wrong lengths above the shape confidence', () => {
    const text = 'DE88 3704 0044 0532 0130 00 and DE89 3704 0044 0532 0130 0 and XX89370400440532013000';
    expect(found(text, 'iban', { minConfidence: 0.7 })).toEqual([]);
    // With IBAN's shape they are still reported, low: on a scan the check fails when OCR misreads one digit.
    expect(recognise(text, { types: ['iban'] }).map((d) => [d.text, d.recogniser, d.confidence])).toEqual([
      ['DE88 3704 0044 0532 0130 00', 'iban-shape', 0.6],
      ['DE89 3704 0044 0532 0130 0', 'iban-shape', 0.6],
    ]);
  });
  it('reads letters OCR put in digit positions as digits, and trusts an IBAN keyword', () => {
    const [repaired] = recognise('DE89 37O4 0044 O532 0130 OO', { types: ['iban'] });
    expect(repaired).toMatchObject({
      text: 'DE89 37O4 0044 O532 0130 OO',
      recogniser: 'iban-ocr',
      confidence: 0.95,
    });
    const [labelled] = recognise('IBAN: DE82 3704 0044 0532 0130 00', { types: ['iban'] });
    expect(labelled).toMatchObject({ recogniser: 'iban-shape', confidence: 0.85 });
  });
  it('wins over the phone and tax-id look-alikes inside it', () => {
    const all = recognise('IBAN DE89 3704 0044 0532 0130 00', { region: 'DE' });
    expect(all.map((d) => d.type)).toEqual(['iban']);
  });
});

describe('card', () => {
  it('finds Luhn-valid numbers with spaces or dashes, surer for known networks', () => {
    const text =
      'Visa 4111 1111 1111 1111, MC 5500-0000-0000-0004, Amex 3782 822463 10005, other 1234 5678 9012 3452';
    const cards = recognise(text, { types: ['card'] });
    expect(cards.map((d) => d.text)).toEqual([
      '4111 1111 1111 1111',
      '5500-0000-0000-0004',
      '3782 822463 10005',
      '1234 5678 9012 3452',
    ]);
    expect(cards[0].confidence).toBeGreaterThan(cards[3].confidence);
  });
  it('rejects a failing Luhn check, amounts and short numbers above the shape confidence', () => {
    expect(
      found('4111 1111 1111 1112; 1.234.567,89; 4111 1111 1111; 1234 5678 9012 3456', 'card', {
        minConfidence: 0.6,
      }),
    ).toEqual([]);
    // Four groups of four after a card keyword: an OCR-misread card, still readable in the image.
    expect(recognise('Card number: 4111 1111 1111 1112', { types: ['card'] })).toMatchObject([
      { text: '4111 1111 1111 1112', recogniser: 'card-shape', confidence: 0.85 },
    ]);
  });
  it('finds the card in a row where an amount follows it', () => {
    expect(found('4111 1111 1111 1111 250 00', 'card')).toEqual(['4111 1111 1111 1111']);
  });
});

describe('ip', () => {
  it('finds IPv4 and IPv6 addresses validated by node:net', () => {
    expect(found('from 192.168.10.254 and 2001:db8:85a3::8a2e:370:7334, fe80::1', 'ip')).toEqual([
      '192.168.10.254',
      '2001:db8:85a3::8a2e:370:7334',
      'fe80::1',
    ]);
  });
  it('ignores versions, times and out-of-range octets', () => {
    expect(found('v1.2.3.4.5 at 12:30:45, 999.1.1.1, 10.0.0', 'ip')).toEqual([]);
  });
});

describe('url', () => {
  it('finds scheme and www URLs without trailing punctuation', () => {
    expect(
      found(
        'See https://example.org/a?b=1. Or (www.quire.dev/x). OCR: hitps://portal.example.com/u/7',
        'url',
      ),
    ).toEqual(['https://example.org/a?b=1', 'www.quire.dev/x', 'hitps://portal.example.com/u/7']);
  });
});

describe('date of birth', () => {
  it('finds dates after a birth keyword in English, German and French', () => {
    const text =
      'Date of birth: 12/03/1985. Born on March 4, 1990. DOB 1979-11-30. geboren am 12. März 1985, ' +
      'Geburtsdatum: 01.02.1970; née le 3 mai 1962.';
    expect(found(text, 'dob')).toEqual([
      '12/03/1985',
      'March 4, 1990',
      '1979-11-30',
      '12. März 1985',
      '01.02.1970',
      '3 mai 1962',
    ]);
  });
  it('leaves other dates alone', () => {
    expect(found('Invoice date 12/03/2024, due 2024-04-12, delivered 4 May 2024', 'dob')).toEqual([]);
  });
});

describe('national ids', () => {
  it('US SSN: issuance rules, dashes or a keyword', () => {
    expect(found('SSN 078-05-1121, 123-45-6789, SSN: 219099998', 'ssn')).toEqual([
      '078-05-1121',
      '123-45-6789',
      '219099998',
    ]);
    expect(
      found('000-12-3456 666-12-3456 900-12-3456 123-00-4567 123-45-0000 078-05-1120 123456789', 'ssn'),
    ).toEqual([]);
  });
  it('UK NINO: allocated prefixes only', () => {
    expect(found('NI number AB 12 34 56 C, JG103759A', 'nino')).toEqual(['AB 12 34 56 C', 'JG103759A']);
    expect(found('QQ 12 34 56 C, BG123456A, DA123456A, AO123456A, AB123456E', 'nino')).toEqual([]);
  });
  it('German Steuer-ID: check digit and digit-repetition rule', () => {
    expect(found('Steuer-ID: 86095742719, IdNr 47 036 892 816', 'de-tax-id')).toEqual([
      '86095742719',
      '47 036 892 816',
    ]);
    // wrong check digit; a digit three times in a row; two digits repeated; a leading zero.
    expect(found('Steuer-ID 86095742718, 11145678903, 11223456789, 06095742719', 'de-tax-id')).toEqual([]);
  });
  it('VAT ids in EU formats, spaced or not', () => {
    expect(
      found('USt-IdNr.: DE 136 695 976 / TVA FR40303265045 / ATU13585627 / NL 8656 90287 B01', 'vat-id'),
    ).toEqual(['DE 136 695 976', 'FR40303265045', 'ATU13585627', 'NL 8656 90287 B01']);
    expect(found('DE12345678 (8 digits), ATX12345678, Q1 2024', 'vat-id')).toEqual([]);
  });
  it('VAT ids that OCR misread, when a VAT keyword stands right before them (lower confidence)', () => {
    const read = recognise('USt-IdNr.: DE9Q06217110 Last login / VAT: DEQ06741521', { types: ['vat-id'] });
    expect(read.map((d) => [d.text, d.confidence])).toEqual([
      ['DE9Q06217110', 0.85],
      ['DEQ06741521', 0.85],
    ]);
    // Without the keyword, or when the token is mostly letters, nothing.
    expect(found('Ref DE9Q06217110, VAT: DEAQUARIUMS', 'vat-id')).toEqual([]);
  });
});

describe('person', () => {
  it('finds names after titles, labels and salutations, without the title', () => {
    const text =
      'Dear Mr. John Smith,\nSehr geehrte Frau Dr. Anna Schmidt,\nName: Jane Doe\nMme Claire Dubois signed.';
    expect(found(text, 'person')).toEqual(['John Smith', 'Anna Schmidt', 'Jane Doe', 'Claire Dubois']);
  });
  it("uses compromise's tagger for names without a cue, at a lower confidence", () => {
    const [name] = recognise('The report was written by Sarah Johnson last week.', { types: ['person'] });
    expect(name).toMatchObject({ text: 'Sarah Johnson', recogniser: 'compromise' });
    expect(name.confidence).toBeLessThan(0.8);
  });
});

describe('address', () => {
  it('finds street addresses in English, German and French with postcode and town', () => {
    const text =
      'Ship to 221B Baker Street, London NW1 6XE. Office: 1600 Pennsylvania Avenue NW, Washington, DC 20500.\n' +
      'Anschrift: Hauptstraße 5, 10115 Berlin. Lieferung an Berliner Straße 12a.\n' +
      'Adresse : 12 rue de la Paix, 75002 Paris.';
    expect(found(text, 'address')).toEqual([
      '221B Baker Street, London NW1 6XE',
      '1600 Pennsylvania Avenue NW, Washington, DC 20500',
      'Hauptstraße 5, 10115 Berlin',
      'Berliner Straße 12a',
      '12 rue de la Paix, 75002 Paris',
    ]);
  });
  it("tolerates OCR's readings of ß and of digits in postcodes", () => {
    expect(
      found('Bahnhofstrafe 86, 10115 Berlin; Lange StraBe 3; 157 Baker Street, London NWI 6XE', 'address'),
    ).toEqual(['Bahnhofstrafe 86, 10115 Berlin', 'Lange StraBe 3', '157 Baker Street, London NWI 6XE']);
  });
});

describe('recognise', () => {
  const text = 'Contact jane@example.com or +49 30 12345678; IBAN DE89 3704 0044 0532 0130 00.';

  it('returns detections in text order with offsets into the text', () => {
    const all = recognise(text, { region: 'DE' });
    expect(all.map((d) => d.type)).toEqual(['email', 'phone', 'iban']);
    for (const d of all) expect(text.slice(d.start, d.end)).toBe(d.text);
  });
  it('runs only the requested types and drops detections under minConfidence', () => {
    expect(recognise(text, { types: ['email'] }).map((d) => d.type)).toEqual(['email']);
    expect(recognise(text, { minConfidence: 0.98 }).map((d) => d.type)).toEqual(['iban']);
  });
});
