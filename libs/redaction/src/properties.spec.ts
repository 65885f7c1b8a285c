import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isValidGermanTaxId, luhnValid, recognise, type PiiType } from './index';

/** mod 97 of a digit/letter string as an IBAN check computes it. */
function mod97(s: string): number {
  let r = 0;
  for (const ch of s) {
    const v = /\d/.test(ch) ? ch : String(ch.charCodeAt(0) - 55);
    for (const d of v) r = (r * 10 + Number(d)) % 97;
  }
  return r;
}

const digits = (n: number) =>
  fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }).map((a) => a.join(''));

/** A valid German IBAN, printed in groups of four or compact. */
const ibanArb = fc.tuple(digits(18), fc.boolean()).map(([bban, spaced]) => {
  const check = String(98 - mod97(`${bban}DE00`)).padStart(2, '0');
  const iban = `DE${check}${bban}`;
  return spaced ? iban.replace(/(.{4})/g, '$1 ').trim() : iban;
});

/** A Luhn-valid 16-digit Visa number in groups of four. */
const cardArb = digits(14).map((body) => {
  const partial = `4${body}`;
  const check = [...Array(10).keys()].find((d) => luhnValid(`${partial}${d}`))!;
  return `${partial}${check}`.replace(/(\d{4})(?=\d)/g, '$1 ');
});

/** An SSN that follows the issuance rules. */
const ssnArb = fc
  .tuple(fc.integer({ min: 1, max: 899 }), fc.integer({ min: 1, max: 99 }), fc.integer({ min: 1, max: 9999 }))
  .filter(([area]) => area !== 666)
  .map(
    ([a, g, s]) =>
      `${String(a).padStart(3, '0')}-${String(g).padStart(2, '0')}-${String(s).padStart(4, '0')}`,
  )
  .filter((s) => s !== '078-05-1120');

/** A valid Steuer-ID: ten digits, one of them twice, then the MOD 11,10 check digit. */
const taxIdArb = fc
  .tuple(
    fc.shuffledSubarray([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], { minLength: 9, maxLength: 9 }),
    fc.nat(8),
    fc.nat(9),
  )
  .map(([nine, dupIndex, insertAt]) => {
    const ten = [...nine];
    ten.splice(insertAt, 0, nine[dupIndex]);
    return ten.join('');
  })
  .filter((ten) => ten[0] !== '0')
  .map((ten) => [...Array(10).keys()].map((d) => `${ten}${d}`).find(isValidGermanTaxId))
  .filter((id): id is string => id !== undefined);

/** Prose around the value: words only, so nothing in it can be PII by itself. */
const filler = fc.array(
  fc.constantFrom('the', 'payment', 'of', 'Account', 'reference', 'and', 'to', '—', ':'),
  {
    maxLength: 8,
  },
);

function embeddedIsFound(arb: fc.Arbitrary<string>, type: PiiType, prefix = ''): void {
  fc.assert(
    fc.property(filler, arb, filler, (before, value, after) => {
      const text = `${before.join(' ')} ${prefix}${value} ${after.join(' ')}`;
      const hits = recognise(text, { types: [type] });
      expect(hits.map((d) => d.text)).toContain(value);
    }),
    { numRuns: 300 },
  );
}

describe('generated valid identifiers are always found', () => {
  it('IBAN', () => embeddedIsFound(ibanArb, 'iban'));
  it('card', () => embeddedIsFound(cardArb, 'card'));
  it('SSN', () => embeddedIsFound(ssnArb, 'ssn'));
  it('Steuer-ID', () => embeddedIsFound(taxIdArb, 'de-tax-id', 'Steuer-ID: '));
});

describe('any text', () => {
  it('never crashes and every detection is a slice of the text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (text) => {
        for (const d of recognise(text, { region: 'DE' })) expect(text.slice(d.start, d.end)).toBe(d.text);
      }),
      { numRuns: 300 },
    );
  });

  it('finishes quickly on long adversarial input (no super-linear patterns)', () => {
    const inputs = [
      'a'.repeat(50_000),
      `${'a.'.repeat(20_000)}@`,
      '1 '.repeat(20_000),
      '1-'.repeat(20_000),
      ':'.repeat(20_000) + 'a:'.repeat(10_000),
      'Aa '.repeat(10_000),
      `${'DE89 '.repeat(5_000)}`,
      'born '.repeat(5_000),
    ];
    for (const text of inputs) {
      const started = performance.now();
      recognise(text, {
        region: 'DE',
        types: [
          'email',
          'phone',
          'iban',
          'card',
          'ip',
          'url',
          'dob',
          'ssn',
          'nino',
          'de-tax-id',
          'vat-id',
          'address',
        ],
      });
      expect(performance.now() - started, text.slice(0, 20)).toBeLessThan(3_000);
    }
  });
});
