/**
 * Hostile page selections against a 100,000-page document, through the real handlers and engines (qpdf, pdf.js in
 * supervised processes): `1-` repeated 256 times selects 25.6 million pages. It used to be expanded page by page
 * before any limit was checked (1.2 GB, the event loop blocked for seconds, the worker killed by OOM); every limit
 * must now refuse it from the counts, without the worker's event loop noticing.
 */
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LimitExceededError } from '@quire/errors';
import { createGhostscript, type Ghostscript } from '@quire/engine-ghostscript';
import { createPdfEngine, type PdfEngine } from '@quire/engine-pdf';
import { createQpdf, type Qpdf } from '@quire/engine-qpdf';

import { makeNumberedPdf } from '@quire/testing';
import { createTestJobContext as testJob } from '@quire/worker-testing';
import type { ConversionLimits } from '../support';
import { convertToImagesHandler } from './convert-to-images.handler';
import { mergeHandler } from './merge.handler';
import { splitHandler } from './split.handler';

const LIMITS: ConversionLimits = { maxPages: 2_000, maxOutputs: 1_000, maxPixelsPerPage: 50_000_000 };
import { PAGE_RANGE_LIMITS } from '@quire/job-model';
const BOMB = Array.from({ length: PAGE_RANGE_LIMITS.maxRanges }, () => '1-').join(',');
/** The engines' own work (counting 100,000 pages) happens in child processes; this process must stay responsive. */
const MAX_LOOP_STALL_MS = 1_000;
/** Listing the bomb's pages took 375-534 MB more peak RSS; counting them takes nothing measurable. */
const MAX_PEAK_GROWTH_MB = 64;

let dir: string;
let huge: string;
let small: string;
let gs: Ghostscript;
let pdf: PdfEngine;
let qpdf: Qpdf;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'quire-page-bomb-'));
  huge = path.join(dir, 'huge.pdf');
  small = path.join(dir, 'small.pdf');
  await writeFile(huge, makeNumberedPdf(100_000));
  await writeFile(small, makeNumberedPdf(2));
  gs = createGhostscript({ timeoutMs: 60_000 });
  pdf = createPdfEngine({ timeoutMs: 60_000 });
  qpdf = createQpdf({ timeoutMs: 60_000 });
});

afterAll(async () => {
  await Promise.all([gs?.close(), pdf?.close(), qpdf?.close()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Runs a handler, returning its error, the longest event-loop stall meanwhile and how much the peak RSS grew. */
async function refusal(
  run: () => Promise<unknown>,
): Promise<{ error: unknown; stallMs: number; peakGrowthMb: number }> {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  const peakBefore = process.resourceUsage().maxRSS;
  loop.enable();
  const error = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  loop.disable();
  // maxRSS is the process's peak: it grows only if the handler took more memory than anything before it.
  return {
    error,
    stallMs: loop.max / 1e6,
    peakGrowthMb: (process.resourceUsage().maxRSS - peakBefore) / 1024,
  };
}

describe('a page-range bomb against a 100,000-page document', () => {
  it('split: refused on the page count (repeats counted) without listing pages', async () => {
    const t = await testJob(dir, 'split', { mode: 'ranges', ranges: [BOMB] }, [
      { path: huge, name: 'huge.pdf' },
    ]);
    const { error, stallMs, peakGrowthMb } = await refusal(() =>
      splitHandler({ qpdf, limits: LIMITS, timeoutMs: () => 60_000 })(t.ctx),
    );
    expect(error).toBeInstanceOf(LimitExceededError);
    expect((error as Error).message).toBe(
      'page limit exceeded: the split would write 25600000 pages; the limit is 2000 pages per job',
    );
    expect(stallMs).toBeLessThan(MAX_LOOP_STALL_MS);
    expect(peakGrowthMb).toBeLessThan(MAX_PEAK_GROWTH_MB);
    await t.cleanup();
  });

  it('merge: refused on the page count of the first file, before the second is read', async () => {
    const t = await testJob(dir, 'merge', { ranges: [BOMB, '1'] }, [
      { path: huge, name: 'huge.pdf' },
      { path: small, name: 'small.pdf' },
    ]);
    const { error, stallMs, peakGrowthMb } = await refusal(() =>
      mergeHandler({ qpdf, limits: LIMITS, timeoutMs: () => 60_000 })(t.ctx),
    );
    expect(error).toBeInstanceOf(LimitExceededError);
    expect((error as Error).message).toBe(
      'page limit exceeded: the merged document would have 25600000 pages; the limit is 2000 pages per job',
    );
    expect(stallMs).toBeLessThan(MAX_LOOP_STALL_MS);
    expect(peakGrowthMb).toBeLessThan(MAX_PEAK_GROWTH_MB);
    await t.cleanup();
  });

  it('convert-to-images: refused on the distinct page count', async () => {
    const t = await testJob(dir, 'convert-to-images', { pages: BOMB }, [{ path: huge, name: 'huge.pdf' }]);
    const { error, stallMs, peakGrowthMb } = await refusal(() =>
      convertToImagesHandler({
        gs,
        pdf,
        limits: LIMITS,
        renderTimeoutMs: () => 60_000,
        inspectTimeoutMs: 60_000,
      })(t.ctx),
    );
    expect(error).toBeInstanceOf(LimitExceededError);
    expect((error as Error).message).toBe(
      'page limit exceeded: the job selects 100000 pages; the limit is 2000 pages per job',
    );
    expect(stallMs).toBeLessThan(MAX_LOOP_STALL_MS);
    expect(peakGrowthMb).toBeLessThan(MAX_PEAK_GROWTH_MB);
    await t.cleanup();
  });

  it('split every page: refused on the output count before 100,000 parts are listed', async () => {
    const t = await testJob(dir, 'split', { mode: 'pages' }, [{ path: huge, name: 'huge.pdf' }]);
    const { error, peakGrowthMb } = await refusal(() =>
      splitHandler({ qpdf, limits: { ...LIMITS, maxPages: 200_000 }, timeoutMs: () => 60_000 })(t.ctx),
    );
    expect(peakGrowthMb).toBeLessThan(MAX_PEAK_GROWTH_MB);
    expect(error).toBeInstanceOf(LimitExceededError);
    expect((error as Error).message).toContain('the job would produce 100000 files');
    await t.cleanup();
  });
});
