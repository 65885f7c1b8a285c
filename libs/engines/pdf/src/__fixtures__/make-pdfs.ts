/** Builds test PDFs at test time with the Ghostscript and qpdf command lines (no binary fixtures in the repo). */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A text PDF with `pages` numbered pages and a /Title. */
export async function textPdf(
  dir: string,
  name: string,
  pages: number,
  title = 'Quire test',
): Promise<string> {
  const out = path.join(dir, name);
  const program = `[ /Title (${title}) /DOCINFO pdfmark /Helvetica findfont 24 scalefont setfont 1 1 ${pages} { 72 700 moveto (Page ) show 3 string cvs show showpage } for`;
  await run('gs', [
    '-q',
    '-dSAFER',
    '-dBATCH',
    '-dNOPAUSE',
    '-sDEVICE=pdfwrite',
    `-sOutputFile=${out}`,
    '-c',
    program,
  ]);
  return out;
}

/** qpdf AES-256; an empty `userPassword` gives a PDF that opens without one (owner restrictions only). */
export async function encryptedPdf(source: string, out: string, userPassword: string): Promise<string> {
  await run('qpdf', ['--encrypt', userPassword, 'owner-secret', '256', '--', source, out]);
  return out;
}

export async function truncatedPdf(source: string, out: string, bytes: number): Promise<string> {
  await writeFile(out, (await readFile(source)).subarray(0, bytes));
  return out;
}
