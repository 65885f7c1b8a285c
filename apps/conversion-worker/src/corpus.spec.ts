/**
 * Every file of the shared robustness corpus (malformed, fuzzed, truncated, encrypted, page-count and decompression
 * bombs, files that hang or crash reference tools) through each conversion handler with its real engines: each
 * run must end with a result or a typed, client-readable error (never INTERNAL), within its deadlines, and the
 * engines must keep serving. The API path is covered on a sample by tests/e2e/conversion.e2e.spec.ts.
 * Skipped when ../shared/corpus is absent.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGhostscript, type Ghostscript } from '@quire/engine-ghostscript';
import { createPdfEngine, type PdfEngine } from '@quire/engine-pdf';
import { createQpdf, type Qpdf } from '@quire/engine-qpdf';
import type { JobType } from '@quire/job-model';
import type { AnyJobHandler } from '@quire/worker-runtime';
import { expectCleanCorpusOutcomes, sharedCorpus, makeNumberedPdf } from '@quire/testing';
import { createTestJobContext as testJob } from '@quire/worker-testing';
import { convertToImagesHandler } from './handlers/convert-to-images.handler';
import { mergeHandler } from './handlers/merge.handler';
import { splitHandler } from './handlers/split.handler';
import type { ConversionLimits } from './support';

const {
  corpusDir,
  dir: robustnessDir,
  present: hasCorpus,
} = sharedCorpus('robustness', 'conversion corpus.spec');

const GS_DEADLINE_MS = 20_000;
const QPDF_DEADLINE_MS = 15_000;
const INSPECT_DEADLINE_MS = 15_000;
// The slowest path: inspection, then rendering batches of up to 5 pages (each under the Ghostscript deadline).
const PER_RUN_LIMIT_MS = INSPECT_DEADLINE_MS + 4 * GS_DEADLINE_MS + 5_000;
const LIMITS: ConversionLimits = { maxPages: 20, maxOutputs: 20, maxPixelsPerPage: 10_000_000 };

interface Outcome {
  type: JobType;
  file: string;
  ms: number;
  error?: unknown;
  outputs?: number;
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

describe.skipIf(!hasCorpus)(
  'robustness corpus through the conversion handlers (needs ../shared/corpus)',
  () => {
    let gs: Ghostscript;
    let pdf: PdfEngine;
    let qpdf: Qpdf;
    let work: string;
    let good: string;
    const outcomes: Outcome[] = [];

    beforeAll(async () => {
      work = await mkdtemp(path.join(tmpdir(), 'quire-conv-corpus-'));
      good = path.join(work, 'good.pdf');
      await writeFile(good, makeNumberedPdf(2));
      gs = createGhostscript({ size: 2, timeoutMs: GS_DEADLINE_MS, memoryLimitMb: 1024, maxQueue: 4 });
      pdf = createPdfEngine({ size: 2, timeoutMs: INSPECT_DEADLINE_MS });
      qpdf = createQpdf({ size: 2, timeoutMs: QPDF_DEADLINE_MS, memoryLimitMb: 1024 });
      await Promise.all([gs.warmup(), pdf.warmup()]);

      const handlers: Array<{
        type: JobType;
        handler: AnyJobHandler<'convert-to-images' | 'merge' | 'split'>;
        params: unknown;
        inputs: (file: string) => Array<{ path: string; name: string }>;
      }> = [
        {
          type: 'convert-to-images',
          handler: convertToImagesHandler({
            gs,
            pdf,
            limits: LIMITS,
            renderTimeoutMs: () => GS_DEADLINE_MS,
            inspectTimeoutMs: INSPECT_DEADLINE_MS,
            batchSize: 5,
          }),
          params: { dpi: 36 },
          inputs: (file) => [{ path: file, name: path.basename(file) }],
        },
        {
          type: 'merge',
          handler: mergeHandler({ qpdf, limits: LIMITS, timeoutMs: () => QPDF_DEADLINE_MS }),
          params: {},
          inputs: (file) => [
            { path: file, name: path.basename(file) },
            { path: good, name: 'good.pdf' },
          ],
        },
        {
          type: 'split',
          handler: splitHandler({ qpdf, limits: LIMITS, timeoutMs: () => QPDF_DEADLINE_MS }),
          params: { mode: 'pages' },
          inputs: (file) => [{ path: file, name: path.basename(file) }],
        },
      ];
      const files = await listFiles(robustnessDir);
      const runs = files.flatMap((file) => handlers.map((h) => ({ file, ...h })));
      let next = 0;
      const lane = async (): Promise<void> => {
        while (next < runs.length) {
          const run = runs[next++];
          const t = await testJob(work, run.type, run.params, run.inputs(run.file));
          const started = Date.now();
          try {
            const result = await run.handler(t.ctx as never);
            outcomes.push({
              type: run.type,
              file: run.file,
              ms: Date.now() - started,
              outputs: (result.outputs as unknown[]).length,
            });
          } catch (error) {
            outcomes.push({ type: run.type, file: run.file, ms: Date.now() - started, error });
          } finally {
            await t.cleanup();
            await rm(path.join(work, 'storage', 'jobs', t.ctx.job.id), { recursive: true, force: true });
          }
        }
      };
      await Promise.all([lane(), lane()]);
    }, 900_000);

    afterAll(async () => {
      await Promise.all([gs?.close(), pdf?.close(), qpdf?.close()]);
      if (work) await rm(work, { recursive: true, force: true });
    });

    it('ends every run with a result or a typed, readable error, each within its deadlines', () => {
      expect(outcomes.length).toBeGreaterThan(300);
      for (const o of outcomes) if (o.error === undefined) expect(o.outputs, o.file).toBeGreaterThan(0);
      expectCleanCorpusOutcomes(outcomes, {
        corpusDir,
        perRunLimitMs: PER_RUN_LIMIT_MS,
        tag: 'conversion corpus.spec',
        privatePath: /\/tmp\/|quire-conv-corpus/,
      });
    });

    it('merges and splits what qpdf can repair: most of the corpus completes', () => {
      // Measured on this corpus: qpdf merges 169 of 244 files (pdf-lib 150), see docs/architecture.md.
      const completed = (type: JobType) =>
        outcomes.filter((o) => o.type === type && o.error === undefined).length;
      expect(completed('merge')).toBeGreaterThan(140);
      expect(completed('split')).toBeGreaterThan(140);
      expect(completed('convert-to-images')).toBeGreaterThan(120);
    });

    it('keeps serving after the whole corpus', async () => {
      const t = await testJob(work, 'convert-to-images', { dpi: 36 }, [{ path: good, name: 'good.pdf' }]);
      const result = await convertToImagesHandler({
        gs,
        pdf,
        limits: LIMITS,
        renderTimeoutMs: () => GS_DEADLINE_MS,
        inspectTimeoutMs: INSPECT_DEADLINE_MS,
      })(t.ctx);
      expect(result.pages).toBe(2);
    });
  },
);
