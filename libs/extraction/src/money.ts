/**
 * Money as integer cents (never floats while adding up: 0.1 + 0.2 drifts, 10 + 20 cents does not) and the printed
 * forms of amounts: both decimal conventions (1,234.56 and 1.234,56, also 1 234,56 and 1'234.56), decided once per
 * document; signs as a leading or trailing minus, parentheses, CR/DR and Soll/Haben (S/H) markers; a currency
 * symbol or ISO code on either side.
 */

export type DecimalSeparator = '.' | ',';

/** How a document writes numbers. Decided per document by {@link detectNumberFormat}. */
export interface NumberFormat {
  decimal: DecimalSeparator;
}

export interface ParsedAmount {
  /** Signed by the printed markers only (a bare number is positive). */
  cents: number;
  /** A minus, plus, parentheses or a CR/DR/S/H marker was printed. */
  explicitSign: boolean;
  marker: 'CR' | 'DR' | null;
  /** ISO code when the text carried a symbol or code (`€` → EUR). */
  currency: string | null;
  /** The number had a decimal part (1,234.56) rather than being a bare integer (1939). */
  hasDecimals: boolean;
}

/** ISO 4217 codes common on statements and invoices; a longer list would mostly add false hits on words. */
export const CURRENCY_CODES: ReadonlySet<string> = new Set([
  'EUR',
  'USD',
  'GBP',
  'CHF',
  'JPY',
  'CNY',
  'INR',
  'AUD',
  'CAD',
  'NZD',
  'SGD',
  'HKD',
  'SEK',
  'NOK',
  'DKK',
  'PLN',
  'CZK',
  'HUF',
  'RON',
  'BGN',
  'HRK',
  'ISK',
  'TRY',
  'RUB',
  'UAH',
  'ZAR',
  'BRL',
  'MXN',
  'ARS',
  'CLP',
  'COP',
  'PEN',
  'AED',
  'SAR',
  'QAR',
  'ILS',
  'KRW',
  'TWD',
  'THB',
  'MYR',
  'IDR',
  'PHP',
  'VND',
  'EGP',
  'NGN',
  'KES',
  'MAD',
  'PKR',
]);

/** Symbols and local abbreviations → ISO code. `$` alone is read as USD unless the document names another dollar. */
export const CURRENCY_SYMBOLS: Readonly<Record<string, string>> = {
  '€': 'EUR',
  '£': 'GBP',
  $: 'USD',
  US$: 'USD',
  C$: 'CAD',
  A$: 'AUD',
  R$: 'BRL',
  '¥': 'JPY',
  '₹': 'INR',
  Rs: 'INR',
  'Rs.': 'INR',
  '₽': 'RUB',
  '₺': 'TRY',
  '₩': 'KRW',
  '₪': 'ILS',
  zł: 'PLN',
  Kč: 'CZK',
  Fr: 'CHF',
  'Fr.': 'CHF',
  'SFr.': 'CHF',
};

const SYMBOL_PATTERN = Object.keys(CURRENCY_SYMBOLS)
  .sort((a, b) => b.length - a.length)
  .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
  .join('|');
const CURRENCY_PREFIX = new RegExp(`^(?:(${SYMBOL_PATTERN})|([A-Z]{3})(?![A-Za-z]))\\s*`);
const CURRENCY_SUFFIX = new RegExp(`\\s*(?:(${SYMBOL_PATTERN})|(?<![A-Za-z])([A-Z]{3}))$`);
const MARKER_SUFFIX = /\s*(?<![A-Za-z])(CR|DR|Cr|Dr|cr|dr|S|H)\.?$/;
const MARKER_PREFIX = /^(CR|DR|Cr|Dr)\.?\s+/;
const MINUS = /^[-−–]\s*/;
const PLUS = /^\+\s*/;

/** Group separators seen in print: comma, dot, apostrophes and the spaces PDFs use (no-break, narrow no-break). */
const GROUP_CHARS = `[,.'’\\u00a0\\u202f ]`;
const SPACE_CHARS = /[\u00a0\u202f ]/;

