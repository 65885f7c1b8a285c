import { isValidIban } from '@quire/extraction';
import type { TextDetection } from '../types';
import { detection, keywordBefore } from './shared';

/** Country code + two check characters (digits, or letters OCR reads for digits) at a word start. */
const IBAN_START = /(?<![A-Za-z0-9])[A-Z]{2}[0-9OSIlBZG]{2}(?=[\s\u00a0-]?[A-Z0-9])/g;
const MAX_IBAN = 34;
const IBAN_KEYWORD = /\b(?:iban|konto|account|compte|bankverbindung)\b/i;

/** Letters OCR engines read for digits ("DE5S" for "DE55"). */
const OCR_DIGITS: Readonly<Record<string, string>> = {
  O: '0',
  S: '5',
  I: '1',
  l: '1',
  B: '8',
  Z: '2',
  G: '6',
};
/** Countries whose IBAN is digits after the country code (so a letter there can only be a misread digit). */
const NUMERIC_BBAN = new Set([
  'AT',
  'BE',
  'CZ',
  'DE',
  'DK',
  'EE',
  'ES',
  'FI',
  'HR',
  'HU',
  'LT',
  'NO',
  'PL',
  'PT',
  'RS',
  'SE',
  'SI',
  'SK',
]);

function ocrRepaired(compact: string): string {
  const country = compact.slice(0, 2);
  const digitsFrom = NUMERIC_BBAN.has(country) ? compact.length : 4;
  let out = country;
  for (let i = 2; i < compact.length; i++) {
    out += i < digitsFrom ? (OCR_DIGITS[compact[i]] ?? compact[i]) : compact[i];
  }
  return out;
}

/**
 * IBANs however they are grouped ("DE89 3704 0044 0532 0130 00", "FR76 10107 00245 …", "DE89370400440532013000"):
 * characters are collected across single spaces or dashes, and the longest run that ends at a group boundary and
 * validates (ISO 13616 country length and mod 97, the validator of @quire/extraction) is the IBAN (0.99).
 *
 * Scanned pages: OCR misreads digits ("DE5S", a 3 read as 8) and so breaks the check. A run that validates once
 * letters in digit positions are read as digits is an IBAN too (0.95); one with an IBAN's shape (country code, two
 * check characters, mostly digits, its country's length ± 1) is reported at 0.85 after an IBAN keyword and 0.6
 * otherwise, because the printed value is still readable in the image even when its OCR text does not validate.
 */
export function findIbans(text: string): TextDetection[] {
  const out: TextDetection[] = [];
  for (const m of text.matchAll(IBAN_START)) {
    let compact = '';
    let best: { end: number; confidence: number; recogniser: string } | undefined;
    let shapeEnd = -1;
    let i = m.index;
    while (i < text.length && compact.length < MAX_IBAN) {
      const ch = text[i];
      if (/[A-Za-z0-9]/.test(ch)) {
        compact += ch.toUpperCase() === ch || ch === 'l' ? ch : ch.toUpperCase();
        i++;
        if (/[A-Za-z0-9]/.test(text[i] ?? ' ') || compact.length < 15) continue;
        if (isValidIban(compact)) best = { end: i, confidence: 0.99, recogniser: 'iban' };
        else if (!best && isValidIban(ocrRepaired(compact)))
          best = { end: i, confidence: 0.95, recogniser: 'iban-ocr' };
        if (looksLikeIban(compact)) shapeEnd = i;
      } else if (/[\s\u00a0-]/.test(ch) && /[A-Za-z0-9]/.test(text[i + 1] ?? '') && compact.length >= 4) {
        i++;
      } else break;
    }
    if (best) {
      out.push(detection(text, 'iban', m.index, best.end, best.confidence, best.recogniser));
    } else if (shapeEnd > 0) {
      const confidence = keywordBefore(text, m.index, IBAN_KEYWORD, 25) ? 0.85 : 0.6;
      out.push(detection(text, 'iban', m.index, shapeEnd, confidence, 'iban-shape'));
    }
  }
  return out;
}

/** IBAN length per country, as far as the shape check needs it (the validator has the full table). */
const SHAPE_LENGTHS: Readonly<Record<string, number>> = {
  AT: 20,
  BE: 16,
  CH: 21,
  CZ: 24,
  DE: 22,
  DK: 18,
  ES: 24,
  FI: 18,
  FR: 27,
  GB: 22,
  IE: 22,
  IT: 27,
  LU: 20,
  NL: 18,
  NO: 15,
  PL: 28,
  PT: 25,
  SE: 24,
};

function looksLikeIban(compact: string): boolean {
  const length = SHAPE_LENGTHS[compact.slice(0, 2)];
  if (length === undefined || Math.abs(compact.length - length) > 1) return false;
  const digits = (compact.slice(2).match(/\d/g) ?? []).length;
  return digits >= (compact.length - 2) * 0.6;
}
