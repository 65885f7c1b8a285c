import { RE2 } from 're2-wasm';
import { LimitExceededError, ValidationError } from '@quire/errors';
import { CUSTOM_LIMITS, customRecognisersSchema, type CustomRecognisers, type TextDetection } from './types';

/** A compiled regex: RE2 (WebAssembly), linear in the text whatever the pattern. */
interface SafeRegex {
  re: RE2;
  label?: string;
  /** The field it came from, for errors at run time. */
  field: string;
}

/**
 * re2-wasm copies the whole input into WebAssembly memory on every `exec`, so matching one long text costs
 * O(length × matches): a pattern matching every other character of a 40 kB page took 100 s. Text is therefore
 * matched line by line (segments of at most this many characters), which keeps each call small; custom regexes
 * match within a line.
 */
const SEGMENT_CHARS = 1_000;
/** More matches than this of one regex in one text is a pattern that would black out the page: refused. */
export const MAX_CUSTOM_MATCHES = 5_000;

export interface CompiledCustomRecognisers {
  readonly terms: readonly SafeRegex[];
  readonly regexes: readonly SafeRegex[];
  /** Allowed values, normalised (see `normaliseForAllow`). */
  readonly allow: ReadonlySet<string>;
}

/** Case, spacing and separators do not matter when comparing a detection with the allow-list. */
export function normaliseForAllow(value: string): string {
  return value
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s\u00a0\-./()]/g, '');
}

function escapeForRe2(literal: string): string {
  return literal.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}

/**
 * Checks and compiles a job's or tenant's custom recognisers. Regexes run on RE2, so catastrophic backtracking
 * cannot happen; what RE2 cannot run in linear time (look-arounds, back-references, huge repetition counts, a
 * program over its memory budget) is refused here, as is anything over the limits, with a `ValidationError` that
 * names the field (`params.custom.regexes[2].pattern`) so the gateway answers 400 before a job exists.
 */
export function compileCustomRecognisers(
  spec: CustomRecognisers,
  field = 'params.custom',
): CompiledCustomRecognisers {
  const parsed = customRecognisersSchema.safeParse(spec);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = [field, ...issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`))].join('');
    throw new ValidationError(`${where.replace(/\.\[/g, '[')}: ${issue.message}`);
  }
  const value = parsed.data;
  const terms = (value.terms ?? []).map((term, i) =>
    compile(escapeForRe2(term), 'i', `${field}.terms[${i}]`),
  );
  const regexes = (value.regexes ?? []).map((r, i) => ({
    ...compile(r.pattern, r.flags ?? '', `${field}.regexes[${i}].pattern`),
    label: r.label,
  }));
  return { terms, regexes, allow: new Set((value.allow ?? []).map(normaliseForAllow)) };
}

function compile(pattern: string, flags: string, where: string): SafeRegex {
  if (pattern.length > CUSTOM_LIMITS.patternLength) {
    throw new ValidationError(`${where}: longer than ${CUSTOM_LIMITS.patternLength} characters`);
  }
  try {
    return { re: new RE2(pattern, `g${flags}u`), field: where };
  } catch (err) {
    const reason =
      err instanceof Error ? err.message.replace(/^Invalid regular expression: /, '') : String(err);
    throw new ValidationError(
      `${where}: not a regular expression that can run safely (RE2 syntax: no look-arounds or back-references, repetition counts up to 1000): ${reason}`,
    );
  }
}

/** `text` cut after line breaks into pieces of at most SEGMENT_CHARS, with their offsets. */
function segments(text: string): { text: string; offset: number }[] {
  const out: { text: string; offset: number }[] = [];
  let offset = 0;
  while (offset < text.length) {
    const nl = text.indexOf('\n', offset);
    const lineEnd = nl < 0 ? text.length : nl + 1;
    const end = Math.min(lineEnd, offset + SEGMENT_CHARS);
    out.push({ text: text.slice(offset, end), offset });
    offset = end;
  }
  return out;
}

/**
 * Every non-empty match of every term and regex, line by line (see SEGMENT_CHARS). Throws LimitExceededError
 * naming the field when one regex matches more than MAX_CUSTOM_MATCHES times in `text`.
 */
export function findCustom(text: string, custom: CompiledCustomRecognisers): TextDetection[] {
  const out: TextDetection[] = [];
  const pieces = segments(text);
  const run = (regex: SafeRegex, confidence: number, recogniser: string): void => {
    let count = 0;
    for (const piece of pieces) {
      regex.re.lastIndex = 0;
      for (;;) {
        const m = regex.re.exec(piece.text);
        if (!m) break;
        const matched = m[0] ?? '';
        if (matched.length === 0) {
          // An empty match (`x*`) does not move lastIndex: step over it by hand.
          regex.re.lastIndex = m.index + 1;
          if (regex.re.lastIndex > piece.text.length) break;
          continue;
        }
        if (++count > MAX_CUSTOM_MATCHES) {
          throw new LimitExceededError(
            `${regex.field} matched more than ${MAX_CUSTOM_MATCHES} times in one page: a pattern this broad would black out the document`,
          );
        }
        const start = piece.offset + m.index;
        out.push({
          type: 'custom',
          start,
          end: start + matched.length,
          text: matched,
          confidence,
          recogniser,
          ...(regex.label ? { label: regex.label } : {}),
        });
      }
    }
  };
  for (const term of custom.terms) run(term, 1, 'custom-term');
  for (const regex of custom.regexes) run(regex, 0.95, 'custom-regex');
  return out;
}
