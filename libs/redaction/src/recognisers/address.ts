import type { TextDetection } from '../types';
import { detection } from './shared';

const CAP = String.raw`\p{Lu}[\p{L}'’.-]*`;
const CITY_WORD = String.raw`\p{Lu}[\p{L}'’-]*`;
const CITY = String.raw`${CITY_WORD}(?:[ \t-]${CITY_WORD}){0,2}`;
// OCR reads 1 as I or l and 0 as O in postcodes.
const UK_POSTCODE = String.raw`[A-Z]{1,2}[\dIlO][A-Z\d]?[ \t]?[\dIlO][A-Z]{2}`;
const US_ZIP = String.raw`(?:[A-Z]{2}[ \t]+)?\d{5}(?:-\d{4})?`;

const EN_STREET = String.raw`(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Boulevard|Blvd|Way|Court|Ct|Place|Pl|Square|Sq|Terrace|Close|Crescent|Gardens|Parkway|Pkwy|Highway|Hwy|Row|Mews|Hill)`;
/** "221B Baker Street", "1600 Pennsylvania Avenue NW, Washington, DC 20500", "12 High St, London SW1A 1AA". */
const EN_ADDRESS = new RegExp(
  String.raw`(?<![\p{L}\d])\d{1,5}[A-Za-z]?[ \t]+(?:${CAP}[ \t]+){1,4}${EN_STREET}\b\.?(?:[ \t]+(?:NW|NE|SW|SE|N|S|E|W)\b)?` +
    String.raw`(?:,?[ \t]+(?:Apt|Suite|Unit|Flat)\.?[ \t]*[\w-]{1,6})?` +
    String.raw`(?<tail>,[ \t]*${CITY}(?:,[ \t]*${CITY})?,?[ \t]+(?:${UK_POSTCODE}|${US_ZIP})\b)?`,
  'gu',
);

// "straBe", "strafe", "stra8e": OCR's readings of ß.
const DE_SUFFIX = String.raw`(?:stra(?:ß|ss|B|f|fs|8|\u00df)e|str\.|weg|gasse|platz|allee|ring|damm|ufer|chaussee|steig|pfad|markt|graben|kai)`;
const DE_SEPARATE = String.raw`(?:Stra(?:ß|ss|B|f|8)e|Str\.|Weg|Gasse|Platz|Allee|Ring|Damm|Ufer|Chaussee|Markt)`;
/** "Hauptstraße 5", "Berliner Straße 12a, 10115 Berlin", "Am Alten Markt 3-5". */
const DE_ADDRESS = new RegExp(
  String.raw`(?<![\p{L}])(?:\p{Lu}[\p{L}-]{0,40}?${DE_SUFFIX}|(?:${CAP}[ \t]+){1,3}${DE_SEPARATE}|(?:Am|An der|Auf dem|Im|In der|Zum|Zur)[ \t]+(?:${CAP}[ \t]+){0,2}${CAP})` +
    String.raw`[ \t]+\d{1,4}[ \t]?[a-z]?(?:[ \t]?[-/][ \t]?\d{1,4}[a-z]?)?(?![\d])` +
    String.raw`(?<tail>,?[ \t]+(?:D-)?\d{5}[ \t]+${CITY})?`,
  'gu',
);

const FR_TYPE = bothCases([
  'rue',
  'avenue',
  'av\\.',
  'boulevard',
  'bd',
  'place',
  'chemin',
  'allée',
  'impasse',
  'quai',
  'route',
  'cours',
  'square',
]);
/** "12 rue de la Paix, 75002 Paris", "5 bis avenue Victor Hugo". */
const FR_ADDRESS = new RegExp(
  String.raw`(?<![\p{L}\d])\d{1,4}(?:[ \t]?(?:bis|ter))?,?[ \t]+${FR_TYPE}[ \t]+(?:(?:de la|de|du|des|la|le)[ \t]+|l['’]|d['’])*${CAP}(?:[ \t]+(?:(?:de|du|des|la|le|et)[ \t]+)?${CAP}){0,3}` +
    String.raw`(?<tail>,?[ \t]+\d{5}[ \t]+${CITY})?`,
  'gu',
);

/** `(?:rue|Rue|…)`: street words are written either way, while the name after them must stay capitalised. */
function bothCases(words: readonly string[]): string {
  return `(?:${words.flatMap((w) => [w, w[0].toUpperCase() + w.slice(1)]).join('|')})`;
}

/** Street addresses: house number + street-type word (EN/DE/FR), extended over a following postcode and town. */
export function findAddresses(text: string): TextDetection[] {
  const out: TextDetection[] = [];
  for (const [re, name] of [
    [EN_ADDRESS, 'address-en'],
    [DE_ADDRESS, 'address-de'],
    [FR_ADDRESS, 'address-fr'],
  ] as const) {
    for (const m of text.matchAll(re)) {
      let end = m.index + m[0].length;
      while (end > m.index && /[\s,]/.test(text[end - 1])) end--;
      out.push(detection(text, 'address', m.index, end, m.groups?.tail ? 0.9 : 0.8, name));
    }
  }
  return out;
}
