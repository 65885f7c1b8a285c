import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CancelledError,
  CorruptPdfError,
  EncryptedPdfError,
  EngineCrashError,
  EngineTimeoutError,
  ValidationError,
} from '@quire/errors';
import { encryptedPdf, popplerPages, textPdf, truncatedPdf } from '@quire/pdf-fixtures';
import { createGhostscript, type Ghostscript } from './ghostscript';
import { buildPdfwriteArgs } from './pdfwrite-args';

let dir: string;
let gs: Ghostscript;
const fx = { three: '', encrypted: '', headerOnly: '', postscript: '' };

function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function busyPid(): Promise<number> {
  for (let i = 0; i < 400; i++) {
    const pid = gs.stats().children.find((c) => c.state === 'busy')?.pid;
    if (pid) return pid;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('no busy child');
}

const hang = ['-c', '{} loop'];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'quire-gs-'));
  gs = createGhostscript({ timeoutMs: 20_000 });
  const warm = gs.warmup();
  fx.three = await textPdf(dir, 'three.pdf', 3);
  fx.encrypted = await encryptedPdf(fx.three, path.join(dir, 'encrypted.pdf'), 'user');
  fx.headerOnly = await truncatedPdf(fx.three, path.join(dir, 'header-only.pdf'), 300);
  // PostScript that would spin forever if Ghostscript ran it: the PDF path must never execute it.
  fx.postscript = path.join(dir, 'program.pdf');
  await writeFile(fx.postscript, '%!PS\n{ } loop\n');
  await warm;
});

afterAll(async () => {
  await gs.close();
  await rm(dir, { recursive: true, force: true });
});

describe('createGhostscript().run', () => {
  it('runs pdfwrite in the child and reports page progress', async () => {
    const out = path.join(dir, 'copy.pdf');
    const pages: [number, number | undefined][] = [];
    const result = await gs.run(
      buildPdfwriteArgs({ inputPath: fx.three, outputPath: out, preset: 'ebook' }),
      {
        onPage: (page, total) => pages.push([page, total]),
      },
    );
    expect(await popplerPages(out)).toBe(3);
    expect(pages).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
    expect(result.warnings).toEqual([]);
  });

  it('classifies an encrypted PDF although Ghostscript exits 0', async () => {
    const err = await gs
      .run(
        buildPdfwriteArgs({ inputPath: fx.encrypted, outputPath: path.join(dir, 'x.pdf'), preset: 'ebook' }),
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EncryptedPdfError);
    expect((err as Error).message).toContain('password required');
  });

  it('classifies an unreadable PDF as CorruptPdfError with a reason', async () => {
    const err = await gs
      .run(
        buildPdfwriteArgs({ inputPath: fx.headerOnly, outputPath: path.join(dir, 'x.pdf'), preset: 'ebook' }),
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptPdfError);
    expect((err as Error).message).toMatch(/^the PDF is damaged: no pages could be read/);
  });

  it('never executes a non-PDF upload as PostScript', async () => {
    const started = Date.now();
    const err = await gs
      .run(
        buildPdfwriteArgs({ inputPath: fx.postscript, outputPath: path.join(dir, 'x.pdf'), preset: 'ebook' }),
        { timeoutMs: 10_000 },
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptPdfError);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('kills a hung Ghostscript at the deadline and keeps serving', async () => {
    const err = await gs.run(hang, { timeoutMs: 1000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineTimeoutError);
    expect((err as Error).message).toBe('ghostscript timed out after 1 s');
    const out = path.join(dir, 'after-timeout.pdf');
    await gs.run(buildPdfwriteArgs({ inputPath: fx.three, outputPath: out, preset: 'screen' }));
    expect(await popplerPages(out)).toBe(3);
  });

  it('reports a child killed mid-task as EngineCrashError and keeps serving', async () => {
    const pending = gs.run(hang).catch((e: unknown) => e);
    process.kill(await busyPid(), 'SIGSEGV');
    const err = await pending;
    expect(err).toBeInstanceOf(EngineCrashError);
    expect((err as Error).message).toBe('ghostscript crashed: killed by signal SIGSEGV (segmentation fault)');
    const out = path.join(dir, 'after-crash.pdf');
    await gs.run(buildPdfwriteArgs({ inputPath: fx.three, outputPath: out, preset: 'screen' }));
    expect(await popplerPages(out)).toBe(3);
  });

  it('kills the child when the AbortSignal fires', async () => {
    const controller = new AbortController();
    const pending = gs.run(hang, { signal: controller.signal }).catch((e: unknown) => e);
    const pid = await busyPid();
    controller.abort();
    expect(await pending).toBeInstanceOf(CancelledError);
    await new Promise((r) => setTimeout(r, 200));
    expect(isAlive(pid)).toBe(false);
  });

  it('refuses arguments that would lift the sandbox', async () => {
    await expect(gs.run(['-dNOSAFER', '-c', 'quit'])).rejects.toBeInstanceOf(ValidationError);
    await expect(gs.run(['--permit-file-write=/', '-c', 'quit'])).rejects.toBeInstanceOf(ValidationError);
  });
});
