import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CancelledError,
  CorruptPdfError,
  EncryptedPdfError,
  InternalError,
  LimitExceededError,
} from '@quire/errors';
import { encryptedPdf, textPdf, truncatedPdf } from './__fixtures__/make-pdfs';
import {
  closeDefaultPdfEngine,
  countPages,
  createPdfEngine,
  defaultPdfEngine,
  inspectPdf,
  type PdfEngine,
} from './pdf-engine';

let dir: string;
let engine: PdfEngine;
const fx = { three: '', userPw: '', emptyPw: '', truncated: '', garbage: '', empty: '' };

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'quire-pdf-'));
  engine = createPdfEngine({ timeoutMs: 20_000 });
  const warm = engine.warmup();
  fx.three = await textPdf(dir, 'three pages (1).pdf', 3, 'Quarterly report');
  fx.userPw = await encryptedPdf(fx.three, path.join(dir, 'user-pw.pdf'), 'user');
  fx.emptyPw = await encryptedPdf(fx.three, path.join(dir, 'empty-pw.pdf'), '');
  fx.truncated = await truncatedPdf(fx.three, path.join(dir, 'truncated.pdf'), 400);
  fx.garbage = path.join(dir, 'garbage.pdf');
  await writeFile(fx.garbage, Buffer.from('this is not a PDF at all, just some words\n'.repeat(40)));
  fx.empty = path.join(dir, 'empty.pdf');
  await writeFile(fx.empty, '');
  await warm;
});

afterAll(async () => {
  await engine.close();
  await closeDefaultPdfEngine();
  await rm(dir, { recursive: true, force: true });
});

