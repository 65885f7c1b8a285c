/**
 * The MuPDF engine on generated PDFs: characters come back with boxes, a redaction removes the glyphs (pdf.js, an
 * independent reader, no longer finds them) while the rest of the page stays text, and bad input maps to errors.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EncryptedPdfError, LimitExceededError } from '@quire/errors';
import { encryptedPdf, makePdf, makeTextPng, pdfPageTexts } from '@quire/pdf-fixtures';
import { createMupdf, type Mupdf, type Rect } from './index';

const SECRET = 'jane.roe@example.com';

describe('MuPDF engine', () => {
  let mupdf: Mupdf;
  let work: string;
  let digital: string;

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'quire-mupdf-'));
    digital = path.join(work, 'digital.pdf');
    await writeFile(
      digital,
      makePdf([{ lines: [`Write to ${SECRET} today.`, 'Nothing personal here.'] }, { lines: ['Page two.'] }]),
    );
    mupdf = createMupdf({ timeoutMs: 30_000 });
  });
  afterAll(async () => {
    await mupdf?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('reads characters with boxes and removes what lies under a rectangle', async () => {
    const read = await mupdf.read(digital, { maxPages: 10 });
    expect(read.pages).toBe(2);
    const first = read.read?.[0];
    expect(first?.text).toContain(SECRET);
    const at = first?.text.indexOf(SECRET) ?? -1;
    const boxes = first?.boxes ?? [];
    const rect: Rect = [
      boxes[at * 4] ?? 0,
      boxes[at * 4 + 1] ?? 0,
      boxes[(at + SECRET.length - 1) * 4 + 2] ?? 0,
      boxes[(at + SECRET.length - 1) * 4 + 3] ?? 0,
    ];
    expect(rect[2]).toBeGreaterThan(rect[0]);

    const out = path.join(work, 'out.pdf');
    const result = await mupdf.redact(digital, {
      outputPath: out,
      pages: [{ page: 1, rects: [rect] }],
      stripDocumentParts: true,
    });
    expect(result.pagesChanged).toEqual([1]);
    expect(result.removed).toContain('document information (Info)');
    const texts = await pdfPageTexts(out);
    expect(texts[0]).not.toContain('jane');
    expect(texts[0]).toContain('Nothing personal here.');
    expect(texts[1]).toContain('Page two.');
  });

  it('needs the right password for an encrypted PDF', async () => {
    const locked = await encryptedPdf(digital, path.join(work, 'locked.pdf'), 'open-sesame');
    await expect(mupdf.read(locked, { maxPages: 10 })).rejects.toBeInstanceOf(EncryptedPdfError);
    await expect(mupdf.read(locked, { maxPages: 10, password: 'wrong' })).rejects.toThrow(
      /password is wrong/,
    );
    const read = await mupdf.read(locked, { maxPages: 10, password: 'open-sesame' });
    expect(read.encrypted).toBe(true);
    expect(read.read?.[0]?.text).toContain(SECRET);
    const open = path.join(work, 'unlocked.pdf');
    expect(await mupdf.decrypt(locked, { password: 'open-sesame', outputPath: open })).toEqual({
      decrypted: true,
    });
    expect((await mupdf.read(open, { maxPages: 10 })).encrypted).toBe(false);
    expect(await mupdf.decrypt(digital, { password: 'x', outputPath: open })).toEqual({ decrypted: false });
  });

  it('places an image on a page and refuses one over the pixel limit', async () => {
    const png = path.join(work, 'note.png');
    await writeFile(png, await makeTextPng(['Hello'], 100));
    const pdf = path.join(work, 'note.pdf');
    const placed = await mupdf.imageToPdf(png, { outputPath: pdf, maxPixels: 10_000_000 });
    expect(placed.widthPx).toBeGreaterThan(100);
    const read = await mupdf.read(pdf, { maxPages: 1 });
    expect(read.read?.[0]).toMatchObject({ chars: 0 });
    expect(read.read?.[0]?.imageCover).toBeGreaterThan(0.9);
    await expect(mupdf.imageToPdf(png, { outputPath: pdf, maxPixels: 1000 })).rejects.toBeInstanceOf(
      LimitExceededError,
    );
  });
});
