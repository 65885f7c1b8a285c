import { open } from 'node:fs/promises';

export interface ImageSize {
  format: 'png' | 'jpeg';
  width: number;
  height: number;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Pixel size of a PNG or JPEG from its header bytes, or `undefined` when the bytes are neither (or are cut before
 * the size). PNG: the IHDR chunk, which must come first. JPEG: the first start-of-frame marker (SOF0–SOF15 except
 * DHT, JPG and DAC), found by walking the marker segments.
 */
export function imageSizeOf(head: Buffer): ImageSize | undefined {
  if (
    head.length >= 24 &&
    head.subarray(0, 8).equals(PNG_SIGNATURE) &&
    head.toString('latin1', 12, 16) === 'IHDR'
  ) {
    return { format: 'png', width: head.readUInt32BE(16), height: head.readUInt32BE(20) };
  }
  if (head.length < 4 || head[0] !== 0xff || head[1] !== 0xd8) return undefined;
  let at = 2;
  while (at + 4 <= head.length) {
    if (head[at] !== 0xff) return undefined;
    const marker = head[at + 1];
    // Fill bytes and standalone markers (RSTn, TEM) carry no length.
    if (marker === 0xff) {
      at += 1;
      continue;
    }
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      at += 2;
      continue;
    }
    const length = head.readUInt16BE(at + 2);
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) {
      if (at + 9 > head.length) return undefined;
      return { format: 'jpeg', height: head.readUInt16BE(at + 5), width: head.readUInt16BE(at + 7) };
    }
    if (marker === 0xda || length < 2) return undefined; // start of scan before any frame header: not a usable JPEG
    at += 2 + length;
  }
  return undefined;
}

/** {@link imageSizeOf} on the first `maxBytes` (default 256 KiB) of a file. */
export async function readImageSize(path: string, maxBytes = 256 * 1024): Promise<ImageSize | undefined> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(maxBytes);
    const { bytesRead } = await handle.read(buffer, 0, maxBytes, 0);
    return imageSizeOf(buffer.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}
