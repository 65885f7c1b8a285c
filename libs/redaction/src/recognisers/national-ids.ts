import type { TextDetection } from '../types';
import { detection, digitsOf, keywordBefore } from './shared';

const SSN_KEYWORD = /\b(?:ssn|social\s+security(?:\s+(?:no|number|#))?)\b\.?/i;
const SSN = /(?<![\d-])(\d{3})([- ]?)(\d{2})\2(\d{4})(?![\d-])/g;

/** SSA rules: area 000, 666 and 900–999, group 00 and serial 0000 are never issued; two famous samples are void. */
export function isValidSsn(ssn: string): boolean {
  const d = digitsOf(ssn);
  if (d.length !== 9) return false;
  const area = Number(d.slice(0, 3));
  if (area === 0 || area === 666 || area >= 900) return false;
  if (d.slice(3, 5) === '00' || d.slice(5) === '0000') return false;
  return d !== '078051120' && d !== '219099999';
}

/**
 * US Social Security numbers: `123-45-6789` (or spaced) that pass the issuance rules; nine bare digits only right
 * after an SSN keyword (otherwise any nine-digit number would qualify).
 */
export function findSsns(text: string): TextDetection[] {
  const out: TextDetection[] = [];
  for (const m of text.matchAll(SSN)) {
    if (!isValidSsn(m[0])) continue;
    const keyword = keywordBefore(text, m.index, SSN_KEYWORD, 30);
    if (m[2] === '' && !keyword) continue;
    const confidence = keyword ? 0.97 : m[2] === '-' ? 0.85 : 0.7;
    out.push(detection(text, 'ssn', m.index, m.index + m[0].length, confidence, 'ssn'));
  }
  return out;
}

/** HMRC: prefixes never allocated (first letter D F I Q U V, second D F I O Q U V, and BG GB KN NK NT TN ZZ). */
export function isValidNino(nino: string): boolean {
  const s = nino.replace(/\s/g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{6}[A-D]$/.test(s)) return false;
  if (/[DFIQUV]/.test(s[0]) || /[DFIOQUV]/.test(s[1])) return false;
  return !['BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ'].includes(s.slice(0, 2));
}

const NINO = /(?<![A-Za-z0-9])[A-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D](?![A-Za-z0-9])/g;
const NINO_KEYWORD = /\b(?:NI\s*(?:no|number)|national\s+insurance)\b/i;

/** UK National Insurance numbers ("QQ 12 34 56 C" style) with valid prefixes. */
export function findNinos(text: string): TextDetection[] {
  const out: TextDetection[] = [];
  for (const m of text.matchAll(NINO)) {
    if (!isValidNino(m[0])) continue;
    const confidence = keywordBefore(text, m.index, NINO_KEYWORD, 30) ? 0.97 : 0.9;
    out.push(detection(text, 'nino', m.index, m.index + m[0].length, confidence, 'nino'));
  }
  return out;
}

/**
 * German tax identification number (Steuerliche Identifikationsnummer, § 139b AO): 11 digits, no leading zero; in
 * the first ten one digit occurs two or three times (three times never all adjacent), the others at most once; the
 * last is the ISO 7064 MOD 11,10 check digit.
 */
export function isValidGermanTaxId(id: string): boolean {
  const d = digitsOf(id);
  if (!/^[1-9]\d{10}$/.test(d)) return false;
  const first10 = d.slice(0, 10);
  const counts = new Map<string, number>();
  for (const ch of first10) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  const repeated = [...counts.values()].filter((c) => c > 1);
  if (repeated.length !== 1 || repeated[0] > 3) return false;
  if (repeated[0] === 3 && /(\d)\1\1/.test(first10)) return false;
  let product = 10;
  for (const ch of first10) {
    let sum = (Number(ch) + product) % 10;
    if (sum === 0) sum = 10;
    product = (sum * 2) % 11;
  }
  const check = 11 - product === 10 ? 0 : 11 - product;
  return check === Number(d[10]);
}

const DE_TAX_ID = /(?<!\d)\d{2}(?:[ /]?\d{3}){3}(?!\d)/g;
const DE_TAX_KEYWORD =
  /\b(?:steuer-?id(?:entifikationsnummer)?|steuerliche\s+identifikationsnummer|identifikationsnummer|id-?nr|steuer-?idnr|tax\s+id|tin)\b\.?/i;

/**
 * German tax ids, plain or grouped ("12 345 678 901"). One random 11-digit number in about ten passes the check, so
 * without a keyword nearby the confidence stays moderate.
 */
export function findGermanTaxIds(text: string): TextDetection[] {
  const out: TextDetection[] = [];
  for (const m of text.matchAll(DE_TAX_ID)) {
    if (!isValidGermanTaxId(m[0])) continue;
    const confidence = keywordBefore(text, m.index, DE_TAX_KEYWORD, 40) ? 0.97 : 0.7;
    out.push(detection(text, 'de-tax-id', m.index, m.index + m[0].length, confidence, 'de-tax-id'));
  }
  return out;
}
