import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { makePdf } from './make-pdf';

const exec = promisify(execFile);

/** Lines with known text for OCR tests: words, numbers, punctuation, mixed case. */
export const SCANNED_TEXT_PAGES: readonly string[][] = [
  [
    'Quarterly report of the Quire project',
    'The quick brown fox jumps over the lazy dog.',
    'Invoice 2024-117 was paid on 12 March 2024.',
    'Total due: 1,234.56 EUR including 19% VAT.',
    'Scanned pages become searchable documents.',
  ],
  [
    'Second page: delivery notes and terms',
    'Goods remain our property until paid in full.',
    'Questions? Write to support at example dot org.',
  ],
];

/**
 * A "scanned" PDF: pages with known text rendered by Ghostscript into images (`pdfimage8` device, 300 dpi), so the
 * file has no text layer at all, like a scanner's output. Returns the bytes and the text of each page.
 */
export async function makeScannedPdf(
  pages: readonly string[][] = SCANNED_TEXT_PAGES,
  dpi = 300,
): Promise<{ pdf: Buffer; pageTexts: string[] }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'quire-scan-'));
  try {
    const source = path.join(dir, 'source.pdf');
    const scanned = path.join(dir, 'scanned.pdf');
    await writeFile(source, makePdf(pages.map((lines) => ({ lines: [...lines] }))));
    await exec('gs', [
      '-q',
      '-dSAFER',
      '-dBATCH',
      '-dNOPAUSE',
      '-sDEVICE=pdfimage8',
      `-r${dpi}`,
      `-sOutputFile=${scanned}`,
      source,
    ]);
    return { pdf: await readFile(scanned), pageTexts: pages.map((lines) => lines.join('\n')) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** One page of known text as a grayscale PNG at `dpi` (an image upload, as from a phone or a scanner). */
export async function makeTextPng(lines: readonly string[], dpi = 300): Promise<Buffer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'quire-scan-'));
  try {
    const source = path.join(dir, 'source.pdf');
    const png = path.join(dir, 'page.png');
    await writeFile(source, makePdf([{ lines: [...lines] }]));
    await exec('gs', [
      '-q',
      '-dSAFER',
      '-dBATCH',
      '-dNOPAUSE',
      '-sDEVICE=pnggray',
      `-r${dpi}`,
      `-sOutputFile=${png}`,
      source,
    ]);
    return await readFile(png);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
