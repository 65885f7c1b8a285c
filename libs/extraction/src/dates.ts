/**
 * Printed dates → ISO YYYY-MM-DD. Numeric dates (03/05/2023, 3.5.23, 2023-05-03), month names in English,
 * German, French, Spanish, Italian, Dutch, Portuguese and Polish (3 August 2014, Aug 3, 2014, 7. Mai 2014,
 * 02 Juillet 2015, 03-AUG-23), and day-month without a year (03/05, 12.05., 03 MAY) where the caller knows the year.
 * Whether 03/05 is the 3rd of May or March 5th is decided once for the whole document ({@link inferDayMonthOrder}).
 */

export type DayMonthOrder = 'DMY' | 'MDY';

/** A date as printed, before the document's day/month order is applied. */
export interface RawDate {
  start: number;
  end: number;
  year: number | null;
  /** Known when the form is unambiguous (ISO, month name). */
  month: number | null;
  day: number | null;
  /** Both numbers of an ambiguous numeric date, in print order. */
  first: number | null;
  second: number | null;
}

const MONTHS: Readonly<Record<string, number>> = (() => {
  const names: [number, string[]][] = [
    [
      1,
      [
        'january',
        'jan',
        'januar',
        'janner',
        'jänner',
        'janvier',
        'janv',
        'enero',
        'ene',
        'gennaio',
        'gen',
        'januari',
        'janeiro',
        'stycznia',
        'styczen',
        'styczeń',
      ],
    ],
    [
      2,
      [
        'february',
        'feb',
        'februar',
        'fevrier',
        'février',
        'fevr',
        'févr',
        'febrero',
        'febbraio',
        'februari',
        'fevereiro',
        'fev',
        'fév',
        'lutego',
      ],
    ],
    [
      3,
      [
        'march',
        'mar',
        'marz',
        'märz',
        'mär',
        'mars',
        'marzo',
        'maart',
        'mrt',
        'marco',
        'março',
        'marca',
        'marzec',
      ],
    ],
    [4, ['april', 'apr', 'avril', 'avr', 'abril', 'abr', 'aprile', 'kwietnia', 'kwiecien', 'kwiecień']],
    [5, ['may', 'mai', 'mayo', 'maggio', 'mag', 'mei', 'maio', 'maja']],
    [6, ['june', 'jun', 'juni', 'juin', 'junio', 'giugno', 'giu', 'junho', 'czerwca', 'czerwiec']],
    [7, ['july', 'jul', 'juli', 'juillet', 'juil', 'julio', 'luglio', 'lug', 'julho', 'lipca', 'lipiec']],
    [8, ['august', 'aug', 'aout', 'août', 'agosto', 'ago', 'augustus', 'sierpnia', 'sierpien', 'sierpień']],
    [
      9,
      [
        'september',
        'sep',
        'sept',
        'septembre',
        'septiembre',
        'setiembre',
        'settembre',
        'set',
        'setembro',
        'wrzesnia',
        'września',
      ],
    ],
    [
      10,
      [
        'october',
        'oct',
        'oktober',
        'okt',
        'octobre',
        'octubre',
        'ottobre',
        'ott',
        'outubro',
        'pazdziernika',
        'października',
      ],
    ],
    [11, ['november', 'nov', 'novembre', 'noviembre', 'novembro', 'listopada', 'listopad']],
    [
      12,
      [
        'december',
        'dec',
        'dezember',
        'dez',
        'decembre',
        'décembre',
        'diciembre',
        'dic',
        'dicembre',
        'dezembro',
        'grudnia',
        'grudzien',
        'grudzień',
      ],
    ],
  ];
  const out: Record<string, number> = {};
  for (const [n, list] of names) for (const name of list) out[name] = n;
  return out;
})();

const MONTH_ALT = Object.keys(MONTHS)
  .sort((a, b) => b.length - a.length)
  .join('|');
const L = '\\p{L}';

const ISO = /(?<![\d.,])(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?![\d])/gu;
const NUMERIC = /(?<![\d.,/-])(\d{1,2})([-/.])(\d{1,2})\2(\d{4}|\d{2})(?![\d])/gu;
const NUMERIC_NO_YEAR = /(?<![\d.,/-])(\d{1,2})([./-])(\d{1,2})\.?(?![\d.,/-])/gu;
const DAY_MONTH_NAME = new RegExp(
  `(?<![\\d.,])(\\d{1,2})(?:st|nd|rd|th|er|\\.)?[\\s\\-/.]*(?:de\\s+)?(${MONTH_ALT})(?!${L})\\.?,?[\\s\\-/.']*(?:de\\s+)?(\\d{4}|\\d{2}(?![\\d.,:]))?`,
  'gu',
);
const MONTH_NAME_DAY = new RegExp(
  `(?<!${L})(${MONTH_ALT})(?!${L})\\.?\\s*(\\d{1,2})(?:st|nd|rd|th)?(?!\\d)(?:\\s*,?\\s*(\\d{4}))?`,
  'gu',
);

function fullYear(y: number): number {
  return y < 100 ? y + (y < 70 ? 2000 : 1900) : y;
}

function isValidDay(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1 || day > 31) return false;
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

function overlapsAny(found: RawDate[], start: number, end: number): boolean {
  return found.some((f) => start < f.end && end > f.start);
}

/**
 * Every date in `text`, left to right. `allowNoYear` also accepts 03/05, 12.05. and 03 MAY (only sensible where a
 * date is expected, such as a statement's date column: elsewhere 12.05 is more often an amount).
 */
