/**
 * IBANs (ISO 13616: country length table and the mod-97 check) and VAT identification numbers (the EU VIES formats
 * plus GB, CH, NO): found in text however they are spaced, returned without spaces.
 */

/** IBAN length per country (SWIFT IBAN registry). */
const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24,
  AE: 23,
  AL: 28,
  AT: 20,
  AZ: 28,
  BA: 20,
  BE: 16,
  BG: 22,
  BH: 22,
  BI: 27,
  BR: 29,
  BY: 28,
  CH: 21,
  CR: 22,
  CY: 28,
  CZ: 24,
  DE: 22,
  DJ: 27,
  DK: 18,
  DO: 28,
  EE: 20,
  EG: 29,
  ES: 24,
  FI: 18,
  FK: 18,
  FO: 18,
  FR: 27,
  GB: 22,
  GE: 22,
  GI: 23,
  GL: 18,
  GR: 27,
  GT: 28,
  HR: 21,
  HU: 28,
  IE: 22,
  IL: 23,
  IQ: 23,
  IS: 26,
  IT: 27,
  JO: 30,
  KW: 30,
  KZ: 20,
  LB: 28,
  LC: 32,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  LY: 25,
  MC: 27,
  MD: 24,
  ME: 22,
  MK: 19,
  MN: 20,
  MR: 27,
  MT: 31,
  MU: 30,
  NI: 28,
  NL: 18,
  NO: 15,
  OM: 23,
  PK: 24,
  PL: 28,
  PS: 29,
  PT: 25,
  QA: 29,
  RO: 24,
  RS: 22,
  RU: 33,
  SA: 24,
  SC: 31,
  SD: 18,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  SO: 23,
  ST: 25,
  SV: 28,
  TL: 23,
  TN: 24,
  TR: 26,
  UA: 29,
  VA: 22,
  VG: 24,
  XK: 20,
  YE: 30,
};

/** Whether `iban` (any spacing, any case) has a known country, the right length and valid check digits. */
export function isValidIban(iban: string): boolean {
  const s = normaliseIban(iban);
  const length = IBAN_LENGTHS[s.slice(0, 2)];
  if (length === undefined || s.length !== length || !/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(s)) return false;
  return ibanRemainder(s) === 1;
}

/** mod 97 of the rearranged IBAN (letters as 10..35), computed in chunks so no big integers are needed. */
function ibanRemainder(s: string): number {
  const rearranged = s.slice(4) + s.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    const value = /\d/.test(ch) ? ch : String(ch.charCodeAt(0) - 55);
    for (const digit of value) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder;
}

export function normaliseIban(iban: string): string {
  return iban.replace(/[\s\u00a0\-.]/g, '').toUpperCase();
}

/**
 * Every valid IBAN in `text`, without spaces. Printed groups need not be fours ("FR76 10107 00245 00617052317 39"),
 * and may be two spaces apart (OCR'd groups become cells of their own, joined by two spaces); the country's length
 * decides where the IBAN ends and mod-97 whether it is one.
 */
export function findIbans(text: string): string[] {
  const found: string[] = [];
  const upper = text.toUpperCase();
  // Every possible start is tried (a zero-width scan): a failed candidate such as a VAT id "DE123456789" must not
  // swallow the IBAN printed after it.
  for (const start of upper.matchAll(/(?<![A-Z0-9])(?=[A-Z]{2}\s{0,2}\d{2})/g)) {
    const m = /^([A-Z]{2})\s{0,2}(\d{2})((?:[\s\u00a0]{0,2}[A-Z0-9]){8,34})/.exec(upper.slice(start.index));
    if (!m) continue;
    const length = IBAN_LENGTHS[m[1]];
    if (length === undefined) continue;
    const body = m[3].replace(/[\s\u00a0]/g, '');
    const printed = `${m[1]}${m[2]}${body.slice(0, length - 4)}`;
    if (printed.length !== length) continue;
    const candidate = isValidIban(printed) ? printed : repairOcrIban(printed);
    if (candidate && !found.includes(candidate)) found.push(candidate);
  }
  return found;
}

/**
 * BBAN structure (after the four first characters) of the countries whose IBANs mix fixed letter and digit
 * positions or are all digits, from the SWIFT IBAN registry: `a` letters, `n` digits, `c` either.
 */
const BBAN_FORMATS: Readonly<Record<string, string>> = {
  AT: '16n',
  BE: '12n',
  CH: '5n12c',
  CZ: '20n',
  DE: '18n',
  DK: '14n',
  ES: '20n',
  FI: '14n',
  FR: '10n11c2n',
  GB: '4a14n',
  HU: '24n',
  IE: '4a14n',
  IT: '1a10n12c',
  LU: '3n13c',
  NL: '4a10n',
  NO: '11n',
  PL: '24n',
  PT: '21n',
  SE: '20n',
  SK: '20n',
};
const AS_LETTER: Readonly<Record<string, string>> = {
  '0': 'O',
  '1': 'I',
  '2': 'Z',
  '5': 'S',
  '6': 'G',
  '8': 'B',
};
const AS_DIGIT: Readonly<Record<string, string>> = {
  O: '0',
  D: '0',
  Q: '0',
  I: '1',
  L: '1',
  Z: '2',
  S: '5',
  G: '6',
  B: '8',
};

