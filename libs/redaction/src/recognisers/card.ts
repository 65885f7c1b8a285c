import type { TextDetection } from '../types';
import { detection, keywordBefore, luhnValid } from './shared';

const CARD_KEYWORD = /\b(?:card|karte|kreditkarte|carte|visa|mastercard|amex|cc)\b/i;

/** Groups i..i+3 are "dddd dddd dddd dddd" with a card network's first digit. */
function printedCard(groups: readonly { digits: string }[], i: number): boolean {
  const four = groups.slice(i, i + 4);
  return four.length === 4 && four.every((g) => g.digits.length === 4) && /^[3-6]/.test(four[0].digits);
}

/** Runs of digit groups joined by one space or dash ("4111 1111 1111 1111", "3782-822463-10005"). */
const DIGIT_RUN = /(?<!\d|\d[.,])\d{1,19}(?:[ \u00a0-]\d{1,19}){0,9}(?!\d|[.,]\d)/g;

/** Issuer prefixes (IIN) with the lengths the networks issue: a match raises confidence over Luhn alone. */
const NETWORKS: readonly { prefix: RegExp; lengths: readonly number[] }[] = [
  { prefix: /^4/, lengths: [13, 16, 19] }, // Visa
  { prefix: /^(?:5[1-5]|2(?:2[2-9][1-9]|2[3-9]\d|[3-6]\d\d|7[01]\d|720))/, lengths: [16] }, // Mastercard
  { prefix: /^3[47]/, lengths: [15] }, // American Express
  { prefix: /^(?:6011|64[4-9]|65)/, lengths: [16, 19] }, // Discover
  { prefix: /^35(?:2[89]|[3-8]\d)/, lengths: [16, 19] }, // JCB
  { prefix: /^(?:30[0-5]|36|38|39)/, lengths: [14, 16] }, // Diners Club
  { prefix: /^62/, lengths: [16, 17, 18, 19] }, // UnionPay
  { prefix: /^(?:5[06-9]|6\d)/, lengths: [12, 13, 14, 15, 16, 17, 18, 19] }, // Maestro
];

function knownNetwork(digits: string): boolean {
  return NETWORKS.some((n) => n.prefix.test(digits) && n.lengths.includes(digits.length));
}

/**
 * Which of two Luhn-valid runs from the same start is the card: a known issuer prefix and length first, then the
 * usual 15/16 digits (a 19-digit "Visa" is usually a 16-digit one that swallowed an amount), then the longer.
 */
function rank(digits: string): number {
  return (
    (knownNetwork(digits) ? 100 : 0) + (digits.length === 16 || digits.length === 15 ? 50 : 0) + digits.length
  );
}

/**
 * Payment card numbers: 13–19 digits passing the Luhn check. In a run of groups (a table row can put an amount or
 * a date next to the number), every contiguous sequence of whole groups is tried and the best `rank` wins.
 */
export function findCards(text: string): TextDetection[] {
  const out: TextDetection[] = [];
  for (const m of text.matchAll(DIGIT_RUN)) {
    const groups: { start: number; end: number; digits: string }[] = [];
    for (const g of m[0].matchAll(/\d+/g)) {
      groups.push({ start: m.index + g.index, end: m.index + g.index + g[0].length, digits: g[0] });
    }
    let i = 0;
    while (i < groups.length) {
      let found: { end: number; digits: string; j: number } | undefined;
      let digits = '';
      for (let j = i; j < groups.length; j++) {
        digits += groups[j].digits;
        if (digits.length > 19) break;
        if (digits.length >= 13 && luhnValid(digits) && !/^0/.test(digits) && !/^(\d)\1+$/.test(digits)) {
          if (!found || rank(digits) >= rank(found.digits)) found = { end: groups[j].end, digits, j };
        }
      }
      if (found) {
        const confidence = knownNetwork(found.digits) ? 0.95 : 0.7;
        out.push(detection(text, 'card', groups[i].start, found.end, confidence, 'luhn'));
        i = found.j + 1;
      } else if (printedCard(groups, i)) {
        // Four groups of four after a card keyword: a card number OCR misread (the Luhn check fails on one wrong
        // digit, yet the real number is still readable in the image).
        const confidence = keywordBefore(text, groups[i].start, CARD_KEYWORD, 25) ? 0.85 : 0.5;
        out.push(detection(text, 'card', groups[i].start, groups[i + 3].end, confidence, 'card-shape'));
        i += 4;
      } else i++;
    }
  }
  return out;
}
