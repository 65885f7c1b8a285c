import type { TextDetection } from '../types';
import { detection } from './shared';

// Bounded quantifiers (RFC 5321: local part ≤ 64, domain ≤ 253) and a left boundary keep this linear in practice.
// The local part takes any letter (RFC 6531 allows them, and OCR turns a digit into one: "carteré@" for "carter6@"),
// or the address would be redacted from the @ on and its name left readable.
const EMAIL =
  /(?<![\p{L}\p{N}._%+-])[\p{L}\p{N}._%+-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,8}[A-Za-z]{2,24}(?![A-Za-z0-9-])/gu;

export function findEmails(text: string): TextDetection[] {
  const out: TextDetection[] = [];
  for (const m of text.matchAll(EMAIL)) {
    let start = m.index;
    // A local part does not start or end with a dot.
    while (text[start] === '.') start++;
    // OCR puts a space after a dot or between digits of a local part ("julia. hoffmann7@", "walker1 0@"): the
    // part before the space belongs to the address.
    const before = /(?<![\p{L}\p{N}._%+-])([\p{L}\p{N}._%+-]{1,64}) $/u.exec(
      text.slice(Math.max(0, start - 66), start),
    );
    // Lower case only before a dot: "Ends. bob@x.org" is a sentence, "julia. hoffmann7@" a split address.
    const split =
      before &&
      (/^[a-z0-9._%+-]+\.$/.test(before[1]) || (/\d$/.test(before[1]) && /^\d/.test(text.slice(start))));
    if (split) start -= before[0].length;
    out.push(
      detection(
        text,
        'email',
        start,
        m.index + m[0].length,
        split ? 0.9 : 0.97,
        split ? 'email-ocr' : 'email',
      ),
    );
  }
  return out;
}
