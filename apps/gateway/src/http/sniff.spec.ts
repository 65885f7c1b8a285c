import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { EmptyUploadError, UnsupportedMediaTypeError } from '@quire/errors';
import { SniffingStream, detectKind } from './sniff';

async function sniff(chunks: Buffer[], accepted: Array<'pdf' | 'image'> = ['pdf']) {
  const s = new SniffingStream(accepted, 'file #1');
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(chunks),
    s,
    new Writable({
      write(c: Buffer, _e, cb) {
        out.push(c);
        cb();
      },
    }),
  );
  return { kind: s.detected?.kind, data: Buffer.concat(out) };
}

describe('upload sniffing', () => {
  it('recognises PDFs (header within the first KiB) and images by magic numbers', () => {
    expect(detectKind(Buffer.from('%PDF-1.7\n'))).toEqual({ kind: 'pdf', ext: 'pdf' });
    expect(detectKind(Buffer.concat([Buffer.alloc(100, 0x20), Buffer.from('%PDF-1.4')]))?.kind).toBe('pdf');
    expect(detectKind(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]))).toEqual({
      kind: 'image',
      ext: 'png',
    });
    expect(detectKind(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toEqual({ kind: 'image', ext: 'jpg' });
    expect(detectKind(Buffer.from('hello'))).toBeNull();
  });

  it('passes every byte through unchanged, across small chunks', async () => {
    const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(5000, 7)]);
    const chunks = Array.from({ length: Math.ceil(pdf.length / 100) }, (_, i) =>
      pdf.subarray(i * 100, (i + 1) * 100),
    );
    const r = await sniff(chunks);
    expect(r.kind).toBe('pdf');
    expect(r.data.equals(pdf)).toBe(true);
  });

  it('rejects empty files, non-PDFs and kinds the job type does not accept', async () => {
    await expect(sniff([])).rejects.toBeInstanceOf(EmptyUploadError);
    await expect(sniff([Buffer.from('plain text')])).rejects.toBeInstanceOf(UnsupportedMediaTypeError);
    await expect(sniff([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2])], ['pdf'])).rejects.toThrow(/not a PDF/);
    expect((await sniff([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2])], ['pdf', 'image'])).kind).toBe('image');
  });
});