describe('inspectPdf', () => {
  it('reports pages, version, title and encryption of a readable PDF', async () => {
    expect(await engine.inspect(fx.three)).toEqual({
      pages: 3,
      encrypted: false,
      pdfVersion: '1.7',
      title: 'Quarterly report',
    });
    expect(await engine.countPages(fx.three)).toBe(3);
  });

  it('reports the size of requested pages (rotation applied) only when asked', async () => {
    const rotated = path.join(dir, 'rotated.pdf');
    await promisify(execFile)('qpdf', ['--rotate=+90:2', fx.three, rotated]);
    expect((await engine.inspect(rotated)).pageSizes).toBeUndefined();
    const info = await engine.inspect(rotated, {
      pageSizes: [{ start: 2, end: 3 }, { start: 3 }, { start: 9 }],
    });
    // Ghostscript's default paper (A4 or Letter, from the system's papersize) is portrait; page 2 is turned.
    const [second, third] = info.pageSizes!;
    expect(third).toMatchObject({ page: 3 });
    expect([595, 612]).toContain(third.width);
    expect(second).toEqual({ page: 2, width: third.height, height: third.width });
    expect(info.pageSizes).toHaveLength(2);
    // Over the page limit: no sizes are read (the inspection fails on the limit instead).
    await expect(engine.inspect(rotated, { pageSizes: [{ start: 1 }], maxPages: 2 })).rejects.toBeInstanceOf(
      LimitExceededError,
    );
  });

  it('reads the text layer of requested pages only when asked (empty for a page without text)', async () => {
    expect((await engine.inspect(fx.three)).pageTexts).toBeUndefined();
    const info = await engine.inspect(fx.three, { pageTexts: [{ start: 2 }] });
    expect(info.pageTexts?.map((t) => t.page)).toEqual([2, 3]);
    expect(info.pageTexts?.[0].text.replace(/\s+/g, ' ').trim()).toBe('Page 2');
    const scanned = path.join(dir, 'scanned.pdf');
    await promisify(execFile)('gs', [
      '-q',
      '-dSAFER',
      '-dBATCH',
      '-dNOPAUSE',
      '-sDEVICE=pdfimage8',
      '-r72',
      `-sOutputFile=${scanned}`,
      fx.three,
    ]);
    expect((await engine.inspect(scanned, { pageTexts: [{ start: 1, end: 1 }] })).pageTexts).toEqual([
      { page: 1, text: '' },
    ]);
  });

  it('opens a PDF encrypted with an empty user password and says it is encrypted', async () => {
    expect(await engine.inspect(fx.emptyPw)).toMatchObject({ pages: 3, encrypted: true });
  });

  it('throws EncryptedPdfError when a user password is needed', async () => {
    const err = await engine.inspect(fx.userPw).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EncryptedPdfError);
    expect((err as Error).message).toBe('password required: the PDF is encrypted');
  });

  it.each([
    ['truncated', 'truncated', /^the PDF is damaged: /],
    ['garbage', 'garbage', /^the PDF is damaged: /],
    ['zero-byte', 'empty', /^the file is empty \(0 bytes\)$/],
  ] as const)('throws CorruptPdfError with a readable reason for a %s file', async (_label, key, message) => {
    const err = await engine.inspect(fx[key]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptPdfError);
    expect((err as Error).message).toMatch(message);
  });

  it('enforces the page limit', async () => {
    const err = await engine.inspect(fx.three, { maxPages: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LimitExceededError);
    expect((err as Error).message).toBe('the PDF has 3 pages; the limit is 2');
  });

  it('reports a missing file as an internal error, not a corrupt document', async () => {
    await expect(engine.inspect(path.join(dir, 'nope.pdf'))).rejects.toBeInstanceOf(InternalError);
  });

  it('honours an AbortSignal', async () => {
    await expect(engine.inspect(fx.three, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(
      CancelledError,
    );
    expect(await engine.countPages(fx.three)).toBe(3);
  });

  it('has free functions backed by a lazily started default engine', async () => {
    expect(await countPages(fx.three)).toBe(3);
    expect((await inspectPdf(fx.three)).pages).toBe(3);
    expect(defaultPdfEngine().stats().children).toHaveLength(1);
    await closeDefaultPdfEngine();
    expect(await countPages(fx.three, { engine })).toBe(3);
  });
});

describe('text items with positions and embedded files', () => {
  it('returns each page’s text items with their baseline position and the page height, bounded per page', async () => {
    const info = await engine.inspect(fx.three, { pageItems: [{ start: 2, end: 3 }] });
    expect(info.pageItems?.map((p) => p.page)).toEqual([2, 3]);
    const [page2] = info.pageItems ?? [];
    expect(page2).toMatchObject({ width: 595, height: 842 }); // Ghostscript's default A4
    const text = page2?.items.map((i) => i.str).join('');
    expect(text.replace(/\s+/g, '')).toBe('Page2');
    // Drawn at (72, 700) from the bottom-left: transform[4..5] is that origin.
    const first = page2?.items.find((i) => i.str.trim() !== '');
    expect(first?.transform[4]).toBeCloseTo(72, 0);
    expect(first?.transform[5]).toBeCloseTo(700, 0);

    const capped = await engine.inspect(fx.three, { pageItems: [{ start: 1, end: 1 }], maxItemsPerPage: 1 });
    expect(capped.pageItems?.[0]?.items).toHaveLength(1);
  });

  it('reports where a page paints images, in top-left points, only when asked', async () => {
    const out = path.join(dir, 'image.pdf');
    // A 2×2 grey image scaled to 200×50 pt at (100, 600) from the bottom-left of an A4 page.
    const program =
      'gsave 100 600 translate 200 50 scale 2 2 8 [2 0 0 2 0 0] {<00ff00ff>} image grestore ' +
      '/Helvetica findfont 12 scalefont setfont 72 700 moveto (text) show showpage';
    await promisify(execFile)('gs', [
      '-q',
      '-dSAFER',
      '-dBATCH',
      '-dNOPAUSE',
      '-sDEVICE=pdfwrite',
      `-sOutputFile=${out}`,
      '-c',
      program,
    ]);
    const info = await engine.inspect(out, { pageImages: [{ start: 1 }] });
    const [box] = info.pageImages?.[0]?.boxes ?? [];
    expect(info.pageImages).toHaveLength(1);
    expect(box?.x).toBeCloseTo(100, 0);
    expect(box?.y).toBeCloseTo(842 - 650, 0);
    expect(box?.width).toBeCloseTo(200, 0);
    expect(box?.height).toBeCloseTo(50, 0);
    expect((await engine.inspect(fx.three, { pageImages: [{ start: 1, end: 1 }] })).pageImages).toEqual([
      { page: 1, boxes: [] },
    ]);
    expect((await engine.inspect(out)).pageImages).toBeUndefined();
  });

  it('reads embedded files as text up to a byte cap (a Factur-X XML rides as one)', async () => {
    const xml = path.join(dir, 'factur-x.xml');
    await writeFile(xml, '<?xml version="1.0"?><rsm:CrossIndustryInvoice xmlns:rsm="x"/>');
    const withXml = path.join(dir, 'with-attachment.pdf');
    await promisify(execFile)('qpdf', [fx.three, '--add-attachment', xml, '--', withXml]);
    const info = await engine.inspect(withXml, { attachments: { maxBytes: 1024 } });
    expect(info.attachments).toEqual([
      {
        name: 'factur-x.xml',
        bytes: 62,
        text: '<?xml version="1.0"?><rsm:CrossIndustryInvoice xmlns:rsm="x"/>',
      },
    ]);
    const capped = await engine.inspect(withXml, { attachments: { maxBytes: 10 } });
    expect(capped.attachments).toEqual([{ name: 'factur-x.xml', bytes: 62 }]);
    expect((await engine.inspect(fx.three, { attachments: { maxBytes: 1024 } })).attachments).toEqual([]);
  });
});
