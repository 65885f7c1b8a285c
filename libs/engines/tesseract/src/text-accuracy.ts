/**
 * How close recognised text is to a known text: the character error rate (edit distance over the reference
 * length) after normalising whitespace, so line breaks and spacing do not count as errors. Used by tests and the
 * OCR benchmark to state accuracy as a number rather than "looks right".
 */
export function characterErrorRate(recognised: string, reference: string): number {
  const a = normalise(recognised);
  const b = normalise(reference);
  if (b.length === 0) return a.length === 0 ? 0 : 1;
  return editDistance(a, b) / b.length;
}

export function normalise(text: string): string {
  return text.normalize('NFC').replace(/\s+/g, ' ').trim();
}

/** Levenshtein distance in O(n·m) time and O(m) memory (pages of text are a few thousand characters). */
export function editDistance(a: string, b: string): number {
  const m = b.length;
  let prev = Array.from({ length: m + 1 }, (_, j) => j);
  let curr = new Array<number>(m + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    curr[0] = i;
    for (let j = 1; j <= m; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      curr[j] = Math.min(prev[j] + 1, curr[j - 1] + 1, prev[j - 1] + cost);
    }
    [prev, curr] = [curr, prev];
  }
  return prev[m];
}

/**
 * The word error rate: word-level edit distance over the reference's word count (words split on whitespace), the
 * figure OCR evaluations give beside the CER. Each distinct word is mapped to one code unit, so the character
 * distance above counts whole words.
 */
export function wordErrorRate(recognised: string, reference: string): number {
  const codes = new Map<string, string>();
  const encode = (text: string) =>
    normalise(text)
      .split(' ')
      .filter(Boolean)
      .map((word) => {
        let code = codes.get(word);
        if (code === undefined) {
          code = String.fromCharCode(0x100 + codes.size);
          codes.set(word, code);
        }
        return code;
      })
      .join('');
  const b = encode(reference);
  const a = encode(recognised);
  if (b.length === 0) return a.length === 0 ? 0 : 1;
  return editDistance(a, b) / b.length;
}
