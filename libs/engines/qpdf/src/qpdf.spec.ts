import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CancelledError,
  CorruptPdfError,
  EncryptedPdfError,
  InternalError,
  LimitExceededError,
} from '@quire/errors';
import { pdfPageTexts as pageTexts } from '@quire/pdf-fixtures';
import { exec, labelledPdf, lockedPdf, metadataOf } from './__fixtures__/make-pdfs';
import { classifyQpdfFailure, qpdfWarnings } from './classify';
import { mergePdfs, splitPdf, uniformChunkSize } from './merge-split';
import { createQpdf, toQpdfRanges, type Qpdf } from './qpdf';

let dir: string;
let qpdf: Qpdf;
const fx = { alpha: '', beta: '', five: '', locked: '', empty: '', garbage: '', truncated: '' };

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'quire-qpdf-'));
  qpdf = createQpdf({ timeoutMs: 20_000 });
  fx.alpha = await labelledPdf(dir, 'alpha.pdf', 3, {
    prefix: 'Alpha',
    title: 'Alpha report',
    outline: true,
  });
  fx.beta = await labelledPdf(dir, 'beta.pdf', 2, { prefix: 'Beta', title: 'Beta notes', outline: true });
  fx.five = await labelledPdf(dir, 'five.pdf', 5, { prefix: 'Five', outline: true });
  fx.locked = await lockedPdf(fx.beta, path.join(dir, 'locked.pdf'));
  fx.empty = path.join(dir, 'empty.pdf');
  await writeFile(fx.empty, '');
  fx.garbage = path.join(dir, 'garbage.pdf');
  await writeFile(fx.garbage, 'this is not a PDF at all\n'.repeat(50));
  fx.truncated = path.join(dir, 'truncated.pdf');
  await writeFile(fx.truncated, (await readFile(fx.five)).subarray(0, 300));
});

/** One document at a time: concurrent documents on pdf.js's fake worker in Node break ("Invalid page request"). */
async function textsOf(files: string[]): Promise<string[][]> {
  const out: string[][] = [];
  for (const f of files) out.push(await pageTexts(f));
  return out;
}

