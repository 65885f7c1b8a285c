import type { Line } from './layout';
import { CURRENCY_CODES } from './money';

const SYMBOLS: readonly [RegExp, string][] = [
  [/€/g, 'EUR'],
  [/£/g, 'GBP'],
  [/¥/g, 'JPY'],
  [/₹|\bRs\.?(?=\s*[-+]?\d)|\bINR\b/g, 'INR'],
  [/zł/g, 'PLN'],
];
const DOLLARS = ['USD', 'CAD', 'AUD', 'NZD', 'SGD', 'HKD', 'MXN', 'TWD'];

/**
 * The document's currency: ISO codes printed anywhere count double, symbols once; "$" is USD unless another dollar
 * (CAD, AUD, …) is named. Null when nothing names a currency.
 */
export function detectCurrency(lines: readonly Line[]): string | null {
  const score = new Map<string, number>();
  const add = (code: string, n: number) => score.set(code, (score.get(code) ?? 0) + n);
  let dollarSigns = 0;
  for (const line of lines) {
    for (const m of line.text.matchAll(/(?<![A-Za-z])([A-Z]{3})(?![A-Za-z])/g)) {
      if (CURRENCY_CODES.has(m[1])) add(m[1], 2);
    }
    for (const [re, code] of SYMBOLS) {
      const n = [...line.text.matchAll(re)].length;
      if (n > 0) add(code, n);
    }
    dollarSigns += [...line.text.matchAll(/(?<![A-Z])\$/g)].length;
  }
  if (dollarSigns > 0) {
    const named = DOLLARS.filter((d) => score.has(d)).sort((a, b) => score.get(b)! - score.get(a)!)[0];
    add(named ?? 'USD', dollarSigns);
  }
  let best: string | null = null;
  let bestScore = 0;
  for (const [code, n] of score) {
    if (n > bestScore) {
      best = code;
      bestScore = n;
    }
  }
  return best;
}
