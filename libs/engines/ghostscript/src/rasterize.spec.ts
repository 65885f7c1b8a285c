import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancelledError, EncryptedPdfError, LimitExceededError } from '@quire/errors';
import { encryptedPdf } from '@quire/pdf-fixtures';
import { createGhostscript, type Ghostscript } from './ghostscript';
import { imageSizeOf } from './image-size';
import { assertPixelLimit, rasterizePdf, rasterSize, toPageList, type RasterImage } from './rasterize';

const exec = promisify(execFile);
let dir: string;
let gs: Ghostscript;
let sized: string;
/** Page sizes in points of the `sized` fixture, before the rotation of page 2. */
const SIZES: Array<[number, number]> = [
  [300, 400],
  [500, 200],
  [612, 792],
  [100.5, 150.25],
];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'quire-raster-'));
  gs = createGhostscript({ timeoutMs: 30_000 });
  const plain = path.join(dir, 'plain.pdf');
  const program = SIZES.map(
    ([w, h], i) =>
      `<< /PageSize [${w} ${h}] >> setpagedevice /Helvetica findfont 12 scalefont setfont 10 20 moveto (Size ${i + 1}) show showpage`,
  ).join(' ');
  await exec('gs', [
    '-q',
    '-dSAFER',
    '-dBATCH',
    '-dNOPAUSE',
    '-sDEVICE=pdfwrite',
    `-sOutputFile=${plain}`,
    '-c',
    program,
  ]);
  sized = path.join(dir, 'sized.pdf');
  await exec('qpdf', ['--rotate=+90:2', plain, sized]);
});

afterAll(async () => {
  await gs?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('image headers', () => {
  it('reads PNG and JPEG sizes, and refuses anything else', () => {
    const png = Buffer.alloc(33);
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(png);
    png.writeUInt32BE(13, 8);
    png.write('IHDR', 12, 'latin1');
    png.writeUInt32BE(1275, 16);
    png.writeUInt32BE(1650, 20);
    expect(imageSizeOf(png)).toEqual({ format: 'png', width: 1275, height: 1650 });

    // SOI, APP0 (JFIF, 16 bytes), DQT stub (4 bytes), SOF0 (height 600, width 800).
    const jpeg = Buffer.from([
      0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x48, 0x00,
      0x48, 0x00, 0x00, 0xff, 0xdb, 0x00, 0x04, 0x00, 0x00, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x02, 0x58, 0x03,
      0x20, 0x03,
    ]);
    expect(imageSizeOf(jpeg)).toEqual({ format: 'jpeg', width: 800, height: 600 });
    expect(imageSizeOf(jpeg.subarray(0, 30))).toBeUndefined();
    expect(imageSizeOf(Buffer.from('%PDF-1.7 not an image'))).toBeUndefined();
  });
});

describe('page lists and the pixel guard', () => {
  it('folds ascending pages into Ghostscript page lists', () => {
    expect(toPageList([1, 2, 3, 5, 8, 9])).toBe('1-3,5,8-9');
    expect(toPageList([4])).toBe('4');
  });

  it('predicts Ghostscript’s pixel size and refuses pages over the pixel limit before rendering', () => {
    expect(rasterSize(612, 792, 150)).toEqual({ width: 1275, height: 1650 });
    expect(rasterSize(595.276, 841.89, 300)).toEqual({ width: 2480, height: 3508 });
    const pages = [
      { page: 1, width: 612, height: 792 },
      { page: 2, width: 2384, height: 3370 }, // A0
    ];
    expect(() => assertPixelLimit(pages, 150, 50_000_000)).not.toThrow();
    const err = (() => {
      try {
        assertPixelLimit(pages, 300, 50_000_000);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(LimitExceededError);
    expect((err as Error).message).toBe(
      'page 2 would be 9933 × 14042 px at 300 dpi (139.5 megapixels); the limit is 50.0 megapixels per page: choose a lower dpi',
    );
  });
});

describe('rasterizePdf', () => {
  it('renders the selected pages as PNG at page size × dpi, rotation and odd sizes included', async () => {
    // Page 2 is turned by 90°: its displayed size is the other way round.
    const shown: Array<[number, number]> = [SIZES[0], [200, 500], SIZES[2], SIZES[3]];
    const sizes = shown.map(([width, height], i) => ({ page: i + 1, width, height }));
    const out = path.join(dir, 'png');
    const batches: RasterImage[][] = [];
    const images = await rasterizePdf(gs, {
      inputPath: sized,
      outputDir: out,
      pages: [4, 2, 1, 2],
      format: 'png',
      dpi: 100,
      batchSize: 2,
      onBatch: (b) => {
        batches.push(b);
        return Promise.resolve();
      },
    });
    expect(images.map((i) => i.page)).toEqual([1, 2, 4]);
    expect(batches.map((b) => b.map((i) => i.page))).toEqual([[1, 2], [4]]);
    for (const image of images) {
      const size = sizes.find((s) => s.page === image.page)!;
      expect(Math.abs(image.width - (size.width * 100) / 72), `page ${image.page} width`).toBeLessThanOrEqual(
        1,
      );
      expect(
        Math.abs(image.height - (size.height * 100) / 72),
        `page ${image.page} height`,
      ).toBeLessThanOrEqual(1);
      const head = await readFile(image.path);
      expect(imageSizeOf(head)).toEqual({ format: 'png', width: image.width, height: image.height });
      expect(image.bytes).toBe(head.length);
    }
    expect((await readdir(out)).sort()).toEqual(['page-1.png', 'page-2.png', 'page-4.png']);
  });

  it('renders JPEG with the requested quality (higher quality, bigger file)', async () => {
    const render = (quality: number) =>
      rasterizePdf(gs, {
        inputPath: sized,
        outputDir: path.join(dir, `jpeg-${quality}`),
        pages: [3],
        format: 'jpeg',
        dpi: 150,
        quality,
        fileName: (p) => `p${p}.jpg`,
      });
    const [low] = await render(10);
    const [high] = await render(95);
    expect(low).toMatchObject({ page: 3, width: 1275, height: 1650 });
    expect(imageSizeOf(await readFile(high.path))).toEqual({ format: 'jpeg', width: 1275, height: 1650 });
    expect(high.bytes).toBeGreaterThan(low.bytes);
  });

  it('fails an encrypted PDF with a password error and honours cancellation', async () => {
    const locked = await encryptedPdf(sized, path.join(dir, 'locked.pdf'), 'user');
    await expect(
      rasterizePdf(gs, {
        inputPath: locked,
        outputDir: path.join(dir, 'x'),
        pages: [1],
        format: 'png',
        dpi: 72,
      }),
    ).rejects.toBeInstanceOf(EncryptedPdfError);
    await expect(
      rasterizePdf(gs, {
        inputPath: sized,
        outputDir: path.join(dir, 'y'),
        pages: [1],
        format: 'png',
        dpi: 72,
        signal: AbortSignal.abort(),
      }),
    ).rejects.toBeInstanceOf(CancelledError);
  });
});
