import { findPhoneNumbersInText, type CountryCode } from 'libphonenumber-js/max';
import type { TextDetection } from '../types';
import { detection, keywordBefore } from './shared';

const PHONE_KEYWORD =
  /\b(?:tel|phone|mobile|mob|cell|fax|telefon|handy|mobil|t[ée]l[ée]phone|portable)\b\.?/i;

/**
 * Phone numbers with libphonenumber-js's full metadata (`/max`: the number must be valid for its country, not just
 * have a plausible length). Numbers written with a `+`/`00` prefix are found anywhere; national numbers only when a
 * region says which country's plan to read them with.
 */
export function findPhones(text: string, region?: string): TextDetection[] {
  const defaultCountry = region && /^[A-Z]{2}$/.test(region) ? (region as CountryCode) : undefined;
  const out: TextDetection[] = [];
  for (const found of findPhoneNumbersInText(text, { defaultCountry })) {
    if (!found.number.isValid()) continue;
    const keyword = keywordBefore(text, found.startsAt, PHONE_KEYWORD, 25);
    const international = /^(?:\+|00)/.test(text.slice(found.startsAt, found.endsAt));
    const confidence = keyword ? 0.95 : international ? 0.9 : 0.85;
    out.push(detection(text, 'phone', found.startsAt, found.endsAt, confidence, 'libphonenumber'));
  }
  return out;
}
