/** bulk-compress with the real Ghostscript and pdf.js engines and a real local blob store (no broker, no database). */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancelledError, EncryptedPdfError } from '@quire/errors';
import { closeDefaultPdfEngine } from '@quire/engine-pdf';
import { createGhostscript, type Ghostscript } from '@quire/engine-ghostscript';
import { makeNumberedPdf, readZip } from '@quire/testing';
import { createTestJobContext, expectValidResult } from '@quire/worker-testing';
import { bulkCompressHandler } from './bulk-compress.handler';

const run = promisify(execFile);
let dir: string;
let gs: Ghostscript;
const fx = { big: '', small: '', locked: '', cut: '' };

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'quire-bulk-'));
  gs = createGhostscript({ timeoutMs: 60_000 });
  const write = async (name: string, data: Buffer) => {
    const file = path.join(dir, name);
    await writeFile(file, data);
    return file;
  };
  fx.big = await write('big.pdf', makeNumberedPdf(3, 300));
  fx.small = await write('small.pdf', makeNumberedPdf(1, 120));
  fx.locked = path.join(dir, 'locked.pdf');
  await run('qpdf', ['--encrypt', 'user-pw', 'owner-pw', '256', '--', fx.small, fx.locked]);
  const whole = makeNumberedPdf(4, 200);
  fx.cut = await write('cut.pdf', whole.subarray(0, 200));
});

afterAll(async () => {
  await gs?.close();
  await closeDefaultPdfEngine();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const handler = () => bulkCompressHandler(gs, { timeoutMs: () => 60_000 });

async function pages(file: string): Promise<number> {
  const { stdout } = await run('qpdf', ['--show-npages', file]);
  return Number(stdout.trim());
}

describe('bulk-compress', () => {
  it('compresses every file into one ZIP, lists per-file failures, and completes when some succeed', async () => {
    const t = await createTestJobContext(dir, 'bulk-compress', { preset: 'ebook' }, [
      { path: fx.big, name: 'report.pdf' },
      { path: fx.locked, name: 'locked.pdf' },
      { path: fx.small, name: 'report.pdf' },
      { path: fx.cut, name: 'cut.pdf' },
    ]);
    const result = await handler()(t.ctx);
    expectValidResult('bulk-compress', result);
    expect(result).toMatchObject({ preset: 'ebook', files: 4, succeeded: 2, failed: 2 });
    const errors = result.errors as Array<{ index: number; name: string; code: string; message: string }>;
    expect(errors.map((e) => [e.index, e.name, e.code])).toEqual([
      [1, 'locked.pdf', 'PDF_ENCRYPTED'],
      [3, 'cut.pdf', 'PDF_CORRUPT'],
    ]);
    expect(errors[0].message).toBe('password required: the PDF is encrypted');

    const [output] = result.outputs as Array<{ name: string; key: string; bytes: number; files: number }>;
    expect(output).toMatchObject({ name: 'compressed.zip', files: 2 });
    const entries = await readZip(await readFile(t.outputFile(output.key)));
    expect(entries.map((e) => e.name)).toEqual(['report.compressed.pdf', 'report (2).compressed.pdf']);
    const inputs = [fx.big, fx.small];
    for (const [i, entry] of entries.entries()) {
      const file = path.join(dir, `entry-${i}.pdf`);
      await writeFile(file, entry.data);
      expect(await pages(file)).toBe(await pages(inputs[i]));
      expect(entry.data.length).toBeLessThanOrEqual((await readFile(inputs[i])).length);
    }
    const items = result.items as Array<{ status: string; outputBytes?: number }>;
    expect(items.map((i) => i.status)).toEqual(['compressed', 'failed', 'compressed', 'failed']);

    // Progress per file: "file N of 4" with current/total, never going backwards, ending at 100.
    const compressing = t.progress.filter((p) => p.stage === 'compression');
    expect(new Set(compressing.map((p) => p.current))).toEqual(new Set([0, 1, 2, 3]));
    expect(compressing.every((p) => p.total === 4)).toBe(true);
    expect(compressing.some((p) => /file 2 of 4 \(locked\.pdf\)/.test(p.message ?? ''))).toBe(true);
    const percents = t.progress.map((p) => p.percent ?? 0);
    expect([...percents].sort((a, b) => a - b)).toEqual(percents);
    expect(t.progress.at(-1)).toMatchObject({ stage: 'finalization', percent: 100 });
  });

  it('fails only when every file failed, with each file’s reason', async () => {
    const t = await createTestJobContext(dir, 'bulk-compress', {}, [
      { path: fx.locked, name: 'a.pdf' },
      { path: fx.locked, name: 'b.pdf' },
    ]);
    const err = await handler()(t.ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EncryptedPdfError);
    expect((err as Error).message).toBe(
      'all 2 files failed: a.pdf: password required: the PDF is encrypted; b.pdf: password required: the PDF is encrypted',
    );
  });

  it('stops the whole job (no partial result) when the attempt is aborted', async () => {
    const controller = new AbortController();
    controller.abort(CancelledError.because('requested'));
    const t = await createTestJobContext(dir, 'bulk-compress', {}, [{ path: fx.small, name: 'a.pdf' }], {
      signal: controller.signal,
    });
    await expect(handler()(t.ctx)).rejects.toBeInstanceOf(CancelledError);
  });
});
