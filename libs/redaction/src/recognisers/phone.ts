import { findPhoneNumbersInText, type CountryCode } from 'libphonenumber-js/max';
import type { TextDetection } from '../types';
import { detection, keywordBefore } from './shared';

const PHONE_KEYWORD =
  /\b(?:tel|phone|mobile|mob|cell|fax|telefon|handy|mobil|t[ée]l[ée]phone|portable|call)\b\.?/i;

/** Dates and date-like numbers that some numbering plans (Germany's is very open) would accept as numbers. */
const DATE_LIKE = /^(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4}|(?:19|20)\d{6})$/;

/** How a number is written in its own country: trunk prefix 0 ("030 …"), area code in brackets, NANP groups. */
const NATIONAL_SHAPE = /^(?:0|\(\d|\d{3}[-. ]\d{3}[-. ]\d{4}$)/;

/**
 * Phone numbers with libphonenumber-js's full metadata (`/max`: the number must be valid for its country, not just
 * have a plausible length). Numbers written with a `+`/`00` prefix are found anywhere; national numbers only when a
 * region says which country's plan to read them with, and only when written the way phone numbers are (a trunk
 * 0, an area code in brackets, NANP groups) or next to a phone keyword: otherwise invoice numbers, order numbers
 * and dates pass many plans' checks.
 */
export function findPhones(text: string, region?: string): TextDetection[] {
  const defaultCountry = region && /^[A-Z]{2}$/.test(region) ? (region as CountryCode) : undefined;
  const out: TextDetection[] = [];
  for (const found of findPhoneNumbersInText(text, { defaultCountry })) {
    if (!found.number.isValid()) continue;
    const raw = text.slice(found.startsAt, found.endsAt);
    if (DATE_LIKE.test(raw)) continue;
    const keyword = keywordBefore(text, found.startsAt, PHONE_KEYWORD, 25);
    const international = /^(?:\+|00)/.test(raw);
    if (!international && !keyword && !NATIONAL_SHAPE.test(raw)) continue;
    const confidence = keyword ? 0.95 : international ? 0.9 : 0.8;
    out.push(detection(text, 'phone', found.startsAt, found.endsAt, confidence, 'libphonenumber'));
  }
  return out;
}
