/** Seeded randomness and the number and date conventions the generated documents print in. */

/** mulberry32: a small seeded generator, so every generated document is the same on every run. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Rng = () => number;
export const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];
export const between = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));

export interface NumberStyle {
  decimal: '.' | ',';
  group: ',' | '.' | ' ' | '';
}
export const DOT: NumberStyle = { decimal: '.', group: ',' };
export const COMMA: NumberStyle = { decimal: ',', group: '.' };
export const SPACE_COMMA: NumberStyle = { decimal: ',', group: ' ' };

/** |cents| printed with the style's separators (no sign). */
export function money(cents: number, style: NumberStyle): string {
  const abs = Math.abs(Math.round(cents));
  const units = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, style.group);
  return `${units}${style.decimal}${String(abs % 100).padStart(2, '0')}`;
}

export const toAmount = (cents: number) => Math.round(cents) / 100;

export type DateStyle = 'DMY/' | 'DMY.' | 'DMY-' | 'MDY/' | 'ISO' | 'DMY2/' | 'D Mon YYYY';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** An ISO date (YYYY-MM-DD) as the style prints it. */
export function date(iso: string, style: DateStyle): string {
  const [y, m, d] = iso.split('-');
  switch (style) {
    case 'DMY/':
      return `${d}/${m}/${y}`;
    case 'DMY.':
      return `${d}.${m}.${y}`;
    case 'DMY-':
      return `${d}-${m}-${y}`;
    case 'MDY/':
      return `${m}/${d}/${y}`;
    case 'DMY2/':
      return `${d}/${m}/${y.slice(2)}`;
    case 'D Mon YYYY':
      return `${Number(d)} ${MONTHS[Number(m) - 1]} ${y}`;
    default:
      return iso;
  }
}

/** `iso` plus `days`. */
export function addDays(iso: string, days: number): string {
  const t = new Date(`${iso}T00:00:00Z`);
  t.setUTCDate(t.getUTCDate() + days);
  return t.toISOString().slice(0, 10);
}

/** Words of `text` in lines of at most `max` characters (a description column's wrapping). */
export function wrap(text: string, max: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(' ')) {
    if (current && current.length + 1 + word.length > max) {
      lines.push(current);
      current = word;
    } else current = current ? `${current} ${word}` : word;
  }
  if (current) lines.push(current);
  return lines;
}
