/** Test PDFs built at test time with the Ghostscript and qpdf command lines, and pdf.js to read them back. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

export const exec = promisify(execFile);

/**
 * `pages` pages saying "<prefix> page N", with a /Title and, optionally, one bookmark per page ("<prefix> chapter N").
 */
export async function labelledPdf(
  dir: string,
  name: string,
  pages: number,
  options: { prefix: string; title?: string; outline?: boolean },
): Promise<string> {
  const out = path.join(dir, name);
  const { prefix, title = `${prefix} document`, outline = false } = options;
  const marks = outline
    ? `1 1 ${pages} { /n exch def [ /Title (${prefix} chapter ) n 3 string cvs concatstrings /Page n /OUT pdfmark } for`
    : '';
  const program =
    `/concatstrings { exch dup length 2 index length add string dup dup 4 2 roll copy length 4 -1 roll putinterval } def ` +
    `[ /Title (${title}) /Author (Quire tests) /DOCINFO pdfmark /Helvetica findfont 24 scalefont setfont ` +
    `1 1 ${pages} { 72 700 moveto (${prefix} page ) show 3 string cvs show showpage } for ${marks}`;
  await exec('gs', [
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

/** qpdf AES-256 with a user password (so it cannot be opened without it). */
export async function lockedPdf(source: string, out: string): Promise<string> {
  await exec('qpdf', ['--encrypt', 'user-secret', 'owner-secret', '256', '--', source, out]);
  return out;
}

/** Document title (Info) and the number of top-level bookmarks, read with qpdf's JSON. */
export async function metadataOf(file: string): Promise<{ title: string | undefined; outlines: number }> {
  const { stdout } = await exec('qpdf', ['--json=2', '--json-key=outlines', '--json-key=qpdf', file], {
    maxBuffer: 64 * 1024 * 1024,
  });
  const json = JSON.parse(stdout) as {
    outlines: unknown[];
    qpdf: [unknown, Record<string, { value?: Record<string, unknown> }>];
  };
  const objects = json.qpdf[1];
  const trailer = objects.trailer?.value as { '/Info'?: string } | undefined;
  const info = trailer?.['/Info'] ? objects[`obj:${trailer['/Info']}`]?.value : undefined;
  const raw = info?.['/Title'];
  return {
    title: typeof raw === 'string' ? raw.replace(/^u:/, '') : undefined,
    outlines: json.outlines.length,
  };
}
