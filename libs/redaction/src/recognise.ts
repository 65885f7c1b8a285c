import { findCustom, normaliseForAllow, type CompiledCustomRecognisers } from './custom';
import { findAddresses } from './recognisers/address';
import { findCards } from './recognisers/card';
import { findDatesOfBirth } from './recognisers/dob';
import { findEmails } from './recognisers/email';
import { findIbans } from './recognisers/iban';
import { findIps } from './recognisers/ip';
import { findGermanTaxIds, findNinos, findSsns } from './recognisers/national-ids';
import { findPersons } from './recognisers/person';
import { findPhones } from './recognisers/phone';
import { findUrls } from './recognisers/url';
import { findVatIds } from './recognisers/vat';
import { PII_TYPES, type PiiType, type TextDetection } from './types';

export interface RecogniseOptions {
  /** Which types to look for; all built-in types (and `custom` when given) by default. */
  types?: readonly PiiType[];
  /** Detections below this confidence are dropped (after overlaps are resolved). Default 0. */
  minConfidence?: number;
  /** ISO 3166 alpha-2 country whose numbering plan national phone numbers are read with ("DE", "GB", "US"). */
  region?: string;
  custom?: CompiledCustomRecognisers;
}

const RECOGNISERS: Readonly<
  Record<Exclude<PiiType, 'custom'>, (text: string, o: RecogniseOptions) => TextDetection[]>
> = {
  email: findEmails,
  phone: (text, o) => findPhones(text, o.region),
  iban: findIbans,
  card: findCards,
  ip: findIps,
  url: findUrls,
  dob: findDatesOfBirth,
  ssn: findSsns,
  nino: findNinos,
  'de-tax-id': findGermanTaxIds,
  'vat-id': findVatIds,
  person: findPersons,
  address: findAddresses,
};

/**
 * Every piece of personal data in `text`, sorted by position, no two overlapping: where candidates overlap, the
 * higher confidence wins, then the longer span (a validated IBAN beats the "phone number" inside it; a full address
 * beats the person name a tagger saw in its street). Values on the allow-list are dropped; a custom term or regex
 * (confidence 1 / 0.95) wins over what it overlaps.
 */
export function recognise(text: string, options: RecogniseOptions = {}): TextDetection[] {
  const wanted = new Set<PiiType>(options.types ?? PII_TYPES);
  const candidates: TextDetection[] = [];
  for (const [type, find] of Object.entries(RECOGNISERS) as [
    Exclude<PiiType, 'custom'>,
    (typeof RECOGNISERS)['email'],
  ][]) {
    if (wanted.has(type)) candidates.push(...find(text, options));
  }
  if (options.custom && wanted.has('custom')) candidates.push(...findCustom(text, options.custom));
  const allow = options.custom?.allow;
  const allowed =
    allow && allow.size > 0 ? candidates.filter((d) => !allow.has(normaliseForAllow(d.text))) : candidates;
  const minConfidence = options.minConfidence ?? 0;
  return resolveOverlaps(allowed).filter((d) => d.confidence >= minConfidence);
}

/** Greedy by strength (confidence, then length, then earlier start); the kept set is returned in text order. */
export function resolveOverlaps(detections: readonly TextDetection[]): TextDetection[] {
  const ranked = [...detections]
    .filter((d) => d.end > d.start)
    .sort((a, b) => b.confidence - a.confidence || b.end - b.start - (a.end - a.start) || a.start - b.start);
  const kept: TextDetection[] = [];
  for (const d of ranked) {
    if (!kept.some((k) => k.start < d.end && d.start < k.end)) kept.push(d);
  }
  return kept.sort((a, b) => a.start - b.start || a.end - b.end);
}
