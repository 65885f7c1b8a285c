import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileNameFromDisposition, freePath } from './download';
import { expandInputs } from './inputs';

describe('files on the user’s disk', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'quire-cli-files-'));
    await mkdir(path.join(dir, 'in'));
    for (const name of ['b10.pdf', 'b2.pdf', 'scan.PNG', '.hidden.pdf', 'notes.txt'])
      await writeFile(path.join(dir, 'in', name), 'x');
    await mkdir(path.join(dir, 'in', 'sub.pdf'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('expands a folder to its documents (no hidden files, no others, no subfolders), in natural order', async () => {
    expect(await expandInputs([path.join(dir, 'in')])).toEqual(
      ['b2.pdf', 'b10.pdf', 'scan.PNG'].map((n) => path.join(dir, 'in', n)),
    );
  });

  it('expands a quoted glob, keeps named files even if not documents, and drops duplicates', async () => {
    const txt = path.join(dir, 'in', 'notes.txt');
    expect(await expandInputs([path.join(dir, 'in', 'b*.pdf'), txt, path.join(dir, 'in', 'b2.pdf')])).toEqual(
      [path.join(dir, 'in', 'b2.pdf'), path.join(dir, 'in', 'b10.pdf'), txt],
    );
    await expect(expandInputs([path.join(dir, 'in', 'zz*.pdf')])).rejects.toThrow(/no file matches/);
    await expect(expandInputs([path.join(dir, 'missing.pdf')])).rejects.toThrow(/no such file or folder/);
  });

  it('never lets the server choose a path: only a plain file name survives', () => {
    expect(fileNameFromDisposition('attachment; filename="report.compressed.pdf"', 'x')).toBe(
      'report.compressed.pdf',
    );
    expect(fileNameFromDisposition('attachment; filename="../../.bashrc"', 'x')).toBe('.bashrc');
    expect(fileNameFromDisposition('attachment; filename="..\\\\..\\\\evil.pdf"', 'x')).toBe('evil.pdf');
    expect(fileNameFromDisposition("attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf", 'x')).toBe(
      'résumé.pdf',
    );
    expect(fileNameFromDisposition('attachment; filename=".."', 'fallback.bin')).toBe('fallback.bin');
    expect(fileNameFromDisposition(null, 'fallback.bin')).toBe('fallback.bin');
  });

  it('never overwrites in a folder: a taken name gets the job id', async () => {
    const taken = new Set<string>();
    const id = 'abcdef12-0000-4000-8000-000000000000';
    expect(await freePath(path.join(dir, 'in'), 'b2.pdf', id, taken)).toBe(
      path.join(dir, 'in', 'b2-abcdef12.pdf'),
    );
    expect(await freePath(path.join(dir, 'in'), 'new.pdf', id, taken)).toBe(path.join(dir, 'in', 'new.pdf'));
    expect(await freePath(path.join(dir, 'in'), 'new.pdf', id, taken)).toBe(
      path.join(dir, 'in', 'new-abcdef12.pdf'),
    );
    expect(await freePath(path.join(dir, 'in'), 'new.pdf', id, taken)).toBe(
      path.join(dir, 'in', 'new-abcdef12-2.pdf'),
    );
  });
});
