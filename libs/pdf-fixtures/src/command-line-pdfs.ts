/**
 * Builds test PDFs at test time with the Ghostscript and qpdf command lines (no binary fixtures in the repo), and
 * reads them back with poppler's, an implementation independent of ours.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

async function ghostscript(out: string, program: string, extra: string[] = []): Promise<string> {
  await exec('gs', [
    '-q',
    '-dSAFER',
    '-dBATCH',
    '-dNOPAUSE',
    '-sDEVICE=pdfwrite',
    ...extra,
    `-sOutputFile=${out}`,
    '-c',
    program,
  ]);
  return out;
}

/** A small text PDF with `pages` numbered pages: already compact, so compression cannot shrink it. */
export function textPdf(dir: string, name: string, pages: number): Promise<string> {
  return ghostscript(
    path.join(dir, name),
    `/Helvetica findfont 24 scalefont setfont 1 1 ${pages} { 72 700 moveto (Page ) show 3 string cvs show showpage } for`,
  );
}

/**
 * Pages each holding a 500×500 noisy RGB gradient, stored uncompressed: lossless compression shrinks it with
 * Flate, the lossy presets with JPEG.
 */
export function imagePdf(dir: string, name: string, pages: number): Promise<string> {
  const program = `
    /w 500 def /h 500 def /row w 3 mul string def
    1 1 ${pages} { pop
      /y 0 def /DeviceRGB setcolorspace gsave 36 150 translate 540 540 scale
      << /ImageType 1 /Width w /Height h /BitsPerComponent 8 /Decode [0 1 0 1 0 1] /ImageMatrix [w 0 0 h neg 0 h]
         /DataSource { 0 1 w 1 sub { /x exch def
           row x 3 mul x 200 mul w idiv rand 32 mod add 255 min put
           row x 3 mul 1 add y 200 mul h idiv rand 32 mod add 255 min put
           row x 3 mul 2 add x y add 200 mul w h add idiv rand 32 mod add 255 min put } for
           /y y 1 add def row } >> image
      grestore /Helvetica findfont 20 scalefont setfont 72 100 moveto (Image page) show showpage
    } for`;
  return ghostscript(path.join(dir, name), program, ['-dCompressPages=false', '-dEncodeColorImages=false']);
}

/** qpdf AES-256; an empty `userPassword` gives a PDF that opens without one (owner restrictions only). */
export async function encryptedPdf(source: string, out: string, userPassword: string): Promise<string> {
  await exec('qpdf', ['--encrypt', userPassword, 'owner-secret', '256', '--', source, out]);
  return out;
}

export async function truncatedPdf(source: string, out: string, bytes: number): Promise<string> {
  await writeFile(out, (await readFile(source)).subarray(0, bytes));
  return out;
}

/** Page count according to poppler, an implementation independent of ours. */
export async function popplerPages(file: string): Promise<number> {
  const { stdout } = await exec('pdfinfo', [file]);
  return Number(/^Pages:\s+(\d+)/m.exec(stdout)?.[1] ?? NaN);
}

/** Encodings of the images in a PDF per `pdfimages -list` ("jpeg", "image" = Flate/raw, "ccitt"...). */
export async function imageEncodings(file: string): Promise<string[]> {
  const { stdout } = await exec('pdfimages', ['-list', file]);
  return stdout
    .split('\n')
    .slice(2)
    .filter((l) => l.trim())
    .map((l) => l.trim().split(/\s+/)[8] ?? '?');
}
