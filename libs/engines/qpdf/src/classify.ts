import {
  CorruptPdfError,
  EncryptedPdfError,
  InternalError,
  LimitExceededError,
  type QuireError,
} from '@quire/errors';

/** What a file is called in messages: `file #2 (b.pdf)` for one input of several, nothing for a lone input. */
export interface LabelledPath {
  path: string;
  label?: string;
}

// qpdf's own messages, mapped to what a person can act on. Order matters: the first match wins.
const REASONS: [RegExp, string][] = [
  [
    /unable to find trailer dictionary|xref not found|can't find startxref/i,
    'its cross-reference table is broken and could not be rebuilt',
  ],
  [
    /unable to find \/Root dictionary|\/Root.*(?:not a dictionary|invalid)/i,
    'the document catalog could not be found',
  ],
  [/Loop detected in \/Pages|\/Count is wrong|pages tree|page tree/i, 'its page tree is broken'],
  [/overflow\/underflow|integer out of range/i, 'a number in it is out of range'],
  [/not a PDF file|can't find PDF header/i, 'it is not a PDF'],
  [
    /\/Encrypt in trailer dictionary is not a dictionary|encryption dictionary/i,
    'its encryption dictionary is invalid',
  ],
];

const PASSWORD = /invalid password/i;
const OUT_OF_MEMORY = /bad_alloc|out of memory/i;
/** Errors about files we passed (missing temp file, permissions): our problem, not the document's. */
const OUR_FILES = /No such file or directory|Permission denied|can't open .* for writing|Is a directory/i;

/** qpdf prefixes errors with "qpdf: <path>: " or "qpdf: <path> (object 5 0, offset 12): "; keep the message part. */
function qpdfErrorLines(stderr: string): string[] {
  return stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.startsWith('qpdf: ') && !/operation succeeded with warnings/.test(l));
}

/** Warnings qpdf printed while repairing ("WARNING: file is damaged"), with paths replaced by labels; for logs and results. */
export function qpdfWarnings(stderr: string, files: readonly LabelledPath[] = []): string[] {
  const lines = stderr
    .split(/\r?\n/)
    .filter((l) => l.startsWith('WARNING: '))
    .map((l) => stripPaths(l.slice('WARNING: '.length), files));
  return [...new Set(lines)].slice(0, 20);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Replaces every known path by its label (or "the PDF"), so temp paths never reach a client. */
function stripPaths(line: string, files: readonly LabelledPath[]): string {
  let out = line;
  for (const f of files) out = out.replace(new RegExp(escapeRegExp(f.path), 'g'), f.label ?? 'the PDF');
  // Any other absolute path (an output or temp file): never shown.
  return out.replace(/(?:^|(?<=\s))\/(?:tmp|var|home|work|root|srv|data|mnt|run)\/[^\s:,)]+/g, 'a file');
}

/** Which input the first error line names; undefined when none does (or there is one input). */
function blamedFile(line: string, files: readonly LabelledPath[]): LabelledPath | undefined {
  // Longest path first: /tmp/x/input-1.pdf must not match /tmp/x/input-10.pdf.
  return [...files].sort((a, b) => b.path.length - a.path.length).find((f) => line.includes(f.path));
}

function shorten(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim().replace(/\.$/, '');
  return t.length > 160 ? `${t.slice(0, 157)}...` : t;
}

/**
 * Turns a failed qpdf run (exit code 2, or anything but 0 and 3) into a QuireError with a client-safe message.
 * `files` are the inputs of the run: the message names the one qpdf blames (`file #2 (b.pdf): …`) and no path
 * leaks. `outputPath` problems and missing files are InternalErrors (ours), not document errors.
 */
export function classifyQpdfFailure(
  stderr: string,
  exitCode: number,
  files: readonly LabelledPath[] = [],
  cause?: unknown,
): QuireError {
  const options = cause === undefined ? {} : { cause };
  const errors = qpdfErrorLines(stderr);
  const first = errors[0] ?? '';
  const blamed = blamedFile(first, files);
  const prefix = blamed?.label ? `${blamed.label}: ` : '';
  if (PASSWORD.test(stderr))
    return new EncryptedPdfError(`${prefix}password required: the PDF is encrypted`, options);
  if (OUT_OF_MEMORY.test(stderr))
    return new LimitExceededError(`${prefix}qpdf ran out of memory on this PDF`, options);
  for (const [pattern, reason] of REASONS) {
    if (pattern.test(first)) return new CorruptPdfError(`${prefix}the PDF is damaged: ${reason}`, options);
  }
  if (first === '')
    return new CorruptPdfError(
      `${prefix}the PDF is damaged: qpdf could not process it (exit code ${exitCode})`,
      options,
    );
  if (OUR_FILES.test(first)) return new InternalError('qpdf could not open a file it was given', options);
  let detail = first.slice('qpdf: '.length);
  if (blamed && detail.startsWith(blamed.path))
    detail = detail.slice(blamed.path.length).replace(/^(?: \([^)]*\))?:\s*/, '');
  return new CorruptPdfError(`${prefix}the PDF is damaged: ${shorten(stripPaths(detail, files))}`, options);
}