function coreRegex(decimal: DecimalSeparator): RegExp {
  const d = decimal === '.' ? '\\.' : ',';
  // One group separator used consistently (back-reference), groups of exactly three digits.
  return new RegExp(`^(?:(\\d{1,3})((?:(${GROUP_CHARS})\\d{3})(?:\\3\\d{3})*)|(\\d+))(?:${d}(\\d{1,2}))?$`);
}
const CORE = { '.': coreRegex('.'), ',': coreRegex(',') } as const;

/** The number part alone (no sign, no currency) → cents, or null. */
function parseCore(core: string, format: NumberFormat): { cents: number; hasDecimals: boolean } | null {
  const m = CORE[format.decimal].exec(core);
  if (!m) return null;
  const groupChar = m[3];
  if (groupChar !== undefined) {
    if (groupChar === format.decimal) return null;
    // A space only groups thousands when the decimals are written with a comma (1 234,56); "1 278.61" is
    // more often a quantity next to a price than one number.
    if (SPACE_CHARS.test(groupChar) && format.decimal === '.' && !/[\u00a0\u202f]/.test(groupChar))
      return null;
  }
  const integerDigits = m[4] ?? `${m[1]}${(m[2] ?? '').replace(/[^\d]/g, '')}`;
  if (integerDigits.length > 13) return null; // beyond any real amount; an account or reference number
  const fraction = m[5];
  const cents = Number(integerDigits) * 100 + (fraction === undefined ? 0 : Number(fraction.padEnd(2, '0')));
  return { cents, hasDecimals: fraction !== undefined };
}

function currencyOf(symbol: string | undefined, code: string | undefined): string | null | undefined {
  if (symbol !== undefined) return CURRENCY_SYMBOLS[symbol] ?? null;
  if (code !== undefined) return CURRENCY_CODES.has(code) ? code : undefined;
  return undefined;
}

/**
 * Parses a whole cell as one amount ("1,234.56", "-77.52", "328,91-", "(12.00)", "€ 399,00", "1.234,56 S",
 * "560.18 DR"). Returns null when the text is anything else (a date, a percentage, a reference). Bare integers
 * ("1939") are amounts only with a currency or when `allowInteger` says the context is a money column.
 */
export function parseAmount(
  text: string,
  format: NumberFormat,
  options: { allowInteger?: boolean } = {},
): ParsedAmount | null {
  let t = text.replace(/[\s\u00a0\u202f]+$/u, '').replace(/^[\s\u00a0\u202f]+/u, '');
  if (t.length === 0 || t.length > 40 || !/\d/.test(t)) return null;
  let negative = false;
  let explicitSign = false;
  let marker: 'CR' | 'DR' | null = null;
  let currency: string | null = null;
  for (let guard = 0; guard < 6; guard++) {
    const before = t;
    let m: RegExpExecArray | null;
    if ((m = CURRENCY_PREFIX.exec(t))) {
      const c = currencyOf(m[1], m[2]);
      if (c === undefined) return null;
      currency = c;
      t = t.slice(m[0].length);
    }
    if ((m = CURRENCY_SUFFIX.exec(t)) && m.index > 0) {
      const c = currencyOf(m[1], m[2]);
      if (c !== undefined) {
        currency = c;
        t = t.slice(0, m.index);
      }
    }
    if ((m = MARKER_SUFFIX.exec(t)) && m.index > 0 && /\d[\s.)]*$/.test(t.slice(0, m.index))) {
      const mk = m[1].toUpperCase();
      // Soll (S) = debit, Haben (H) = credit, as German statements print them.
      marker = mk === 'CR' || mk === 'H' ? 'CR' : 'DR';
      explicitSign = true;
      negative = marker === 'DR';
      t = t.slice(0, m.index);
    }
    if ((m = MARKER_PREFIX.exec(t))) {
      marker = m[1].toUpperCase() === 'CR' ? 'CR' : 'DR';
      explicitSign = true;
      negative = marker === 'DR';
      t = t.slice(m[0].length);
    }
    if (t.startsWith('(') && t.endsWith(')')) {
      negative = true;
      explicitSign = true;
      t = t.slice(1, -1).trim();
    }
    if ((m = MINUS.exec(t))) {
      negative = true;
      explicitSign = true;
      t = t.slice(m[0].length);
    } else if ((m = PLUS.exec(t))) {
      explicitSign = true;
      t = t.slice(m[0].length);
    }
    if (/[-−–]$/.test(t)) {
      negative = true;
      explicitSign = true;
      t = t.slice(0, -1).trimEnd();
    } else if (/\+$/.test(t)) {
      explicitSign = true;
      t = t.slice(0, -1).trimEnd();
    }
    if (t === before) break;
  }
  const core = parseCore(t, format);
  if (!core) return null;
  if (!core.hasDecimals && currency === null && options.allowInteger !== true) return null;
  return {
    cents: negative && core.cents !== 0 ? -core.cents : core.cents,
    explicitSign,
    marker,
    currency,
    hasDecimals: core.hasDecimals,
  };
}

