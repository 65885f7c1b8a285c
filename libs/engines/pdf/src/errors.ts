import { CorruptPdfError, EncryptedPdfError, InternalError, QuireError } from '@quire/errors';
import { ChildTaskError } from '@quire/engine-supervisor';

/** pdf.js messages rephrased for people; anything else is passed through, shortened. */
const KNOWN_REASONS: [RegExp, string][] = [
  [/file is empty/i, 'the file is empty (0 bytes)'],
  [/^Invalid PDF structure/i, 'the PDF is damaged: its structure could not be read'],
  [
    /Invalid Root reference|Root dictionary|catalog/i,
    'the PDF is damaged: the document catalog is missing or invalid',
  ],
  [/xref|startxref/i, 'the PDF is damaged: its cross-reference table is broken'],
  [/pages tree|page tree|Pages tree/i, 'the PDF is damaged: its page tree is broken'],
];

export function corruptReason(message: string): string {
  for (const [pattern, reason] of KNOWN_REASONS) if (pattern.test(message)) return reason;
  let short = message.replace(/\s+/g, ' ').trim().replace(/\.$/, '');
  // "Illegal character: 41" reads as part of a sentence; acronyms ("XRef", "PDF") keep their case.
  if (/^[A-Z][a-z]/.test(short)) short = short.charAt(0).toLowerCase() + short.slice(1);
  return `the PDF is damaged: ${short.length > 160 ? `${short.slice(0, 157)}...` : short || 'unknown error'}`;
}

/** Maps what the pdf.js child threw to the Quire error hierarchy; supervisor errors are already QuireErrors. */
export function toPdfError(err: unknown): QuireError {
  if (err instanceof QuireError) return err;
  if (err instanceof ChildTaskError) {
    if (err.remoteName === 'PasswordException') return new EncryptedPdfError(undefined, { cause: err });
    // Node fs errors (ENOENT, EACCES...) are our problem, not the document's.
    if (typeof err.code === 'string' && /^E[A-Z]+$/.test(err.code)) {
      return new InternalError(`could not read the input file (${err.code})`, { cause: err });
    }
    // Anything pdf.js throws while parsing (InvalidPDFException, UnknownErrorException, FormatError, plain Error)
    // is about the bytes it was given.
    return new CorruptPdfError(corruptReason(err.message), { cause: err });
  }
  return new InternalError('internal error', { cause: err });
}
