/**
 * Deterministic personal data for test documents: every identifier is valid (check digits computed), so a
 * recogniser that misses one has a real miss. `type` names are the PiiType values of @quire/redaction.
 */

/** A small seeded PRNG (mulberry32), so every run plants the same values. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rng = () => number;
const int = (rng: Rng, min: number, max: number) => min + Math.floor(rng() * (max - min + 1));
const pick = <T>(rng: Rng, items: readonly T[]): T => items[int(rng, 0, items.length - 1)];
const digits = (rng: Rng, n: number) => Array.from({ length: n }, () => int(rng, 0, 9)).join('');

function mod97(s: string): number {
  let r = 0;
  for (const ch of s) {
    const v = /\d/.test(ch) ? ch : String(ch.charCodeAt(0) - 55);
    for (const d of v) r = (r * 10 + Number(d)) % 97;
  }
  return r;
}

function luhnCheckDigit(partial: string): number {
  for (let d = 0; d <= 9; d++) {
    const s = `${partial}${d}`;
    let sum = 0;
    for (let i = 0; i < s.length; i++) {
      let v = Number(s[s.length - 1 - i]);
      if (i % 2 === 1) v = v * 2 > 9 ? v * 2 - 9 : v * 2;
      sum += v;
    }
    if (sum % 10 === 0) return d;
  }
  return 0;
}

export const FIRST_NAMES = [
  'James',
  'Maria',
  'Thomas',
  'Sophie',
  'Daniel',
  'Laura',
  'Michael',
  'Julia',
  'Peter',
  'Anna',
];
export const LAST_NAMES = [
  'Becker',
  'Walker',
  'Hoffmann',
  'Turner',
  'Fischer',
  'Morgan',
  'Schneider',
  'Bennett',
  'Wagner',
  'Carter',
];
const STREETS_EN = ['Baker Street', 'Station Road', 'Church Lane', 'Victoria Avenue', 'Park Road'];
const STREETS_DE = ['Hauptstraße', 'Bahnhofstraße', 'Gartenweg', 'Lindenallee', 'Schillerstraße'];
const CITIES_DE = [
  ['10115', 'Berlin'],
  ['80331', 'München'],
  ['50667', 'Köln'],
] as const;
const CITIES_UK = [
  ['London', 'NW1 6XE'],
  ['Leeds', 'LS1 4DY'],
  ['Bristol', 'BS1 5TR'],
] as const;

export interface PersonRecord {
  name: string;
  email: string;
  phone: string;
  iban: string;
  card: string;
  ip: string;
  dob: string;
  ssn: string;
  nino: string;
  deTaxId: string;
  vatId: string;
  address: string;
  url: string;
}

export function germanIban(rng: Rng): string {
  const bban = digits(rng, 18);
  const check = String(98 - mod97(`${bban}DE00`)).padStart(2, '0');
  return `DE${check}${bban}`.replace(/(.{4})/g, '$1 ').trim();
}

export function visaCard(rng: Rng): string {
  const partial = `4${digits(rng, 14)}`;
  return `${partial}${luhnCheckDigit(partial)}`.replace(/(\d{4})(?=\d)/g, '$1 ');
}

export function ssn(rng: Rng): string {
  let area = int(rng, 1, 899);
  if (area === 666) area = 667;
  return `${String(area).padStart(3, '0')}-${String(int(rng, 1, 99)).padStart(2, '0')}-${String(int(rng, 1, 9999)).padStart(4, '0')}`;
}

export function nino(rng: Rng): string {
  const first = 'ABCEGHJKLMNOPRSTWXYZ';
  const second = 'ABCEGHJKLMNPRSTWXYZ';
  let prefix = '';
  do prefix = pick(rng, [...first]) + pick(rng, [...second]);
  while (['BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ'].includes(prefix));
  return `${prefix} ${digits(rng, 2)} ${digits(rng, 2)} ${digits(rng, 2)} ${pick(rng, ['A', 'B', 'C', 'D'])}`;
}

/** ISO 7064 MOD 11,10 check digit of the first ten digits of a Steuer-ID. */
function taxCheckDigit(ten: string): number {
  let product = 10;
  for (const ch of ten) {
    let sum = (Number(ch) + product) % 10;
    if (sum === 0) sum = 10;
    product = (sum * 2) % 11;
  }
  return 11 - product === 10 ? 0 : 11 - product;
}

export function germanTaxId(rng: Rng): string {
  for (;;) {
    const pool = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    for (let i = pool.length - 1; i > 0; i--) {
      const j = int(rng, 0, i);
      [pool[i], pool[j]] = [pool[j], pool[i]];
    }
    const nine = pool.slice(0, 9);
    const ten = [...nine];
    ten.splice(int(rng, 1, 9), 0, nine[int(rng, 0, 8)]);
    const s = ten.join('');
    if (s[0] === '0' || /(\d)\1/.test(s)) continue;
    const id = `${s}${taxCheckDigit(s)}`;
    return `${id.slice(0, 2)} ${id.slice(2, 5)} ${id.slice(5, 8)} ${id.slice(8)}`;
  }
}

export function person(rng: Rng, index: number): PersonRecord {
  const first = FIRST_NAMES[index % FIRST_NAMES.length];
  const last = LAST_NAMES[(index * 3 + 1) % LAST_NAMES.length];
  const german = index % 2 === 0;
  const [plz, city] = pick(rng, CITIES_DE);
  const [ukCity, postcode] = pick(rng, CITIES_UK);
  const address = german
    ? `${pick(rng, STREETS_DE)} ${int(rng, 1, 120)}, ${plz} ${city}`
    : `${int(rng, 1, 250)} ${pick(rng, STREETS_EN)}, ${ukCity} ${postcode}`;
  const day = int(rng, 1, 28);
  const month = int(rng, 1, 12);
  const year = int(rng, 1950, 2002);
  return {
    name: `${first} ${last}`,
    email: `${first}.${last}${index}@example.com`.toLowerCase(),
    phone: german
      ? `+49 30 ${int(rng, 2000000, 9999999)}${int(rng, 0, 9)}`
      : `+44 20 7946 0${int(rng, 100, 999)}`,
    iban: germanIban(rng),
    card: visaCard(rng),
    ip: `10.${int(rng, 0, 255)}.${int(rng, 0, 255)}.${int(rng, 1, 254)}`,
    dob: `${String(day).padStart(2, '0')}.${String(month).padStart(2, '0')}.${year}`,
    ssn: ssn(rng),
    nino: nino(rng),
    deTaxId: germanTaxId(rng),
    vatId: `DE${int(rng, 100000000, 999999999)}`,
    address,
    url: `https://portal.example.com/u/${first.toLowerCase()}${index}`,
  };
}