afterAll(async () => {
  await qpdf?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('toQpdfRanges / uniformChunkSize', () => {
  it.each([
    [[1, 2, 3, 5], '1-3,5'],
    [[5, 1, 2, 3], '5,1-3'],
    [[7], '7'],
    [[2, 2, 3], '2,2-3'],
    [[9, 8, 7], '9,8,7'],
  ])('%j → %s', (pages, expected) => {
    expect(toQpdfRanges(pages)).toBe(expected);
  });

  it('recognises consecutive equal-size parts covering the document', () => {
    expect(uniformChunkSize([[1, 2], [3, 4], [5]], 5)).toBe(2);
    expect(uniformChunkSize([[1], [2], [3]], 3)).toBe(1);
    expect(
      uniformChunkSize(
        [
          [1, 2],
          [3, 4],
        ],
        5,
      ),
    ).toBeUndefined();
    expect(
      uniformChunkSize(
        [
          [1, 3],
          [2, 4],
        ],
        4,
      ),
    ).toBeUndefined();
    expect(uniformChunkSize([[1, 2, 3], [4]], 5)).toBeUndefined();
  });
});

describe('classifyQpdfFailure', () => {
  const files = [
    { path: '/tmp/job/input-0.pdf', label: 'file #1 (a.pdf)' },
    { path: '/tmp/job/input-1.pdf', label: 'file #2 (b.pdf)' },
  ];
  it('names the input qpdf blames and never shows a path', () => {
    const err = classifyQpdfFailure('qpdf: /tmp/job/input-1.pdf: invalid password\n', 2, files);
    expect(err).toBeInstanceOf(EncryptedPdfError);
    expect(err.message).toBe('file #2 (b.pdf): password required: the PDF is encrypted');
    const broken = classifyQpdfFailure(
      'WARNING: /tmp/job/input-0.pdf: file is damaged\nqpdf: /tmp/job/input-0.pdf: unable to find trailer dictionary while recovering damaged file\n',
      2,
      files,
    );
    expect(broken).toBeInstanceOf(CorruptPdfError);
    expect(broken.message).toBe(
      'file #1 (a.pdf): the PDF is damaged: its cross-reference table is broken and could not be rebuilt',
    );
    const other = classifyQpdfFailure(
      'qpdf: /tmp/job/input-1.pdf (object 5 0, offset 12): something odd in /tmp/job/output.pdf\n',
      2,
      files,
    );
    expect(other.message).toBe('file #2 (b.pdf): the PDF is damaged: something odd in a file');
    expect(
      classifyQpdfFailure(
        'qpdf: /tmp/job/input-0.pdf (object 5 0): Loop detected in /Pages structure (getAllPages)',
        2,
        files,
      ).message,
    ).toBe('file #1 (a.pdf): the PDF is damaged: its page tree is broken');
    expect(
      classifyQpdfFailure('terminate called after throwing an instance of std::bad_alloc', 2, files),
    ).toBeInstanceOf(LimitExceededError);
    expect(
      classifyQpdfFailure('qpdf: open /tmp/job/input-0.pdf: No such file or directory', 2, files),
    ).toBeInstanceOf(InternalError);
  });

  it('keeps repair warnings for the logs, paths replaced', () => {
    expect(
      qpdfWarnings(
        'WARNING: /tmp/job/input-0.pdf: file is damaged\nWARNING: /tmp/job/input-0.pdf: file is damaged\n',
        files,
      ),
    ).toEqual(['file #1 (a.pdf): file is damaged']);
  });
});

describe('qpdf engine', () => {
  it('counts pages, and rejects empty, garbage, locked and over-limit files with clear errors', async () => {
    expect(await qpdf.countPages(fx.alpha)).toBe(3);
    await expect(qpdf.countPages(fx.empty)).rejects.toThrow(
      new CorruptPdfError('the file is empty (0 bytes)'),
    );
    const garbage = await qpdf
      .countPages(fx.garbage, { label: 'file #3 (garbage.pdf)' })
      .catch((e: unknown) => e);
    expect(garbage).toBeInstanceOf(CorruptPdfError);
    expect((garbage as Error).message).toMatch(/^file #3 \(garbage\.pdf\): the PDF is damaged: /);
    expect((garbage as Error).message).not.toContain(dir);
    await expect(qpdf.countPages(fx.locked)).rejects.toBeInstanceOf(EncryptedPdfError);
    const limit = await qpdf.countPages(fx.five, { maxPages: 4 }).catch((e: unknown) => e);
    expect(limit).toBeInstanceOf(LimitExceededError);
    expect((limit as Error).message).toBe('the PDF has 5 pages; the limit is 4');
  });

  it('merges selected pages in order, keeping the first input’s metadata and bookmarks', async () => {
    const out = path.join(dir, 'merged.pdf');
    const result = await mergePdfs(qpdf, {
      inputs: [
        { path: fx.alpha, pages: [3, 1], label: 'file #1 (alpha.pdf)' },
        { path: fx.beta, label: 'file #2 (beta.pdf)' },
        { path: fx.five, pages: [5, 4], label: 'file #3 (five.pdf)' },
      ],
      outputPath: out,
    });
    expect(result).toMatchObject({ pages: 6, inputPages: [2, 2, 2] });
    expect(await pageTexts(out)).toEqual([
      'Alpha page 3',
      'Alpha page 1',
      'Beta page 1',
      'Beta page 2',
      'Five page 5',
      'Five page 4',
    ]);
    const meta = await metadataOf(out);
    expect(meta.title).toBe('Alpha report');
    expect(meta.outlines).toBe(3);
  });

  it('names the input that cannot be merged', async () => {
    const err = await mergePdfs(qpdf, {
      inputs: [
        { path: fx.alpha, label: 'file #1 (alpha.pdf)' },
        { path: fx.locked, label: 'file #2 (locked.pdf)' },
      ],
      outputPath: path.join(dir, 'nope.pdf'),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EncryptedPdfError);
    expect((err as Error).message).toBe('file #2 (locked.pdf): password required: the PDF is encrypted');
    const cut = await mergePdfs(qpdf, {
      inputs: [{ path: fx.alpha }, { path: fx.truncated, label: 'file #2 (truncated.pdf)' }],
      outputPath: path.join(dir, 'nope.pdf'),
    }).catch((e: unknown) => e);
    expect(cut).toBeInstanceOf(CorruptPdfError);
    expect((cut as Error).message).toMatch(/^file #2 \(truncated\.pdf\): the PDF is damaged: /);
  });

  it('splits every N pages in one run, and arbitrary ranges one run per part', async () => {
    const parts = [[1, 2], [3, 4], [5]];
    const outs = parts.map((_, i) => path.join(dir, `every-${i}.pdf`));
    const done: number[] = [];
    const every = await splitPdf(qpdf, {
      inputPath: fx.five,
      pageCount: 5,
      parts,
      outputPaths: outs,
      onPart: (n) => done.push(n),
    });
    expect(every.strategy).toBe('split-pages');
    expect(done).toEqual([1, 2, 3]);
    expect(await textsOf(outs)).toEqual([
      ['Five page 1', 'Five page 2'],
      ['Five page 3', 'Five page 4'],
      ['Five page 5'],
    ]);

    const ranges = [[4, 5], [2], [1, 3]];
    const rangeOuts = ranges.map((_, i) => path.join(dir, `range-${i}.pdf`));
    const byRange = await splitPdf(qpdf, {
      inputPath: fx.five,
      pageCount: 5,
      parts: ranges,
      outputPaths: rangeOuts,
    });
    expect(byRange.strategy).toBe('per-part');
    expect(byRange.parts.map((p) => p.pages)).toEqual([2, 1, 2]);
    expect(await textsOf(rangeOuts)).toEqual([
      ['Five page 4', 'Five page 5'],
      ['Five page 2'],
      ['Five page 1', 'Five page 3'],
    ]);
    // Every part keeps the document's metadata.
    expect((await metadataOf(rangeOuts[1])).title).toBe('Five document');
  });

  it('stops at once when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const err = await splitPdf(qpdf, {
      inputPath: fx.five,
      pageCount: 5,
      parts: [[1], [3]],
      outputPaths: [path.join(dir, 'x1.pdf'), path.join(dir, 'x2.pdf')],
      signal: controller.signal,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledError);
  });

  it('repairs a damaged file qpdf can reconstruct', async () => {
    // Shift every xref offset: readers must rebuild the table by scanning; qpdf does and warns.
    const bytes = await readFile(fx.five);
    const broken = path.join(dir, 'bad-xref.pdf');
    await writeFile(
      broken,
      Buffer.concat([
        Buffer.from('%PDF-1.7\n% junk to shift every offset\n'),
        bytes.subarray(bytes.indexOf('\n') + 1),
      ]),
    );
    const { stdout } = await exec('qpdf', ['--show-npages', broken]).catch((e: { stdout: string }) => e);
    expect(stdout.trim()).toBe('5');
    const out = path.join(dir, 'repaired.pdf');
    const result = await mergePdfs(qpdf, { inputs: [{ path: broken }, { path: fx.alpha }], outputPath: out });
    expect(result.pages).toBe(8);
    expect(result.warnings.join('\n')).toMatch(/damaged|reconstruct/i);
    expect(result.warnings.join('\n')).not.toContain(dir);
  });
});
