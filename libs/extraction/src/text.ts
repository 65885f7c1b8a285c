/**
 * Text folding for keyword matching: lower case, no diacritics (Débit → debit, Fällig → fallig), ß → ss, one space
 * between words. Labels are matched on folded text so one pattern covers "Solde", "SOLDE" and "Sòlde".
 */
export function fold(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ß/g, 'ss')
    .replace(/[łŁ]/g, 'l')
    .toLowerCase()
    .replace(/[\u00a0\u2000-\u200b\u202f\u205f\u3000]/g, ' ')
    .replace(/[’‘`´]/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
}

/** Collapses runs of whitespace to one space and trims. */
export function squash(text: string): string {
  return text.replace(/[\s\u00a0\u202f]+/g, ' ').trim();
}

/** A regular expression matching any of `phrases` as whole words in folded text (longest first). */
export function phraseRegex(phrases: readonly string[], flags = ''): RegExp {
  const sorted = [...phrases].sort((a, b) => b.length - a.length);
  const body = sorted.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, '\\s*')).join('|');
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${body})(?![\\p{L}\\p{N}])`, `u${flags}`);
}

/**
 * Like {@link fold} but one output character per input character, so a match's offsets point into the original
 * text (to read the value after a label in its original spelling).
 */
export function foldKeepLength(text: string): string {
  let out = '';
  for (const ch of text) {
    const base = ch
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase();
    const mapped = ch === 'ß' ? 's' : ch === 'ł' || ch === 'Ł' ? 'l' : /\s/.test(ch) ? ' ' : base;
    out +=
      mapped.length === ch.length ? mapped : ch.toLowerCase().length === ch.length ? ch.toLowerCase() : ch;
  }
  return out;
}
