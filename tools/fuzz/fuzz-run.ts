/**
 * Bounded mutation fuzzing (docs/architecture.md (hostile input)): seed PDFs and images are mutated (mutate.ts) and
 * fed to each engine wrapper the handlers call — pdf.js inspection, qpdf page count and merge, Ghostscript pdfwrite
 * and rasterising, img2pdf, Tesseract — and, given a gateway, to the upload path. Every call must end within its
 * deadline in a result or a typed QuireError (never INTERNAL, never an untyped exception), and the run's process
 * must survive. Inputs that break the rule are saved to a findings folder (outside the repository) with a note.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { QuireError } from '@quire/errors';
import { createGhostscript, buildPdfwriteArgs, rasterizePdf } from '@quire/engine-ghostscript';
import { createImg2pdf } from '@quire/engine-img2pdf';
import { createPdfEngine } from '@quire/engine-pdf';
import { createQpdf, mergePdfs } from '@quire/engine-qpdf';
import { createTesseract } from '@quire/engine-tesseract';
import { makeNumberedPdf, makeTextPng } from '@quire/pdf-fixtures';
import { mutate, Rng } from './mutate';

export type FuzzTarget =
  | 'pdf.inspect'
  | 'qpdf.countPages'
  | 'qpdf.merge'
  | 'gs.pdfwrite'
  | 'gs.rasterize'
  | 'img2pdf.convert'
  | 'tesseract.recognize'
  | 'upload';

export const ENGINE_TARGETS: readonly FuzzTarget[] = [
  'pdf.inspect',
  'qpdf.countPages',
  'qpdf.merge',
  'gs.pdfwrite',
  'gs.rasterize',
  'img2pdf.convert',
  'tesseract.recognize',
];
const IMAGE_TARGETS = new Set<FuzzTarget>(['img2pdf.convert', 'tesseract.recognize']);

export interface FuzzOptions {
  seed: number;
  iterations: number;
  /** Stop starting new iterations after this long. */
  budgetMs: number;
  targets: readonly FuzzTarget[];
  /** Seed files (PDFs); built-in fixtures are always added. */
  seedFiles?: readonly string[];
  /** Where failing inputs are written (outside the repository). */
  findingsDir: string;
  /** Deadline of one engine call, beyond the engine's own timeout (a hang is a finding). */
  callDeadlineMs?: number;
  /** The upload target: a running gateway. */
  gateway?: { url: string; key: string; jobType?: string };
  log?: (line: string) => void;
}

export interface Finding {
  iteration: number;
  target: FuzzTarget;
  mutation: string;
  problem: string;
  file: string;
}

export interface FuzzReport {
  iterations: number;
  seconds: number;
  /** target → outcome (`ok`, or the error code) → count */
  outcomes: Record<string, Record<string, number>>;
  findings: Finding[];
}

interface Engines {
  pdf: ReturnType<typeof createPdfEngine>;
  qpdf: ReturnType<typeof createQpdf>;
  gs: ReturnType<typeof createGhostscript>;
  img2pdf: ReturnType<typeof createImg2pdf>;
  tesseract: ReturnType<typeof createTesseract> | null;
}

function engines(targets: readonly FuzzTarget[]): Engines {
  // Limits as the workers set them (smaller deadlines: a fuzz input that needs minutes is itself a finding).
  const common = { timeoutMs: 20_000, memoryLimitMb: 1024 };
  return {
    pdf: createPdfEngine({ ...common, maxPages: 10_000 }),
    qpdf: createQpdf(common),
    gs: createGhostscript(common),
    img2pdf: createImg2pdf(common),
    tesseract: targets.includes('tesseract.recognize')
      ? createTesseract({ ...common, timeoutMs: 30_000 })
      : null,
  };
}

async function callTarget(
  target: FuzzTarget,
  e: Engines,
  input: string,
  work: string,
  options: FuzzOptions,
): Promise<string> {
  switch (target) {
    case 'pdf.inspect':
      await e.pdf.inspect(input, { pageSizes: [{ start: 1, end: 3 }] });
      return 'ok';
    case 'qpdf.countPages':
      await e.qpdf.countPages(input, { maxPages: 10_000 });
      return 'ok';
    case 'qpdf.merge':
      await mergePdfs(e.qpdf, {
        inputs: [
          { path: input, label: 'file #1' },
          { path: input, label: 'file #2' },
        ],
        outputPath: path.join(work, 'merged.pdf'),
      });
      return 'ok';
    case 'gs.pdfwrite':
      await e.gs.run(
        buildPdfwriteArgs({ inputPath: input, outputPath: path.join(work, 'out.pdf'), preset: 'screen' }),
      );
      return 'ok';
    case 'gs.rasterize':
      await rasterizePdf(e.gs, {
        inputPath: input,
        outputDir: path.join(work, 'raster'),
        pages: [1],
        format: 'png',
        dpi: 36,
      });
      return 'ok';
    case 'img2pdf.convert':
      await e.img2pdf.convert(input, path.join(work, 'image.pdf'));
      return 'ok';
    case 'tesseract.recognize':
      await e.tesseract!.recognize(input, { languages: ['eng'], dpi: 150 });
      return 'ok';
    case 'upload': {
      const gateway = options.gateway!;
      const form = new FormData();
      form.append('file', new Blob([await readFile(input)], { type: 'application/pdf' }), 'fuzz.pdf');
      const res = await fetch(`${gateway.url}/v1/jobs/${gateway.jobType ?? 'compress'}`, {
        method: 'POST',
        body: form,
        headers: { authorization: `Bearer ${gateway.key}` },
      });
      const body = (await res.json().catch(() => null)) as {
        id?: string;
        error?: { code?: string; message?: string };
      } | null;
      if (res.status === 202 && body?.id) return 'accepted';
      if (res.status >= 400 && res.status < 500 && body?.error?.code && body.error.message)
        return `${res.status}:${body.error.code}`;
      throw new Error(`upload answered ${res.status} ${JSON.stringify(body)}`);
    }
  }
}

