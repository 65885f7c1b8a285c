import nlp from 'compromise';
import type { TextDetection } from '../types';
import { detection } from './shared';

/** A capitalised name word: "Smith", "O'Connor", "Müller-Lüdenscheidt", "Zoë". */
const NAME_WORD = String.raw`\p{Lu}[\p{Ll}\p{Lu}'’-]*\p{Ll}[\p{L}'’-]*`;
/** Particles inside names ("Ludwig van Beethoven", "Karl von Weber", "Jean de La Fontaine"). */
const PARTICLE = String.raw`(?:van|von|de|der|den|du|da|di|la|le|zu|ter|ten|bin|al)`;
const NAME = String.raw`${NAME_WORD}(?:[ \t]+(?:${PARTICLE}[ \t]+){0,2}${NAME_WORD}){0,3}`;

const TITLES = String.raw`(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame|Herr|Frau|Hr|Fr|Mme|Mlle|M|Monsieur|Madame|Mademoiselle)`;
/** A title, then the name ("Mr. John Smith", "Frau Dr. Anna Schmidt", "Mme Claire Dubois"). */
const TITLED = new RegExp(String.raw`(?<![\p{L}])${TITLES}\.?(?:[ \t]+(?:Dr|Prof)\.?)?[ \t]+(${NAME})`, 'gu');

/** A form label, then the name on the same line ("Name: Jane Doe", "Ansprechpartner: Klaus Weber"). */
const LABELS = String.raw`(?:full\s+name|name|patient|employee|customer|client|contact(?:\s+person)?|applicant|tenant|account\s+holder|cardholder|signed\s+by|kunde|kundin|mitarbeiter(?:in)?|ansprechpartner(?:in)?|vorname|nachname|inhaber(?:in)?|kontoinhaber(?:in)?|nom|prénom|titulaire|destinataire)`;
const LABELLED = new RegExp(String.raw`(?<![\p{L}])${LABELS}[ \t]*:[ \t]*(${NAME})`, 'giu');

/** Salutations and closings: the capitalised words right after them are a name ("Dear Jane Doe", "Liebe Anna"). */
const CUES = String.raw`(?:dear|attn\.?|attention|c\/o|sincerely,?|regards,?|liebe[rs]?|hallo|bonjour|cher|chère)`;
const CUED = new RegExp(String.raw`(?<![\p{L}])${CUES}[ \t\n]+(${NAME})`, 'giu');

const TITLE_ONLY = new RegExp(String.raw`^${TITLES}\.?$`, 'u');

function captured(text: string, re: RegExp, confidence: number, recogniser: string): TextDetection[] {
  const out: TextDetection[] = [];
  for (const m of text.matchAll(re)) {
    const name = m[1];
    const start = m.index + m[0].length - name.length;
    // A single word after a label may be a role ("Name: Unknown"): keep, but less sure.
    const words = name.split(/\s+/).filter((w) => !TITLE_ONLY.test(w));
    if (words.length === 0) continue;
    out.push(
      detection(
        text,
        'person',
        start,
        start + name.length,
        words.length > 1 ? confidence : confidence - 0.15,
        recogniser,
      ),
    );
  }
  return out;
}

interface CompromiseMatch {
  text: string;
  offset: { start: number; length: number };
}

/**
 * compromise's people(): a rule-based English tagger with a lexicon of given names (offline, no model download).
 * Its spans can include a title and the punctuation after the name; both are trimmed. Two or more words are
 * likelier a name than one ("Smith" alone may be a smith).
 */
function compromisePeople(text: string): TextDetection[] {
  const out: TextDetection[] = [];
  const matches = nlp(text).people().json({ offset: true }) as CompromiseMatch[];
  for (const match of matches) {
    let start = match.offset.start;
    let end = start + match.offset.length;
    const title = new RegExp(String.raw`^${TITLES}\.?\s+`, 'u').exec(text.slice(start, end));
    if (title) start += title[0].length;
    while (end > start && /[\s.,;:!?)"'’»]/.test(text[end - 1])) end--;
    const span = text.slice(start, end);
    if (!/^\p{Lu}/u.test(span)) continue;
    const words = span.split(/\s+/).length;
    out.push(detection(text, 'person', start, end, words > 1 ? 0.7 : 0.5, 'compromise'));
  }
  return out;
}

/** Person names: title, label and salutation rules (high confidence) plus compromise's tagger (lower). */
export function findPersons(text: string): TextDetection[] {
  return [
    ...captured(text, TITLED, 0.9, 'title-rule'),
    ...captured(text, LABELLED, 0.9, 'label-rule'),
    ...captured(text, CUED, 0.8, 'salutation-rule'),
    ...compromisePeople(text),
  ];
}
