/**
 * Seeded mutations of PDF (and image) bytes for the mutation-fuzz run (docs/architecture.md (hostile input)): bit
 * flips, truncation, splices of two seeds, PDF dictionary tokens dropped in, numbers after `/Length` and friends
 * replaced by hostile ones, ranges duplicated or deleted. Deterministic for a seed, so a finding can be replayed.
 */

/** mulberry32: a small, fast, seedable PRNG (the run must replay exactly from `--seed`). */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(maxExclusive: number): number {
    return Math.floor(this.next() * Math.max(1, maxExclusive));
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
}

/** Tokens whose misuse breaks parsers: structure keywords, filters, page-tree and length keys. */
export const PDF_TOKENS = [
  'obj',
  'endobj',
  'stream',
  'endstream',
  'xref',
  'trailer',
  'startxref',
  '%%EOF',
  '/Length',
  '/Filter /FlateDecode',
  '/Filter /LZWDecode',
  '/Filter /JBIG2Decode',
  '/Filter /DCTDecode',
  '/DecodeParms << /Predictor 15 /Columns 99999999 >>',
  '/Type /Pages',
  '/Kids [1 0 R 1 0 R]',
  '/Count 2147483647',
  '/Parent 1 0 R',
  '/Prev 0',
  '/W [1 2 1]',
  '/Encrypt << /V 5 /R 6 >>',
  '/MediaBox [0 0 1e30 1e30]',
  '/Width 100000 /Height 100000',
  '/Root',
  '<<',
  '>>',
  '[',
  ']',
  '(',
  ')',
  '9999999999 0 R',
  '-1',
  '1 0 obj << /Length 1 0 R >> stream',
];

/** Numbers a parser may trust too much. */
const HOSTILE_NUMBERS = [
  '0',
  '-1',
  '2147483647',
  '4294967296',
  '99999999999999999999',
  '1e308',
  'NaN',
  '0.5',
];

export type MutationName = 'bitflip' | 'truncate' | 'splice' | 'token' | 'number' | 'duplicate' | 'delete';
export const MUTATIONS: readonly MutationName[] = [
  'bitflip',
  'truncate',
  'splice',
  'token',
  'number',
  'duplicate',
  'delete',
];

/** One mutation of `input`; `other` is a second seed for splices. Returns the bytes and what was done. */
export function mutate(
  rng: Rng,
  input: Buffer,
  other: Buffer,
  name: MutationName = rng.pick(MUTATIONS),
): { bytes: Buffer; what: string } {
  const len = input.length;
  const at = rng.int(len + 1);
  switch (name) {
    case 'bitflip': {
      const out = Buffer.from(input);
      const flips = 1 + rng.int(16);
      for (let i = 0; i < flips && len > 0; i++) {
        const p = rng.int(len);
        out[p] = out[p] ^ (1 << rng.int(8));
      }
      return { bytes: out, what: `bitflip ×${flips}` };
    }
    case 'truncate':
      return { bytes: input.subarray(0, at), what: `truncate at ${at} of ${len}` };
    case 'splice': {
      const cut = rng.int(other.length + 1);
      return {
        bytes: Buffer.concat([input.subarray(0, at), other.subarray(cut)]),
        what: `splice head ${at} + other's tail from ${cut}`,
      };
    }
    case 'token': {
      const token = rng.pick(PDF_TOKENS);
      return {
        bytes: Buffer.concat([
          input.subarray(0, at),
          Buffer.from(` ${token} `, 'latin1'),
          input.subarray(at),
        ]),
        what: `insert "${token}" at ${at}`,
      };
    }
    case 'number': {
      // Replace the number after a key (/Length, /Count, /Size, /W, /Columns, xref offsets) with a hostile one.
      const text = input.toString('latin1');
      const matches = [
        ...text.matchAll(/\/(Length|Count|Size|Columns|Width|Height|BitsPerComponent|Prev|N|First)\s+(\d+)/g),
      ];
      if (matches.length === 0) return mutate(rng, input, other, 'bitflip');
      const m = rng.pick(matches);
      const value = rng.pick(HOSTILE_NUMBERS);
      const start = m.index + m[0].length - m[2].length;
      return {
        bytes: Buffer.concat([
          input.subarray(0, start),
          Buffer.from(value, 'latin1'),
          input.subarray(start + m[2].length),
        ]),
        what: `/${m[1]} ${m[2]} → ${value}`,
      };
    }
    case 'duplicate': {
      const size = Math.min(len - at, 1 + rng.int(4096));
      const chunk = input.subarray(at, at + size);
      const times = 1 + rng.int(8);
      return {
        bytes: Buffer.concat([
          input.subarray(0, at),
          ...Array.from({ length: times }, () => chunk),
          input.subarray(at),
        ]),
        what: `duplicate ${size} bytes at ${at} ×${times}`,
      };
    }
    case 'delete': {
      const size = Math.min(len - at, 1 + rng.int(4096));
      return {
        bytes: Buffer.concat([input.subarray(0, at), input.subarray(at + size)]),
        what: `delete ${size} bytes at ${at}`,
      };
    }
  }
}