export interface AmountInText extends ParsedAmount {
  /** Character offsets of the amount within the searched text. */
  start: number;
  end: number;
}

/**
 * Every amount inside free text ("Opening balance: 1,137.89 GBP", "Tax 15% on $ 112.90"), left to right. Tries
 * the longest window of up to four whitespace-separated tokens first so "€ 1 234,56 CR" is one amount.
 */
export function findAmounts(
  text: string,
  format: NumberFormat,
  options: { allowInteger?: boolean } = {},
): AmountInText[] {
  const tokens: { start: number; end: number }[] = [];
  for (const m of text.matchAll(/\S+/g)) tokens.push({ start: m.index, end: m.index + m[0].length });
  const found: AmountInText[] = [];
  for (let i = 0; i < tokens.length;) {
    let matched = false;
    for (let n = Math.min(4, tokens.length - i); n >= 1; n--) {
      const start = tokens[i].start;
      const end = tokens[i + n - 1].end;
      // Trailing label punctuation ("1,137.89:" or "12.00,") is not part of the amount.
      const raw = text.slice(start, end).replace(/[:;,]$/, '');
      const parsed = parseAmount(raw, format, options);
      if (parsed) {
        found.push({ ...parsed, start, end: start + raw.length });
        i += n;
        matched = true;
        break;
      }
    }
    if (!matched) i++;
  }
  return found;
}

/**
 * Decides the decimal separator from the whole document: "1,234.56" votes strongly for a dot, "1.234,56" for a
 * comma, "12.34"/"12,34" weakly. A tie (no evidence) means a dot.
 */
export function detectNumberFormat(texts: Iterable<string>): NumberFormat {
  let dot = 0;
  let comma = 0;
  for (const text of texts) {
    if (/(?<![\d.,])\d{1,3}(?:[\u00a0\u202f ]\d{3})+,\d{2}(?![\d.,])/.test(text)) comma += 2;
    if (/(?<![\d.,])\d{1,3}(?:['’]\d{3})+\.\d{2}(?![\d.,])/.test(text)) dot += 2;
    for (const m of text.matchAll(/(?<![\d.,])\d[\d.,]*\d(?![\d.,])/g)) {
      const n = m[0];
      if (/^\d{1,3}(?:,\d{3})+\.\d{1,2}$/.test(n)) dot += 3;
      else if (/^\d{1,3}(?:\.\d{3})+,\d{1,2}$/.test(n)) comma += 3;
      else if (/^\d+\.\d{2}$/.test(n)) dot += 1;
      else if (/^\d+,\d{2}$/.test(n)) comma += 1;
    }
  }
  return { decimal: comma > dot ? ',' : '.' };
}

/** Cents → a number with two decimals (for output only; never add these). */
export function centsToNumber(cents: number): number {
  return Math.round(cents) / 100;
}

/** A number from the outside (JSON, XML) → cents, rounding half away from zero on the third decimal. */
export function toCents(value: number | string): number | null {
  const s = typeof value === 'number' ? value.toString() : value.trim();
  const m = /^([-+])?(\d+)(?:\.(\d+))?$/.exec(s);
  if (!m) return null;
  const frac = (m[3] ?? '').padEnd(3, '0');
  let cents = Number(m[2]) * 100 + Number(frac.slice(0, 2));
  if (Number(frac[2]) >= 5) cents += 1;
  return m[1] === '-' ? -cents : cents;
}

/** "12.50" with exactly two decimals, for messages. */
export function formatCents(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
