import { normaliseVatId, vatIdFormat } from '@quire/extraction';
import type { TextDetection } from '../types';
import { detection, keywordBefore } from './shared';

const COUNTRY = /(?<![A-Za-z0-9])(?:[A-Z]{2})(?=[\s\u00a0]?[A-Z0-9])/g;
const TAIL = /(?:[\s\u00a0.-]?[A-Za-z0-9+*]){2,16}/y;
const VAT_KEYWORD = /\b(?:vat|ust-?id(?:nr)?|umsatzsteuer|tva|btw|iva|mwst|uid)\b/i;
/** A VAT keyword, a little punctuation ("USt-IdNr.: "), then an id-shaped token: country letters and 7–13 more. */
const AFTER_KEYWORD =
  /\b(?:vat|ust-?id(?:nr)?|umsatzsteuer|tva|btw|iva|mwst|uid)\b(?:[\s.:#-]|no\b|nr\b){0,6}([A-Z]{2}[\s\u00a0]?[A-Z0-9]{7,13})(?![A-Za-z0-9])/gi;

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
  return [...out, ...ocrShapedAfterKeyword(text, out)];
}

/**
 * On scanned pages OCR breaks the format while the id stays readable in the image ("DE9Q06217110",
 * "DEQ06741521" for DE906217110 / DE906741521): a token right after a VAT keyword, starting with two capitals and
 * mostly digits, is reported at a lower confidence than a valid id. Tokens already found valid are not repeated.
 */
function ocrShapedAfterKeyword(text: string, valid: readonly TextDetection[]): TextDetection[] {
  const out: TextDetection[] = [];
  for (const m of text.matchAll(AFTER_KEYWORD)) {
    const token = m[1] ?? '';
    if (!/^[A-Z]{2}/.test(token)) continue;
    const rest = token.slice(2).replace(/[\s\u00a0]/g, '');
    const digits = rest.replace(/\D/g, '').length;
    if (digits < 6 || digits / rest.length < 0.6) continue;
    const start = m.index + m[0].length - token.length;
    const end = start + token.length;
    if (valid.some((d) => d.start < end && start < d.end)) continue;
    out.push(detection(text, 'vat-id', start, end, 0.85, 'vat-shaped-after-keyword'));
  }
  return out;
}
