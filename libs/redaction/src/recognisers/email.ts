import type { TextDetection } from '../types';
import { detection } from './shared';

// Bounded quantifiers (RFC 5321: local part ≤ 64, domain ≤ 253) and a left boundary keep this linear in practice.
const EMAIL =
  /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,8}[A-Za-z]{2,24}(?![A-Za-z0-9-])/g;

export function findEmails(text: string): TextDetection[] {
  const out: TextDetection[] = [];
  for (const m of text.matchAll(EMAIL)) {
    let start = m.index;
    // A local part does not start or end with a dot.
    while (text[start] === '.') start++;
    out.push(detection(text, 'email', start, m.index + m[0].length, 0.97, 'email'));
  }
  return out;
}