/**
 * An IBAN read by OCR with letters and digits confused (RAB0 for RABO): each character is set to the kind its
 * position must hold in the country's BBAN format; the result counts only when its mod-97 check digits hold, so a
 * wrong repair is never reported. Null when nothing changed or the check still fails.
 */
export function repairOcrIban(printed: string): string | null {
  const format = BBAN_FORMATS[printed.slice(0, 2)];
  if (!format) return null;
  const kinds = [...format.matchAll(/(\d+)([anc])/g)].flatMap((m) => Array<string>(Number(m[1])).fill(m[2]));
  const bban = printed.slice(4);
  if (kinds.length !== bban.length) return null;
  const fixed = [...bban]
    .map((ch, i) => (kinds[i] === 'a' ? (AS_LETTER[ch] ?? ch) : kinds[i] === 'n' ? (AS_DIGIT[ch] ?? ch) : ch))
    .join('');
  const repaired = printed.slice(0, 4) + fixed;
  return repaired !== printed && isValidIban(repaired) ? repaired : null;
}

/** VAT number formats after the country prefix (EU VIES, plus GB, CH, NO). */
const VAT_FORMATS: Readonly<Record<string, RegExp>> = {
  AT: /^U\d{8}$/,
  BE: /^[01]\d{9}$/,
  BG: /^\d{9,10}$/,
  CY: /^\d{8}[A-Z]$/,
  CZ: /^\d{8,10}$/,
  DE: /^\d{9}$/,
  DK: /^\d{8}$/,
  EE: /^\d{9}$/,
  EL: /^\d{9}$/,
  GR: /^\d{9}$/,
  ES: /^[A-Z0-9]\d{7}[A-Z0-9]$/,
  FI: /^\d{8}$/,
  FR: /^[A-HJ-NP-Z0-9]{2}\d{9}$/,
  HR: /^\d{11}$/,
  HU: /^\d{8}$/,
  IE: /^(?:\d{7}[A-W][A-I]?|\d[A-Z+*]\d{5}[A-W])$/,
  IT: /^\d{11}$/,
  LT: /^(?:\d{9}|\d{12})$/,
  LU: /^\d{8}$/,
  LV: /^\d{11}$/,
  MT: /^\d{8}$/,
  NL: /^\d{9}B\d{2}$/,
  PL: /^\d{10}$/,
  PT: /^\d{9}$/,
  RO: /^\d{2,10}$/,
  SE: /^\d{10}01$/,
  SI: /^\d{8}$/,
  SK: /^\d{10}$/,
  GB: /^(?:\d{9}|\d{12}|GD\d{3}|HA\d{3})$/,
  XI: /^(?:\d{9}|\d{12}|GD\d{3}|HA\d{3})$/,
  CH: /^E\d{9}(?:MWST|TVA|IVA)?$/,
  NO: /^\d{9}(?:MVA)?$/,
};

/** Whether `vatId` (any spacing) has the format of its country; ids without a country prefix are not judged. */
export function vatIdFormat(vatId: string): 'valid' | 'invalid' | 'unknown-country' {
  const s = normaliseVatId(vatId);
  const country = s.slice(0, 2);
  const rule = VAT_FORMATS[country];
  if (!/^[A-Z]{2}/.test(s) || !rule) return 'unknown-country';
  return rule.test(s.slice(2)) ? 'valid' : 'invalid';
}

export function normaliseVatId(vatId: string): string {
  return vatId.replace(/[\s\u00a0.\-/]/g, '').toUpperCase();
}

/**
 * VAT ids with a country prefix in `text`, however spaced ("DE 232 446 240", "FR 604 219 388 61"). Tries the
 * longest spelling first so a trailing group is not left behind.
 */
export function findVatIds(text: string): { id: string; start: number; end: number }[] {
  const found: { id: string; start: number; end: number }[] = [];
  const upper = text.toUpperCase();
  for (const m of upper.matchAll(/(?<![A-Z0-9])(?:EL|[A-Z]{2})(?=[\s\u00a0]?[A-Z0-9])/g)) {
    const country = m[0];
    if (!VAT_FORMATS[country]) continue;
    // Up to 16 characters of digits/letters with single spaces, dots or dashes between groups.
    const tail = /^(?:[\s\u00a0.-]?[A-Z0-9+*]){2,16}/.exec(upper.slice(m.index + 2));
    if (!tail) continue;
    const chars = tail[0];
    for (let end = chars.length; end >= 2; end--) {
      const piece = chars.slice(0, end);
      if (/[\s\u00a0.-]$/.test(piece)) continue;
      const id = `${country}${normaliseVatId(piece)}`;
      const next = chars[end] ?? '';
      if (/[A-Z0-9]/.test(next)) continue; // would cut a word in two
      if (vatIdFormat(id) === 'valid') {
        found.push({ id, start: m.index, end: m.index + 2 + end });
        break;
      }
    }
  }
  return found;
}
