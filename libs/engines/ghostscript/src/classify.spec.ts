import { describe, expect, it } from 'vitest';
import { CorruptPdfError, EncryptedPdfError, InternalError, LimitExceededError } from '@quire/errors';
import { classifyGhostscriptRun, ghostscriptWarnings } from './classify';

// Real Ghostscript 10.0 output, trimmed.
const ENCRYPTED = `GPL Ghostscript 10.00.0: \n   **** This file requires a password for access.\n   **** Error: Couldn't initialise file.\n               Output may be incorrect.\n   No pages will be processed (FirstPage > LastPage).\n`;
const NO_CATALOG = `Catalog dictionary not located in file, unable to proceed\n   **** Error: Couldn't initialise file.\n               Output may be incorrect.\n   No pages will be processed (FirstPage > LastPage).\n`;
const REPAIRED = `The following errors were encountered at least once while processing this file:\n\tno startxref token found\n\tPDF file was repaired\n\n   **** This file had errors that were repaired or ignored.\n   **** Please notify the author of the software that produced this\n`;
const STACK_DUMP = `Error: /undefined in --runpdf--\nAdditional information: [/PageSize [595 2147483647]]\nOperand stack:\n   --nostringval--   false   (   **** Error: PDF interpreter encountered an error processing the file.\\n)\nExecution stack:\n   %interp_exit   .runexec2\nGPL Ghostscript 10.00.0: Unrecoverable error, exit code 1\n`;
const DECRYPT_WARNING = `GPL Ghostscript 10.00.0: \n   **** Error: ID key in the trailer is required for encrypted files.\nGPL Ghostscript 10.00.0:                File may not be possible to decrypt.\n`;

describe('classifyGhostscriptRun', () => {
  it('an encrypted file (Ghostscript exits 0) is EncryptedPdfError', () => {
    const err = classifyGhostscriptRun(ENCRYPTED);
    expect(err).toBeInstanceOf(EncryptedPdfError);
    expect(err?.message).toBe('password required: the PDF is encrypted');
  });

  it('a file without a catalog (exit 0, no pages) is CorruptPdfError with a reason', () => {
    const err = classifyGhostscriptRun(NO_CATALOG);
    expect(err).toBeInstanceOf(CorruptPdfError);
    expect(err?.message).toBe(
      'the PDF is damaged: no pages could be read (the document catalog could not be found)',
    );
  });

  it('repaired files and decryptable files with a missing /ID are not failures', () => {
    expect(classifyGhostscriptRun(REPAIRED)).toBeUndefined();
    expect(classifyGhostscriptRun(DECRYPT_WARNING)).toBeUndefined();
    expect(ghostscriptWarnings(REPAIRED)).toContain('This file had errors that were repaired or ignored.');
  });

  it('an unrecoverable error names the PostScript error, not text quoted in the stack dump', () => {
    const err = classifyGhostscriptRun(STACK_DUMP, -100);
    expect(err).toBeInstanceOf(CorruptPdfError);
    expect(err?.message).toBe('the PDF is damaged: Ghostscript could not interpret it (/undefined)');
  });

  it('an interpreter error line becomes the reason', () => {
    const err = classifyGhostscriptRun('   **** Error: Page drawing error occurred.\n', -100);
    expect(err?.message).toBe('the PDF is damaged: page drawing error occurred');
  });

  it('memory and file-access failures are not blamed on the document', () => {
    expect(classifyGhostscriptRun('Error: /VMerror in --image--\n', -25)).toBeInstanceOf(LimitExceededError);
    expect(classifyGhostscriptRun('Error: /undefinedfilename in (x.pdf)\n', -100)).toBeInstanceOf(
      InternalError,
    );
  });

  it('keeps the cause it is given', () => {
    const cause = { stderr: 'x' };
    expect(classifyGhostscriptRun(ENCRYPTED, undefined, cause)?.cause).toBe(cause);
  });
});
