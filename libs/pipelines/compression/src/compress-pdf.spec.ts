import { copyFile, mkdir, mkdtemp, readdir, readFile, stat, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CancelledError,
  CorruptPdfError,
  EncryptedPdfError,
  EngineTimeoutError,
  ValidationError,
} from '@quire/errors';
import {
  COMPRESSION_PRESETS,
  createGhostscript,
  type CompressionPreset,
  type Ghostscript,
} from '@quire/engine-ghostscript';
import { createPdfEngine, type PdfEngine } from '@quire/engine-pdf';
import {
  encryptedPdf,
  imageEncodings,
  imagePdf,
  popplerPages,
  textPdf,
  truncatedPdf,
} from '@quire/pdf-fixtures';
import { compressPdf, COMPRESSION_STAGES, type CompressionProgress } from './compress-pdf';

let dir: string;
let out: string;
let gs: Ghostscript;
let pdf: PdfEngine;
const fx = {
  text: '',
  images: '',
  userPw: '',
  emptyPw: '',
  truncated: '',
  garbage: '',
  empty: '',
  oddName: '',
};

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'quire-compress-'));
  out = path.join(dir, 'out');
  await mkdir(out);
  gs = createGhostscript({ timeoutMs: 30_000 });
  pdf = createPdfEngine();
  const warm = Promise.all([gs.warmup(), pdf.warmup()]);
  fx.text = await textPdf(dir, 'text.pdf', 4);
  fx.images = await imagePdf(dir, 'images.pdf', 3);
  fx.userPw = await encryptedPdf(fx.text, path.join(dir, 'user-pw.pdf'), 'user');
  fx.emptyPw = await encryptedPdf(fx.images, path.join(dir, 'empty-pw.pdf'), '');
  fx.truncated = await truncatedPdf(fx.images, path.join(dir, 'truncated.pdf'), 200_000);
  fx.garbage = path.join(dir, 'garbage.pdf');
  await writeFile(fx.garbage, Buffer.alloc(5000, 0x5a));
  fx.empty = path.join(dir, 'empty.pdf');
  await writeFile(fx.empty, '');
  fx.oddName = path.join(dir, 'Q3 report (final) 100% “ok”.pdf');
  await copyFile(fx.images, fx.oddName);
  await warm;
  // Eight fixtures made by Ghostscript and qpdf plus two engine warm-ups: ~3 s alone, far more on a loaded CI box.
}, 60_000);

afterAll(async () => {
  await Promise.all([gs.close(), pdf.close()]);
  await rm(dir, { recursive: true, force: true });
});

const size = async (file: string): Promise<number> => (await stat(file)).size;

