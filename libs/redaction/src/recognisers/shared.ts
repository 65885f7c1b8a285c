import type { PiiType, TextDetection } from '../types';

export function detection(
  text: string,
  type: PiiType,
  start: number,
  end: number,
  confidence: number,
  recogniser: string,
): TextDetection {
  return { type, start, end, text: text.slice(start, end), confidence, recogniser };
}

/**
 * Whether `keyword` occurs in the `window` characters before `start` (same line or the one above: labels sit left
 * of or over their value in forms and tables).
 */
export function keywordBefore(text: string, start: number, keyword: RegExp, window = 40): boolean {
  return keyword.test(text.slice(Math.max(0, start - window), start));
}

/** The digits of `s` only. */
export function digitsOf(s: string): string {
  return s.replace(/\D/g, '');
}

/** Luhn (mod 10) check over a digit string: payment cards and many other ids. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/** Removes trailing punctuation a sentence puts after a value ("… at a@b.org." / "(see https://x.org/a),"). */
export function trimTrailing(text: string, start: number, end: number, chars = /[.,;:!?)\]}'"»]/): number {
  while (end > start && chars.test(text[end - 1])) end--;
  return end;
}
