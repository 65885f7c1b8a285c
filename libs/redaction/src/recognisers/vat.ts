import { normaliseVatId, vatIdFormat } from '@quire/extraction';
import type { TextDetection } from '../types';
import { detection, keywordBefore } from './shared';

const COUNTRY = /(?<![A-Za-z0-9])(?:[A-Z]{2})(?=[\s\u00a0]?[A-Z0-9])/g;
const TAIL = /(?:[\s\u00a0.-]?[A-Za-z0-9+*]){2,16}/y;
const VAT_KEYWORD = /\b(?:vat|ust-?id(?:nr)?|umsatzsteuer|tva|btw|iva|mwst|uid)\b/i;

/**
 * VAT identification numbers with a country prefix, in the EU VIES formats (plus GB, XI, CH, NO) of
 * @quire/extraction's `vatIdFormat`, spaced or not ("DE 123 456 789"). The longest spelling that ends at a word
 * boundary and has the country's format wins. Offsets are into the original text (no case folding of it).
 */
export function findVatIds(text: string): TextDetection[] {
  const out: TextDetection[] = [];
  for (const m of text.matchAll(COUNTRY)) {
    TAIL.lastIndex = m.index + 2;
    const tail = TAIL.exec(text);
    if (!tail) continue;
    const chars = tail[0];
    for (let end = chars.length; end >= 2; end--) {
      if (/[\s\u00a0.-]$/.test(chars.slice(0, end))) continue;
      if (/[A-Za-z0-9]/.test(chars[end] ?? '')) continue; // would cut a word in two
      const id = `${m[0]}${normaliseVatId(chars.slice(0, end))}`;
      if (!/\d{2}/.test(id) || vatIdFormat(id) !== 'valid') continue;
      const confidence = keywordBefore(text, m.index, VAT_KEYWORD, 40) ? 0.97 : 0.85;
      out.push(detection(text, 'vat-id', m.index, m.index + 2 + end, confidence, 'vat-format'));
      break;
    }
  }
  return out;
}
