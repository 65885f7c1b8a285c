import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CorruptPdfError, DependencyUnavailableError } from '@quire/errors';
import { makeTextPng } from '@quire/pdf-fixtures';
import { createImg2pdf, type Img2pdf } from './img2pdf';

const exec = promisify(execFile);
let dir: string;
let img2pdf: Img2pdf;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'quire-img2pdf-'));
  img2pdf = createImg2pdf({ timeoutMs: 30_000 });
});
afterAll(async () => {
  await img2pdf?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('img2pdf engine', () => {
  it('places a 300 dpi scan on a page of the size it was scanned from', async () => {
    const png = path.join(dir, 'page.png');
    await writeFile(png, await makeTextPng(['Scanned pages become searchable.']));
    const out = path.join(dir, 'page.pdf');
    await img2pdf.convert(png, out);
    const { stdout } = await exec('pdfinfo', [out]);
    expect(stdout).toMatch(/Pages:\s+1\b/);
    expect(stdout).toMatch(/Page size:\s+612 x 792 pts/);
  });

  it('says an unreadable image is unreadable', async () => {
    const bogus = path.join(dir, 'bogus.png');
    await writeFile(bogus, Buffer.alloc(2000, 0x5a));
    const err = await img2pdf.convert(bogus, path.join(dir, 'bogus.pdf')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptPdfError);
    expect((err as Error).message).toMatch(/^the image cannot be read/);
  });

  it('says when img2pdf is not installed', async () => {
    const missing = createImg2pdf({ executable: 'quire-no-img2pdf' });
    const err = await missing.convert('a.png', 'a.pdf').catch((e: unknown) => e);
    await missing.close();
    expect(err).toBeInstanceOf(DependencyUnavailableError);
  });
});
