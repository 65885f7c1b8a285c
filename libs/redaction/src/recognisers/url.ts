import type { TextDetection } from '../types';
import { detection, trimTrailing } from './shared';

// "hitps://", "htips://", "https;//": what OCR makes of a scheme on a scanned page.
const URL_PATTERN = /\b(?:h[tfil1]{1,3}ps?[:;]\/\/|www\.)[^\s<>"'`{}|\\^]{2,2000}/gi;

/** Web addresses (scheme or `www.`), without the punctuation that ends the sentence around them. */
export function findUrls(text: string): TextDetection[] {
  const out: TextDetection[] = [];
  for (const m of text.matchAll(URL_PATTERN)) {
    const end = trimTrailing(text, m.index, m.index + m[0].length);
    if (end - m.index < 8) continue;
    out.push(detection(text, 'url', m.index, end, 0.9, 'url'));
  }
  return out;
}