describe('compressPdf', () => {
  it.each(COMPRESSION_PRESETS)(
    '%s: shrinks an image-heavy PDF and keeps every page',
    async (preset: CompressionPreset) => {
      const target = path.join(out, `images-${preset}.pdf`);
      const result = await compressPdf(gs, { inputPath: fx.images, outputPath: target, preset, pdf });
      const inputBytes = await size(fx.images);
      expect(result).toMatchObject({ inputBytes, pages: 3, preset, keptOriginal: false });
      expect(result.outputBytes).toBe(await size(target));
      expect(result.outputBytes).toBeLessThan(inputBytes);
      expect(result.ratio).toBeCloseTo(result.outputBytes / inputBytes, 10);
      expect(await popplerPages(target)).toBe(3);
      // lossless must never re-encode an image as JPEG; the lossy presets do.
      const encodings = await imageEncodings(target);
      expect(encodings).toHaveLength(3);
      if (preset === 'lossless') expect(encodings.every((e) => e !== 'jpeg')).toBe(true);
      else expect(encodings.every((e) => e === 'jpeg')).toBe(true);
    },
  );

  it('keeps the original when Ghostscript cannot make it smaller', async () => {
    const target = path.join(out, 'text.pdf');
    const result = await compressPdf(gs, { inputPath: fx.text, outputPath: target, preset: 'lossless', pdf });
    expect(result).toMatchObject({ pages: 4, keptOriginal: true, ratio: 1 });
    expect(await readFile(target)).toEqual(await readFile(fx.text));
  });

  it('reports progress through the five weighted stages, page by page, ending at 100', async () => {
    const events: CompressionProgress[] = [];
    await compressPdf(gs, {
      inputPath: fx.images,
      outputPath: path.join(out, 'progress.pdf'),
      preset: 'ebook',
      pdf,
      onProgress: (p) => events.push(p),
    });
    expect([...new Set(events.map((e) => e.stage))]).toEqual(COMPRESSION_STAGES.map((s) => s.stage));
    const percents = events.map((e) => e.percent);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(percents.at(-1)).toBe(100);
    expect(events.filter((e) => e.stage === 'compression' && e.current).map((e) => e.current)).toEqual([
      1, 2, 3,
    ]);
    expect(events.find((e) => e.stage === 'optimization')?.percent).toBe(90);
  });

  it('compresses in place and with awkward file names', async () => {
    const inPlace = path.join(dir, 'in-place.pdf');
    await copyFile(fx.images, inPlace);
    const result = await compressPdf(gs, { inputPath: inPlace, outputPath: inPlace, preset: 'screen', pdf });
    expect(await size(inPlace)).toBe(result.outputBytes);
    expect(await popplerPages(inPlace)).toBe(3);
    const odd = await compressPdf(gs, {
      inputPath: fx.oddName,
      outputPath: path.join(out, 'odd (1) 50%.pdf'),
      preset: 'ebook',
      pdf,
    });
    expect(odd.pages).toBe(3);
    expect(await popplerPages(path.join(out, 'odd (1) 50%.pdf'))).toBe(3);
  });

  it('compresses a PDF encrypted with an empty user password', async () => {
    const result = await compressPdf(gs, {
      inputPath: fx.emptyPw,
      outputPath: path.join(out, 'empty-pw.pdf'),
      preset: 'ebook',
      pdf,
    });
    expect(result.pages).toBe(3);
    expect(result.outputBytes).toBeLessThan(result.inputBytes);
  });

  it('refuses a PDF that needs a password', async () => {
    const err = await compressPdf(gs, {
      inputPath: fx.userPw,
      outputPath: path.join(out, 'x.pdf'),
      pdf,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EncryptedPdfError);
    expect((err as Error).message).toBe('password required: the PDF is encrypted');
  });

  it.each([
    ['truncated', 'truncated', /^the PDF is damaged/],
    ['garbage', 'garbage', /^the PDF is damaged/],
    ['zero-byte', 'empty', /^the file is empty \(0 bytes\)$/],
  ] as const)('fails a %s file with CorruptPdfError', async (_label, key, message) => {
    const err = await compressPdf(gs, { inputPath: fx[key], outputPath: path.join(out, 'x.pdf'), pdf }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CorruptPdfError);
    expect((err as Error).message).toMatch(message);
  });

  it('derives the Ghostscript deadline from the input when given a function', async () => {
    const seen: { pages: number; bytes: number }[] = [];
    const err = await compressPdf(gs, {
      inputPath: fx.images,
      outputPath: path.join(out, 'x.pdf'),
      pdf,
      timeoutMs: (input) => {
        seen.push(input);
        return 1; // far too short for three pages
      },
    }).catch((e: unknown) => e);
    expect(seen).toEqual([{ pages: 3, bytes: await size(fx.images) }]);
    expect(err).toBeInstanceOf(EngineTimeoutError);
    expect((err as Error).message).toBe('ghostscript timed out after 0.001 s');
  });

  it('rejects an unknown preset', async () => {
    await expect(
      compressPdf(gs, {
        inputPath: fx.images,
        outputPath: path.join(out, 'x.pdf'),
        preset: 'tiny' as CompressionPreset,
        pdf,
      }),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it('can be cancelled, before or during the Ghostscript run', async () => {
    await expect(
      compressPdf(gs, {
        inputPath: fx.images,
        outputPath: path.join(out, 'x.pdf'),
        pdf,
        signal: AbortSignal.abort(),
      }),
    ).rejects.toBeInstanceOf(CancelledError);
    const controller = new AbortController();
    const err = await compressPdf(gs, {
      inputPath: fx.images,
      outputPath: path.join(out, 'cancelled.pdf'),
      preset: 'ebook',
      pdf,
      signal: controller.signal,
      // Page 1 is reported by the running Ghostscript, so this kills its child mid-document.
      onProgress: (p) => {
        if (p.stage === 'compression' && p.current === 1) controller.abort();
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledError);
    expect(gs.stats().totals.cancelled).toBeGreaterThanOrEqual(1);
  });

  it('leaves no partial files behind', async () => {
    expect((await readdir(out)).filter((f) => f.endsWith('.part'))).toEqual([]);
  });
});
