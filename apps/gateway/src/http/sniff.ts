import { Transform, type TransformCallback } from 'node:stream';
import { EmptyUploadError, UnsupportedMediaTypeError } from '@quire/errors';

export type FileKind = 'pdf' | 'image';

const SNIFF_BYTES = 1024;

/** Detects what a file is from its first bytes; the client's Content-Type is not trusted. */
export function detectKind(head: Buffer): { kind: FileKind; ext: string } | null {
  // PDF readers accept the header anywhere in the first 1024 bytes (junk before it is common in the wild).
  if (head.subarray(0, SNIFF_BYTES).includes('%PDF-')) return { kind: 'pdf', ext: 'pdf' };
  if (
    head.length >= 8 &&
    head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
  )
    return { kind: 'image', ext: 'png' };
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff)
    return { kind: 'image', ext: 'jpg' };
  if (
    head.length >= 4 &&
    (head.subarray(0, 4).equals(Buffer.from('II*\0', 'latin1')) ||
      head.subarray(0, 4).equals(Buffer.from('MM\0*', 'latin1')))
  ) {
    return { kind: 'image', ext: 'tif' };
  }
  return null;
}

/**
 * A pass-through that holds back the first 1 KiB, checks the file kind against what the job type accepts, then
 * streams on. Fails with 415 (wrong kind) or 400 (empty) before anything reaches storage.
 */
export class SniffingStream extends Transform {
  private head: Buffer[] = [];
  private headBytes = 0;
  private decided = false;
  detected: { kind: FileKind; ext: string } | null = null;

  constructor(
    private readonly accepted: readonly FileKind[],
    private readonly fileLabel: string,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.decided) return cb(null, chunk);
    this.head.push(chunk);
    this.headBytes += chunk.length;
    if (this.headBytes < SNIFF_BYTES) return cb();
    this.decide(cb);
  }

  override _flush(cb: TransformCallback): void {
    if (this.decided) return cb();
    if (this.headBytes === 0) return cb(new EmptyUploadError(`${this.fileLabel} is empty`));
    this.decide(cb);
  }

  private decide(cb: TransformCallback): void {
    const head = Buffer.concat(this.head);
    this.head = [];
    this.decided = true;
    const detected = detectKind(head);
    if (!detected || !this.accepted.includes(detected.kind)) {
      const wanted = this.accepted.map((k) => (k === 'pdf' ? 'PDF' : 'PNG/JPEG/TIFF image')).join(' or ');
      return cb(
        new UnsupportedMediaTypeError(`${this.fileLabel} is not a ${wanted}`, {
          details: { accepted: this.accepted },
        }),
      );
    }
    this.detected = detected;
    cb(null, head);
  }
}