export function findDates(text: string, options: { allowNoYear?: boolean } = {}): RawDate[] {
  const lower = text.toLowerCase();
  const found: RawDate[] = [];
  const add = (d: RawDate) => {
    if (!overlapsAny(found, d.start, d.end)) found.push(d);
  };
  for (const m of lower.matchAll(ISO)) {
    const [year, month, day] = [Number(m[1]), Number(m[3]), Number(m[4])];
    if (isValidDay(year, month, day))
      add({ start: m.index, end: m.index + m[0].length, year, month, day, first: null, second: null });
  }
  for (const m of lower.matchAll(DAY_MONTH_NAME)) {
    const day = Number(m[1]);
    const month = MONTHS[m[2]];
    const year = m[3] === undefined ? null : fullYear(Number(m[3]));
    if (year === null && !options.allowNoYear) continue;
    if (month === undefined || !isValidDay(year ?? 2000, month, day)) continue;
    const end = m.index + m[0].replace(/[\s\-/.',]+$/u, '').length;
    add({ start: m.index, end, year, month, day, first: null, second: null });
  }
  for (const m of lower.matchAll(MONTH_NAME_DAY)) {
    const month = MONTHS[m[1]];
    const day = Number(m[2]);
    const year = m[3] === undefined ? null : Number(m[3]);
    if (year === null && !options.allowNoYear) continue;
    if (month === undefined || !isValidDay(year ?? 2000, month, day)) continue;
    add({ start: m.index, end: m.index + m[0].length, year, month, day, first: null, second: null });
  }
  for (const m of lower.matchAll(NUMERIC)) {
    const [first, second, year] = [Number(m[1]), Number(m[3]), fullYear(Number(m[4]))];
    const dmy = isValidDay(year, second, first);
    const mdy = isValidDay(year, first, second);
    if (!dmy && !mdy) continue;
    add({ start: m.index, end: m.index + m[0].length, year, month: null, day: null, first, second });
  }
  if (options.allowNoYear) {
    for (const m of lower.matchAll(NUMERIC_NO_YEAR)) {
      const [first, second] = [Number(m[1]), Number(m[3])];
      if (!isValidDay(2000, second, first) && !isValidDay(2000, first, second)) continue;
      add({ start: m.index, end: m.index + m[0].length, year: null, month: null, day: null, first, second });
    }
  }
  return found.sort((a, b) => a.start - b.start);
}

/** The date that starts `text` (leading spaces allowed), or null. */
export function leadingDate(text: string, options: { allowNoYear?: boolean } = {}): RawDate | null {
  const first = findDates(text, options)[0];
  if (!first) return null;
  return text.slice(0, first.start).trim() === '' ? first : null;
}

/**
 * Day/month order for a whole document: any numeric date whose first number is over 12 decides DMY, whose second
 * is over 12 decides MDY. Without such a date, `fallback` (callers pass what the rest of the document suggests).
 */
export function inferDayMonthOrder(dates: Iterable<RawDate>, fallback: DayMonthOrder): DayMonthOrder {
  let dmy = 0;
  let mdy = 0;
  for (const d of dates) {
    if (d.first === null || d.second === null) continue;
    if (d.first > 12 && d.second <= 12) dmy++;
    else if (d.second > 12 && d.first <= 12) mdy++;
  }
  if (dmy === mdy) return fallback;
  return dmy > mdy ? 'DMY' : 'MDY';
}

/** Month and day of a raw date under `order`. */
export function monthDay(raw: RawDate, order: DayMonthOrder): { month: number; day: number } | null {
  if (raw.month !== null && raw.day !== null) return { month: raw.month, day: raw.day };
  if (raw.first === null || raw.second === null) return null;
  return order === 'DMY' ? { month: raw.second, day: raw.first } : { month: raw.first, day: raw.second };
}

function iso(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/**
 * ISO date of `raw` under `order`. A date printed without a year takes it from `period` (the year that puts it
 * inside the period, so a December–January statement works) or from `yearHint`.
 */
export function resolveDate(
  raw: RawDate,
  order: DayMonthOrder,
  context: { yearHint?: number | null; period?: { start: string | null; end: string | null } } = {},
): string | null {
  const md = monthDay(raw, order);
  if (!md) return null;
  let year = raw.year;
  if (year === null) {
    const start = context.period?.start ?? null;
    const end = context.period?.end ?? null;
    const anchor = start ?? end;
    if (anchor) {
      // The year that puts the date inside the period (a December–January statement spans two), else the
      // year of the closest such date.
      const from = Number((start ?? anchor).slice(0, 4)) - 1;
      const to = Number((end ?? anchor).slice(0, 4)) + 1;
      let best: { year: number; distance: number } | null = null;
      for (let y = from; y <= to; y++) {
        if (!isValidDay(y, md.month, md.day)) continue;
        const candidate = iso(y, md.month, md.day);
        const distance =
          start && candidate < start
            ? daysBetween(candidate, start)
            : end && candidate > end
              ? daysBetween(end, candidate)
              : 0;
        if (!best || distance < best.distance) best = { year: y, distance };
      }
      if (!best) return null;
      year = best.year;
    } else if (context.yearHint) {
      year = context.yearHint;
    } else {
      return null;
    }
  }
  if (!isValidDay(year, md.month, md.day)) return null;
  return iso(year, md.month, md.day);
}

/** Days from `a` to `b` (ISO dates). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}
