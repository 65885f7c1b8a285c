import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CorruptPdfError, ValidationError } from '@quire/errors';
import { makeTextPng } from '@quire/pdf-fixtures';
import { createTesseract, type Tesseract } from './tesseract-engine';
import { characterErrorRate } from './text-accuracy';

const exec = promisify(execFile);
const LINES = [
  'The quick brown fox jumps over the lazy dog.',
  'Invoice 2024-117: total 1,234.56 EUR',
  'Scanned pages become searchable.',
];
let dir: string;
let tess: Tesseract;
let png: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'quire-tess-'));
  tess = createTesseract({ timeoutMs: 60_000 });
  png = path.join(dir, 'page.png');
  await writeFile(png, await makeTextPng(LINES));
});
afterAll(async () => {
  await tess?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('tesseract engine (tesseract.js with offline language packs)', () => {
  it('lists the installed languages', () => {
    expect(tess.languages).toEqual(expect.arrayContaining(['eng', 'deu', 'fra']));
    expect(tess.languages).not.toContain('osd');
  });

  it('reads a rendered page within 2 % character error rate and writes a text-only PDF of the page size', async () => {
    const layer = path.join(dir, 'layer.pdf');
    const result = await tess.recognize(png, {
      languages: ['eng'],
      dpi: 300,
      pdfPath: layer,
    });
    expect(characterErrorRate(result.text, LINES.join('\n'))).toBeLessThan(0.02);
    expect(result.confidence).toBeGreaterThan(80);
    expect(result.words).toBe(LINES.join(' ').split(' ').length);
    const { stdout } = await exec('pdfinfo', [layer]);
    expect(stdout).toMatch(/Page size:\s+612 x 792 pts/);
    const { stdout: text } = await exec('pdftotext', [layer, '-']);
    expect(characterErrorRate(text, LINES.join('\n'))).toBeLessThan(0.02);
  });

  it('detects a page turned by 90° when asked to', async () => {
    const rotated = path.join(dir, 'rotated.png');
    // Rotate with Ghostscript: render the PNG's source again, landscape (the page content turned 90°).
    await exec('gs', [
      '-q',
      '-dSAFER',
      '-dBATCH',
      '-dNOPAUSE',
      '-sDEVICE=pnggray',
      '-r150',
      `-sOutputFile=${rotated}`,
      '-c',
      `<</PageSize [792 612]>> setpagedevice 792 0 translate 90 rotate /Helvetica findfont 14 scalefont setfont ${LINES.map((l, i) => `72 ${740 - i * 20} moveto (${l}) show`).join(' ')} showpage`,
    ]);
    const plain = await tess.recognize(rotated, { languages: ['eng'], dpi: 150 });
    expect(plain.orientation).toBe(0);
    const detected = await tess.recognize(rotated, { languages: ['eng'], dpi: 150, detectOrientation: true });
    expect(detected.orientation).toBe(90);
    const upright = await tess.recognize(png, { languages: ['eng'], detectOrientation: true });
    expect(upright.orientation).toBe(0);
  });

  it('rejects a language that is not installed, naming the installed ones', async () => {
    await expect(tess.recognize(png, { languages: ['xyz'] })).rejects.toThrow(ValidationError);
    await expect(tess.recognize(png, { languages: ['xyz'] })).rejects.toThrow(
      /not installed: xyz \(installed: .*eng/,
    );
  });

  it('fails a damaged image with a readable reason, and keeps serving', async () => {
    const bad = path.join(dir, 'bad.png');
    await writeFile(bad, Buffer.concat([(await readFile(png)).subarray(0, 200)]));
    await expect(tess.recognize(bad, { languages: ['eng'] })).rejects.toThrow(CorruptPdfError);
    const again = await tess.recognize(png, { languages: ['eng'] });
    expect(again.words).toBeGreaterThan(5);
  });
});
