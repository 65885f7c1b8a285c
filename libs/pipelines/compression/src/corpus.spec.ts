/**
 * Every file of the shared robustness corpus (malformed, fuzzed, truncated, encrypted, bombs, files that hang or
 * crash reference tools) goes through compressPdf: each must end with a verified result or a typed document/engine
 * error within its deadline, and the engines must keep serving afterwards. Skipped when the corpus is absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CorruptPdfError,
  EncryptedPdfError,
  EngineCrashError,
  EngineTimeoutError,
  LimitExceededError,
  QuireError,
} from '@quire/errors';
import { createGhostscript, type Ghostscript } from '@quire/engine-ghostscript';
import { createPdfEngine, type PdfEngine } from '@quire/engine-pdf';
import { popplerPages, textPdf } from '@quire/pdf-fixtures';
import { sharedCorpus } from '@quire/testing';
import { compressPdf } from './compress-pdf';

const { corpusDir, dir: robustnessDir, present: hasCorpus } = sharedCorpus('robustness', 'corpus.spec');

const GS_DEADLINE_MS = 30_000;
const INSPECT_DEADLINE_MS = 15_000;
// Input check + Ghostscript + output check, plus start-up of a replacement child.
const PER_FILE_LIMIT_MS = GS_DEADLINE_MS + 2 * INSPECT_DEADLINE_MS + 5_000;
const TYPED_OUTCOMES = [
  CorruptPdfError,
  EncryptedPdfError,
  LimitExceededError,
  EngineTimeoutError,
  EngineCrashError,
];

interface Outcome {
  file: string;
  ms: number;
  error?: unknown;
  pages?: number;
  keptOriginal?: boolean;
  output?: string;
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

/** MANIFEST.tsv status per corpus-relative path, e.g. "encrypted-needs-user-password (password not known)…". */
function manifestStatuses(): Map<string, string> {
  const statuses = new Map<string, string>();
  const manifest = path.join(corpusDir, 'MANIFEST.tsv');
  if (!existsSync(manifest)) return statuses;
  for (const line of readFileSync(manifest, 'utf8').split('\n').slice(1)) {
    const cols = line.split('\t');
    const status = /\| status: (.*)$/.exec(cols[6] ?? '')?.[1];
    if (cols[1] && status) statuses.set(cols[1], status);
  }
  return statuses;
}

describe.skipIf(!hasCorpus)('robustness corpus through compressPdf (needs ../shared/corpus)', () => {
  let gs: Ghostscript;
  let pdf: PdfEngine;
  let outDir: string;
  const outcomes: Outcome[] = [];

  beforeAll(async () => {
    outDir = await mkdtemp(path.join(tmpdir(), 'quire-corpus-'));
    gs = createGhostscript({ size: 2, timeoutMs: GS_DEADLINE_MS, memoryLimitMb: 1024, maxQueue: 4 });
    pdf = createPdfEngine({ size: 2, timeoutMs: INSPECT_DEADLINE_MS });
    await Promise.all([gs.warmup(), pdf.warmup()]);

    const files = await listFiles(robustnessDir);
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < files.length) {
        const file = files[next++];
        if (file === undefined) break;
        const output = path.join(outDir, `${next}.pdf`);
        const started = Date.now();
        try {
          const result = await compressPdf(gs, { inputPath: file, outputPath: output, preset: 'ebook', pdf });
          outcomes.push({
            file,
            ms: Date.now() - started,
            pages: result.pages,
            keptOriginal: result.keptOriginal,
            output,
          });
        } catch (error) {
          outcomes.push({ file, ms: Date.now() - started, error });
        }
      }
    };
    await Promise.all([lane(), lane()]);
  }, 170_000);

  afterAll(async () => {
    await Promise.all([gs?.close(), pdf?.close()]);
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  it('ends every file with a verified result or a typed error, each within its deadline', async () => {
    expect(outcomes.length).toBeGreaterThan(100);
    for (const o of outcomes) {
      const label = path.relative(corpusDir, o.file);
      expect(o.ms, `${label} took ${o.ms} ms`).toBeLessThan(PER_FILE_LIMIT_MS);
      if (o.error !== undefined) {
        expect(
          o.error,
          `${label}: ${o.error instanceof Error ? o.error.message : 'non-Error thrown'}`,
        ).toBeInstanceOf(QuireError);
        expect(
          TYPED_OUTCOMES.some((cls) => o.error instanceof cls),
          `${label}: unexpected ${(o.error as Error).name}: ${(o.error as Error).message}`,
        ).toBe(true);
        expect((o.error as Error).message.length).toBeGreaterThan(0);
      } else if (o.keptOriginal) {
        expect(
          (await readFile(o.output!)).equals(await readFile(o.file)),
          `${label}: original not kept verbatim`,
        ).toBe(true);
      } else {
        // Ghostscript's output, checked by an independent parser.
        expect(await popplerPages(o.output!), `${label}: page count`).toBe(o.pages);
      }
    }
    const summary = Object.entries(
      outcomes.reduce<Record<string, number>>((acc, o) => {
        const key = o.error === undefined ? 'compressed' : (o.error as Error).name;
        acc[key] = (acc[key] ?? 0) + 1;
        return acc;
      }, {}),
    );
    console.info(
      `[corpus.spec] ${outcomes.length} files: ${summary.map(([k, v]) => `${k} ${v}`).join(', ')}`,
    );
  });

  it('never "compresses" a file that needs a password it does not have', () => {
    const statuses = manifestStatuses();
    const locked = outcomes.filter((o) =>
      statuses.get(path.relative(corpusDir, o.file))?.startsWith('encrypted-needs-user-password'),
    );
    expect(locked.length).toBeGreaterThan(10);
    for (const o of locked) {
      expect(o.error, path.relative(corpusDir, o.file)).toBeDefined();
      expect(o.error instanceof EncryptedPdfError || o.error instanceof CorruptPdfError).toBe(true);
    }
  });

  it('keeps serving after the whole corpus', async () => {
    const good = await textPdf(outDir, 'after-corpus.pdf', 2);
    const result = await compressPdf(gs, {
      inputPath: good,
      outputPath: path.join(outDir, 'after.pdf'),
      preset: 'screen',
      pdf,
    });
    expect(result.pages).toBe(2);
    expect(gs.stats().children.length).toBeGreaterThan(0);
  });
});
