import {
  CorruptPdfError,
  EncryptedPdfError,
  InternalError,
  LimitExceededError,
  type QuireError,
} from '@quire/errors';

/**
 * What Ghostscript 10.0 prints when it cannot use a document. It exits 0 for most of these (an encrypted file,
 * a file whose catalog is missing): the text, not the exit status, says whether anything was processed.
 */
// Not "File may not be possible to decrypt": Ghostscript prints it for a missing /ID and then decrypts fine.
const PASSWORD = /requires a password|password (?:is )?required|invalid password/i;
const NO_PAGES =
  /No pages will be processed|Couldn't initiali[sz]e file|Catalog dictionary not located|PDF document has no pages|Failed to read (?:enough|any) bytes/i;
const OUT_OF_MEMORY = /\/VMerror|out of memory/i;
const FILE_ACCESS = /\/undefinedfilename|\/invalidfileaccess/;

const DAMAGE_DETAILS: [RegExp, string][] = [
  [/Failed to read (?:enough|any) bytes/i, 'the file is empty or too short'],
  [/Catalog dictionary not located|Root|catalog/i, 'the document catalog could not be found'],
  [/startxref|xref/i, 'its cross-reference table is broken'],
  [/PDF document has no pages/i, 'it has no pages'],
];

/** Lines worth keeping from a run that succeeded ("repaired", "Output may be incorrect"...), for the logs. */
export function ghostscriptWarnings(output: string): string[] {
  const lines = output
    .split(/\r?\n/)
    .map((l) => l.replace(/^\s*\*{4}\s*/, '').trim())
    .filter((l) => /^(?:Error|Warning):|repaired|may be incorrect|ignoring/i.test(l));
  return [...new Set(lines)].slice(0, 50);
}

function damageDetail(output: string): string | undefined {
  for (const [pattern, detail] of DAMAGE_DETAILS) if (pattern.test(output)) return detail;
  return undefined;
}

function firstPostScriptError(output: string): string | undefined {
  return /Error: (\/\w+) in /.exec(output)?.[1];
}

/** The first "   **** Error: ..." line; anchored so the same text quoted in a PostScript stack dump is not taken. */
function firstInterpreterError(output: string): string | undefined {
  const line = /^\s*\*{4} Error: (.+)$/m.exec(output)?.[1]?.trim().replace(/\.$/, '');
  return line && line.length <= 120 ? line : undefined;
}

/** "Page drawing error" → "page drawing error", but "PDF interpreter…" keeps its acronym. */
function lowerFirst(text: string): string {
  return /^[A-Z][a-z]/.test(text) ? text.charAt(0).toLowerCase() + text.slice(1) : text;
}

/**
 * Turns a Ghostscript run into a QuireError, or `undefined` when the run is fine (including runs with "repaired"
 * warnings). `exitCode` is libgs's negative error code when it failed, `undefined` when it returned normally;
 * `cause` becomes the error's internal cause (Ghostscript's output, for the logs).
 */
export function classifyGhostscriptRun(
  output: string,
  exitCode?: number,
  cause?: unknown,
): QuireError | undefined {
  const options = cause === undefined ? {} : { cause };
  if (PASSWORD.test(output)) return new EncryptedPdfError(undefined, options);
  if (OUT_OF_MEMORY.test(output))
    return new LimitExceededError('Ghostscript ran out of memory on this PDF', options);
  if (NO_PAGES.test(output)) {
    const detail = damageDetail(output);
    return new CorruptPdfError(
      `the PDF is damaged: no pages could be read${detail ? ` (${detail})` : ''}`,
      options,
    );
  }
  if (exitCode === undefined) return undefined;
  // Reading a file we were told to read failed: a path or permission problem on our side, not the document.
  if (FILE_ACCESS.test(output))
    return new InternalError('Ghostscript could not open a file it was given', options);
  const interpreterError = firstInterpreterError(output);
  if (interpreterError) {
    return new CorruptPdfError(`the PDF is damaged: ${lowerFirst(interpreterError)}`, options);
  }
  const psError = firstPostScriptError(output);
  return new CorruptPdfError(
    `the PDF is damaged: Ghostscript could not interpret it${psError ? ` (${psError})` : ` (error code ${exitCode})`}`,
    options,
  );
}
