/**
 * Image inputs for the job types that take images (the robustness corpus holds PDFs only): a decompression bomb over
 * every pixel limit, a PNG whose header lies about its size, a truncated JPEG, a TIFF header with nothing behind it,
 * and one good scan, written to `dir`.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import { makeTextPng } from '@quire/pdf-fixtures';

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body));
  return Buffer.concat([head, body, crc]);
}

/** A grayscale PNG of `width` × `height` zero pixels; `rows` of image data (fewer than `height` = a lying header). */
async function png(width: number, height: number, rows = height): Promise<Buffer> {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // grayscale
  // Deflate the raw scanlines (filter byte + pixels) in slices: the whole image never sits in memory.
  const deflate = zlib.createDeflate({ level: 9 });
  const out: Buffer[] = [];
  deflate.on('data', (b: Buffer) => out.push(b));
  const row = Buffer.alloc(width + 1);
  const rowsPerWrite = Math.max(1, Math.floor((8 * 1024 * 1024) / row.length));
  const slice = Buffer.alloc(row.length * rowsPerWrite);
  const ended = new Promise((resolve, reject) => {
    deflate.once('end', resolve);
    deflate.once('error', reject);
  });
  for (let done = 0; done < rows; done += rowsPerWrite) {
    const n = Math.min(rowsPerWrite, rows - done);
    // Every slice is the same zero buffer: queued writes cost no memory.
    if (!deflate.write(n === rowsPerWrite ? slice : slice.subarray(0, n * row.length)))
      await new Promise((resolve) => deflate.once('drain', resolve));
  }
  deflate.end();
  await ended;
  const idat = Buffer.concat(out);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', idat),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export async function writeHostileImages(dir: string): Promise<string[]> {
  const good = await makeTextPng(['Invoice 2026-0042', 'Total 123.45 EUR'], 150);
  const files: Array<[string, Buffer]> = [
    ['good-scan.png', good],
    // 20 000 × 20 000 = 400 megapixels (above every worker's pixel limit), about 400 KB on the wire.
    ['bomb-400-megapixels.png', await png(20_000, 20_000)],
    // Claims 60 000 × 60 000, carries ten rows.
    ['lying-header.png', await png(60_000, 60_000, 10)],
    ['truncated.jpg', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01])],
    ['empty-tiff.tif', Buffer.from('II*\0\x08\0\0\0', 'latin1')],
    ['truncated-scan.png', good.subarray(0, Math.floor(good.length / 2))],
  ];
  const paths: string[] = [];
  for (const [name, data] of files) {
    const file = path.join(dir, name);
    await writeFile(file, data);
    paths.push(file);
  }
  return paths;
}
