import { isValidIban } from '@quire/extraction';
import type { TextDetection } from '../types';
import { detection } from './shared';

/** Country code + two check digits at a word start; the body is walked by hand below. */
const IBAN_START = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?=[\s\u00a0-]?[A-Z0-9])/g;
const MAX_IBAN = 34;

/**
 * IBANs however they are grouped ("DE89 3704 0044 0532 0130 00", "FR76 10107 00245 …", "DE89370400440532013000"):
 * characters are collected across single spaces or dashes until the longest valid IBAN (ISO 13616 country length
 * and mod-97, the validator of @quire/extraction) that ends at a group boundary. A valid check is strong evidence.
 */
export function findIbans(text: string): TextDetection[] {
  const out: TextDetection[] = [];
  for (const m of text.matchAll(IBAN_START)) {
    let compact = '';
    let best = -1;
    let i = m.index;
    while (i < text.length && compact.length < MAX_IBAN) {
      const ch = text[i];
      if (/[A-Za-z0-9]/.test(ch)) {
        compact += ch.toUpperCase();
        i++;
        const boundary = !/[A-Za-z0-9]/.test(text[i] ?? ' ');
        if (boundary && compact.length >= 15 && isValidIban(compact)) best = i;
      } else if (/[\s\u00a0-]/.test(ch) && /[A-Za-z0-9]/.test(text[i + 1] ?? '') && compact.length >= 4) {
        i++;
      } else break;
    }
    if (best > 0) out.push(detection(text, 'iban', m.index, best, 0.99, 'iban'));
  }
  return out;
}