/** What is wrong with how a call ended, or null when it ended well. */
function judge(err: unknown): string | null {
  if (!(err instanceof QuireError))
    return `untyped ${(err as Error)?.name ?? typeof err}: ${(err as Error)?.message ?? String(err)}`;
  if (err.code === 'INTERNAL') return `INTERNAL: ${err.message}`;
  if (err.message.trim().length < 10) return `no reason: "${err.message}"`;
  return null;
}

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineMissed(`no result or error within ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

class DeadlineMissed extends Error {
  override name = 'DeadlineMissed';
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const log = options.log ?? (() => undefined);
  const started = Date.now();
  const rng = new Rng(options.seed);
  const pdfSeeds: Buffer[] = [makeNumberedPdf(3, 200), makeNumberedPdf(1)];
  for (const file of options.seedFiles ?? []) pdfSeeds.push(await readFile(file));
  const targets = options.targets.filter((t) => t !== 'upload' || options.gateway);
  const imageSeeds: Buffer[] = targets.some((t) => IMAGE_TARGETS.has(t))
    ? [await makeTextPng(['Fuzz seed 123'], 72)]
    : [];
  const e = engines(targets);
  const work = await mkdtemp(path.join(os.tmpdir(), 'quire-fuzz-'));
  const outcomes: Record<string, Record<string, number>> = {};
  const findings: Finding[] = [];
  let iteration = 0;
  try {
    for (; iteration < options.iterations && Date.now() - started < options.budgetMs; iteration++) {
      const target = targets[iteration % targets.length];
      const seeds = IMAGE_TARGETS.has(target) ? imageSeeds : pdfSeeds;
      const seed = rng.pick(seeds);
      const { bytes, what } = mutate(rng, seed, rng.pick(pdfSeeds));
      const input = path.join(work, `input-${iteration}${IMAGE_TARGETS.has(target) ? '.png' : '.pdf'}`);
      await writeFile(input, bytes);
      const callWork = path.join(work, `w-${iteration}`);
      await mkdir(callWork);
      let outcome: string;
      let problem: string | null = null;
      try {
        outcome = await withDeadline(
          callTarget(target, e, input, callWork, options),
          options.callDeadlineMs ?? 90_000,
        );
      } catch (err) {
        problem = err instanceof DeadlineMissed ? `hang: ${err.message}` : judge(err);
        outcome = err instanceof QuireError ? err.code : 'FINDING';
      }
      outcomes[target] ??= {};
      outcomes[target][outcome] = (outcomes[target][outcome] ?? 0) + 1;
      if (problem) {
        await mkdir(options.findingsDir, { recursive: true });
        const file = path.join(
          options.findingsDir,
          `seed${options.seed}-it${iteration}-${target}${path.extname(input)}`,
        );
        await writeFile(file, bytes);
        await writeFile(`${file}.txt`, `target: ${target}\nmutation: ${what}\nproblem: ${problem}\n`);
        findings.push({ iteration, target, mutation: what, problem, file });
        log(`FINDING #${iteration} ${target} (${what}): ${problem} → ${file}`);
      }
      await rm(input, { force: true });
      await rm(callWork, { recursive: true, force: true });
    }
  } finally {
    await Promise.allSettled([
      e.pdf.close(),
      e.qpdf.close(),
      e.gs.close(),
      e.img2pdf.close(),
      e.tesseract?.close(),
    ]);
    await rm(work, { recursive: true, force: true });
  }
  return { iterations: iteration, seconds: Math.round((Date.now() - started) / 1000), outcomes, findings };
}

export function formatFuzzReport(report: FuzzReport): string {
  const lines = [
    `${report.iterations} iterations in ${report.seconds} s, ${report.findings.length} findings`,
  ];
  for (const [target, counts] of Object.entries(report.outcomes))
    lines.push(
      `  ${target}: ${Object.entries(counts)
        .sort()
        .map(([k, n]) => `${k} ×${n}`)
        .join(', ')}`,
    );
  for (const f of report.findings)
    lines.push(`  FINDING ${f.target} #${f.iteration} (${f.mutation}): ${f.problem}`);
  return lines.join('\n');
}
