import type { TextDetection } from '../types';
import { detection } from './shared';

/** Birth keywords in English, German and French. */
const BIRTH_KEYWORD =
  /\b(?:born(?:\s+on)?|date\s+of\s+birth|d\.?o\.?b\.?|birth\s?date|birthday|geboren(?:\s+am)?|geb\.|geburtsdatum|geburtstag|n[ée]e?\s+le|date\s+de\s+naissance)(?=[\s:.,]|$)/giu;

const MONTHS =
  'jan(?:uary|uar|vier)?|feb(?:ruary|ruar)?|f[ée]v(?:rier)?|m[äa]r(?:ch|z|s)?|apr(?:il)?|avr(?:il)?|may|mai|' +
  'jun(?:e|i)?|juin|jul(?:y|i)?|juil(?:let)?|aug(?:ust)?|ao[ûu]t|sep(?:t|tember|tembre)?|o[ck]t(?:ober|obre)?|' +
  'nov(?:ember|embre)?|d[ée][cz](?:ember|embre)?';

/** The date forms printed after a birth keyword; the first one that starts within a few characters is taken. */
const DATE = new RegExp(
  [
    String.raw`\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})`, // 12.03.1985, 03/12/85
    String.raw`\d{4}-\d{2}-\d{2}`, // 1985-03-12
    String.raw`\d{1,2}(?:\.|er|st|nd|rd|th)?\s+(?:${MONTHS})\.?\s+\d{4}`, // 12 March 1985, 12. März 1985, 1er mai 1985
    String.raw`(?:${MONTHS})\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}`, // March 12, 1985
  ].join('|'),
  'iuy',
);

/**
 * Dates of birth: a date that follows a birth keyword ("born", "DOB", "Date of birth", "geboren am",
 * "Geburtsdatum", "né le", "née le", "date de naissance") within 30 characters. A date without such a keyword is
 * not personal data by itself (invoices are full of dates).
 */
export function findDatesOfBirth(text: string): TextDetection[] {
  const out: TextDetection[] = [];
  for (const k of text.matchAll(BIRTH_KEYWORD)) {
    const from = k.index + k[0].length;
    const window = text.slice(from, from + 30);
    for (let offset = 0; offset < window.length; offset++) {
      if (offset > 0 && !/[\s:.,()-]/.test(window[offset - 1])) continue;
      DATE.lastIndex = from + offset;
      const d = DATE.exec(text);
      if (d) {
        out.push(detection(text, 'dob', d.index, d.index + d[0].length, 0.9, 'dob'));
        break;
      }
    }
  }
  return out;
}
