import { isIP } from 'node:net';
import type { TextDetection } from '../types';
import { detection } from './shared';

const IPV4 = /(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d]|\.\d)/g;
// Hex groups and colons (and a dotted IPv4 tail), bounded: validation is node:net's isIP, not this pattern.
const IPV6 =
  /(?<![0-9A-Fa-f:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?::(?:\d{1,3}\.){3}\d{1,3})?(?![0-9A-Fa-f:])/g;

/** IPv4 and IPv6 addresses, each validated by `node:net` (so 999.1.1.1 and 12:30:45 are not addresses). */
export function findIps(text: string): TextDetection[] {
  const out: TextDetection[] = [];
  for (const m of text.matchAll(IPV4)) {
    if (isIP(m[0]) === 4) out.push(detection(text, 'ip', m.index, m.index + m[0].length, 0.85, 'ip'));
  }
  for (const m of text.matchAll(IPV6)) {
    const candidate = m[0];
    if ((candidate.match(/[0-9A-Fa-f]/g) ?? []).length < 3) continue;
    if (isIP(candidate) === 6) {
      out.push(detection(text, 'ip', m.index, m.index + candidate.length, 0.9, 'ip'));
    }
  }
  return out;
}
