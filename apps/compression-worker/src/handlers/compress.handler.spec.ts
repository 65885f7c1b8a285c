import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGhostscript, type Ghostscript } from '@quire/engine-ghostscript';
import { closeDefaultPdfEngine } from '@quire/engine-pdf';
import { makeNumberedPdf } from '@quire/testing';
import { createTestJobContext, expectValidResult } from '@quire/worker-testing';
import { compressHandler } from './compress.handler';

let dir: string;
let gs: Ghostscript;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'quire-compress-'));
  gs = createGhostscript({ timeoutMs: 60_000 });
});

afterAll(async () => {
  await gs?.close();
  await closeDefaultPdfEngine();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('compress', () => {
  it('names the output after an upload whose name storage keys would refuse (spaces, brackets)', async () => {
    const input = path.join(dir, 'in.pdf');
    await writeFile(input, makeNumberedPdf(2, 200));
    const t = await createTestJobContext(dir, 'compress', { preset: 'screen' }, [
      { path: input, name: 'My report (v2).pdf' },
    ]);
    const result = await compressHandler(gs, { timeoutMs: () => 60_000 })(t.ctx);
    expectValidResult('compress', result);
    expect(result.outputs).toEqual([
      expect.objectContaining({ name: 'My_report_v2_.compressed.pdf', pages: 2 }),
    ]);
  });
});
