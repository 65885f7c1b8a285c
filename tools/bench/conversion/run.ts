/**
 * Conversion benchmark: Quire's engines against the plain command lines, all measured in the same run on the same
 * machine, one document at a time.
 *
 *   npx tsx tools/bench/conversion/run.ts [--ops raster,merge,split] [--dpi 150] [--max-pages 20] [--runs 3]
 *
 * - raster: what the convert-to-images handler does (pdf.js page sizes in its supervised child, then Ghostscript in
 *   its supervised child, batches of 20 pages, images measured) vs `gs` with the same arguments, and vs `pdftoppm`
 *   at the same dpi (both anti-aliased, PNG).
 * - merge: what the merge handler does (qpdf page counts, the merge, the output check, each a supervised qpdf
 *   process) vs one `qpdf` command line with the same page selection. Each file merged with itself, and all files
 *   merged into one.
 * - split: what the split handler does for "one file per page" (page count + `--split-pages`, supervised) vs one
 *   `qpdf --split-pages` command line.
 * See README.md for the figures and how to read them.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  buildRasterArgs,
  createGhostscript,
  ghostscriptSafeArgs,
  rasterizePdf,
} from '@quire/engine-ghostscript';
import { createPdfEngine } from '@quire/engine-pdf';
import { createQpdf, mergePdfs, splitPdf, toQpdfRanges } from '@quire/engine-qpdf';
import { cleanDir, cli, commandVersion, intOption, listPdfs } from '../bench-kit';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const OPS = ['raster', 'merge', 'split'] as const;
type Op = (typeof OPS)[number];

const USAGE = `usage: npx tsx tools/bench/conversion/run.ts [options]
  --corpus DIR      PDFs, searched recursively (default ../shared/corpus/compression)
  --filter TEXT     only files whose path contains TEXT
  --ops LIST        raster,merge,split (default all)
  --dpi N           rendering resolution (default 150)
  --max-pages N     pages rendered per file: 1..N (default 20; the 206-page file would dominate otherwise)
  --runs N          measured runs per file and side; the median is reported (default 3)
  --warmup N        unmeasured runs before those (default 1)
  --json FILE       also write every measurement as JSON
  --report FILE     print the tables of a saved --json file without measuring anything`;

interface Options {
  corpus: string;
  filter: string | undefined;
  ops: Op[];
  dpi: number;
  maxPages: number;
  runs: number;
  warmup: number;
  json: string | undefined;
  report: string | undefined;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      corpus: { type: 'string' },
      filter: { type: 'string' },
      ops: { type: 'string' },
      dpi: { type: 'string', default: '150' },
      'max-pages': { type: 'string', default: '20' },
      runs: { type: 'string', default: '3' },
      warmup: { type: 'string', default: '1' },
      json: { type: 'string' },
      report: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const int = intOption;
  const ops = (values.ops?.split(',') ?? [...OPS]).map((o) => o.trim());
  const unknown = ops.filter((o) => !(OPS as readonly string[]).includes(o));
  if (unknown.length) throw new Error(`unknown op(s): ${unknown.join(', ')}`);
  return {
    corpus: path.resolve(values.corpus ?? path.join(repoRoot, '../shared/corpus/compression')),
    filter: values.filter,
    ops: ops as Op[],
    dpi: int('dpi', values.dpi, 36),
    maxPages: int('max-pages', values['max-pages'], 1),
    runs: int('runs', values.runs, 1),
    warmup: int('warmup', values.warmup, 0),
    json: values.json,
    report: values.report,
  };
}

// ---- measuring ----

type Outcome = { ms: number; note?: string } | { error: string };
const failed = (o: Outcome): o is { error: string } => 'error' in o;

async function timed(fn: () => Promise<string | void>): Promise<Outcome> {
  const started = performance.now();
  try {
    const note = await fn();
    return { ms: performance.now() - started, ...(note ? { note } : {}) };
  } catch (err) {
    return { error: err instanceof Error ? err.message.split('\n')[0].slice(0, 120) : String(err) };
  }
}

async function median(side: () => Promise<Outcome>, opts: Options): Promise<Outcome> {
  for (let i = 0; i < opts.warmup; i++) {
    const w = await side();
    if (failed(w)) return w;
  }
  const samples: Array<{ ms: number; note?: string }> = [];
  for (let i = 0; i < opts.runs; i++) {
    const s = await side();
    if (failed(s)) return s;
    samples.push(s);
  }
  samples.sort((a, b) => a.ms - b.ms);
  return samples[Math.floor(samples.length / 2)];
}

// ---- report ----

interface Row {
  op: string;
  file: string;
  pages: number;
  sides: Record<string, Outcome>;
}

const SIDES: Record<Op, [string, string[]]> = {
  raster: ['ours', ['gs', 'pdftoppm']],
  merge: ['ours', ['qpdf']],
  split: ['ours', ['qpdf']],
};

const fmt = (o: Outcome | undefined): string => (!o ? '-' : failed(o) ? `✗ ${o.error}` : o.ms.toFixed(0));
const ratio = (a: Outcome | undefined, b: Outcome | undefined): number | undefined =>
  a && b && !failed(a) && !failed(b) && b.ms > 0 ? a.ms / b.ms : undefined;

function report(rows: Row[], ops: Op[]): string {
  const out: string[] = [];
  for (const op of ops) {
    const [ours, others] = SIDES[op];
    const mine = rows.filter((r) => r.op === op);
    if (mine.length === 0) continue;
    const head = [
      'file',
      'pages',
      `${ours} ms`,
      ...others.map((o) => `${o} ms`),
      ...others.map((o) => `${ours}/${o}`),
    ];
    out.push(
      `### ${op}\n`,
      `| ${head.join(' | ')} |`,
      `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    );
    for (const r of mine) {
      const ratios = others.map((o) => ratio(r.sides[ours], r.sides[o])?.toFixed(2) ?? '-');
      out.push(
        `| ${r.file} | ${r.pages} | ${fmt(r.sides[ours])} | ${others.map((o) => fmt(r.sides[o])).join(' | ')} | ${ratios.join(' | ')} |`,
      );
    }
    const totalsHead = [
      'vs',
      'files',
      `${ours} ms (sum)`,
      'other ms (sum)',
      'ratio of sums',
      'median ratio',
      'min',
      'max',
    ];
    out.push(
      '',
      `| ${totalsHead.join(' | ')} |`,
      `|${totalsHead.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    );
    for (const other of others) {
      const both = mine.filter((r) => ratio(r.sides[ours], r.sides[other]) !== undefined);
      const sum = (side: string) => both.reduce((n, r) => n + (r.sides[side] as { ms: number }).ms, 0);
      const ratios = both.map((r) => ratio(r.sides[ours], r.sides[other])!).sort((a, b) => a - b);
      const med = ratios.length ? ratios[Math.floor(ratios.length / 2)].toFixed(2) : 'n/a';
      out.push(
        `| ${other} | ${both.length} | ${sum(ours).toFixed(0)} | ${sum(other).toFixed(0)} | ${(sum(ours) / Math.max(1, sum(other))).toFixed(2)} | ${med} | ${ratios[0]?.toFixed(2) ?? '-'} | ${ratios.at(-1)?.toFixed(2) ?? '-'} |`,
      );
    }
    out.push('');
  }
  return out.join('\n');
}

async function main(): Promise<void> {
  const opts = parseOptions();
  if (opts.report) {
    const saved = JSON.parse(await readFile(opts.report, 'utf8')) as { options: Options; rows: Row[] };
    console.log(report(saved.rows, saved.options.ops));
    return;
  }
  if (!existsSync(opts.corpus)) {
    console.error(`no corpus at ${opts.corpus}: pass --corpus DIR`);
    process.exit(2);
  }
  const files = await listPdfs(opts.corpus, opts.filter);
  if (files.length === 0) {
    console.error(`no PDFs under ${opts.corpus}`);
    process.exit(2);
  }
  const work = await mkdtemp(path.join(os.tmpdir(), 'quire-bench-conv-'));
  console.log(`# conversion benchmark: ${opts.ops.join(', ')}`);
  console.log(
    `# ${new Date().toISOString()} · ${os.cpus()[0]?.model ?? 'CPU'} × ${os.cpus().length} · load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(
        ' ',
      )} · Node ${process.version} · gs ${await commandVersion('gs', ['--version'])} · ${await commandVersion('qpdf', ['--version'])} · ${await commandVersion('pdftoppm', ['-v'])}`,
  );
  console.log(
    `# ${files.length} files · ${opts.dpi} dpi · up to ${opts.maxPages} pages rendered per file · warm-up ${opts.warmup}, median of ${opts.runs}\n`,
  );

  const gs = createGhostscript({ size: 1, timeoutMs: 600_000, memoryLimitMb: 4096 });
  const pdf = createPdfEngine({ size: 1, timeoutMs: 120_000 });
  const qpdf = createQpdf({ size: 1, timeoutMs: 600_000, memoryLimitMb: 4096 });
  const stop = async () => {
    await Promise.all([gs.close(), pdf.close(), qpdf.close()]);
    await rm(work, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void stop().finally(() => process.exit(130)));
  const rows: Row[] = [];
  const log = (r: Row) =>
    console.error(
      `  ${r.op} ${r.file} (${r.pages} p): ${Object.entries(r.sides)
        .map(([k, v]) => `${k} ${fmt(v)}`)
        .join(' · ')}`,
    );

  try {
    await Promise.all([gs.warmup(), pdf.warmup()]);
    const counts = new Map<string, number>();
    for (const file of files) counts.set(file, await qpdf.countPages(file).catch(() => 0));
    const usable = files.filter((f) => (counts.get(f) ?? 0) > 0);

    if (opts.ops.includes('raster')) {
      for (const file of usable) {
        const pages = Array.from({ length: Math.min(opts.maxPages, counts.get(file)!) }, (_, i) => i + 1);
        const ours = () =>
          timed(async () => {
            const out = await cleanDir(path.join(work, 'ours'));
            const info = await pdf.inspect(file, { pageSizes: [{ start: 1, end: pages.length }] });
            if ((info.pageSizes ?? []).length !== pages.length) throw new Error('page sizes missing');
            const images = await rasterizePdf(gs, {
              inputPath: file,
              outputDir: out,
              pages,
              format: 'png',
              dpi: opts.dpi,
            });
            return `${images.reduce((n, i) => n + i.bytes, 0)} B`;
          });
        const gsCli = () =>
          timed(async () => {
            const out = await cleanDir(path.join(work, 'gs'));
            const args = buildRasterArgs({
              inputPath: file,
              outputPattern: path.join(out, 'p-%d.png'),
              pages,
              format: 'png',
              dpi: opts.dpi,
            });
            await cli('gs', [...ghostscriptSafeArgs(), ...args]);
          });
        const poppler = () =>
          timed(async () => {
            const out = await cleanDir(path.join(work, 'pdftoppm'));
            await cli('pdftoppm', [
              '-r',
              String(opts.dpi),
              '-png',
              '-cropbox',
              '-f',
              '1',
              '-l',
              String(pages.length),
              file,
              path.join(out, 'p'),
            ]);
          });
        const row: Row = {
          op: 'raster',
          file: path.relative(opts.corpus, file),
          pages: pages.length,
          sides: {
            ours: await median(ours, opts),
            gs: await median(gsCli, opts),
            pdftoppm: await median(poppler, opts),
          },
        };
        rows.push(row);
        log(row);
      }
    }

    if (opts.ops.includes('merge')) {
      const mergeCase = async (label: string, inputs: string[]) => {
        const total = inputs.reduce((n, f) => n + counts.get(f)!, 0);
        const ours = () =>
          timed(async () => {
            // As the handler: count each input, merge with explicit selections, check the output's page count.
            const selections = [];
            for (const f of inputs) {
              const n = await qpdf.countPages(f);
              selections.push({ path: f, pages: Array.from({ length: n }, (_, i) => i + 1) });
            }
            const result = await mergePdfs(qpdf, {
              inputs: selections,
              outputPath: path.join(work, 'ours-merged.pdf'),
            });
            return `${result.outputBytes} B`;
          });
        const qpdfCli = () =>
          timed(async () => {
            const args = [
              inputs[0],
              '--pages',
              ...inputs.flatMap((f, i) => [
                i === 0 ? '.' : f,
                toQpdfRanges(Array.from({ length: counts.get(f)! }, (_, p) => p + 1)),
              ]),
              '--',
              path.join(work, 'cli-merged.pdf'),
            ];
            await cli('qpdf', args, [0, 3]);
          });
        const row: Row = {
          op: 'merge',
          file: label,
          pages: total,
          sides: { ours: await median(ours, opts), qpdf: await median(qpdfCli, opts) },
        };
        rows.push(row);
        log(row);
      };
      for (const file of usable) await mergeCase(`${path.relative(opts.corpus, file)} ×2`, [file, file]);
      if (usable.length > 1) await mergeCase(`all ${usable.length} files`, usable);
    }

    if (opts.ops.includes('split')) {
      for (const file of usable) {
        const n = counts.get(file)!;
        const ours = () =>
          timed(async () => {
            const out = await cleanDir(path.join(work, 'ours-split'));
            const count = await qpdf.countPages(file);
            const parts = Array.from({ length: count }, (_, i) => [i + 1]);
            await splitPdf(qpdf, {
              inputPath: file,
              pageCount: count,
              parts,
              outputPaths: parts.map((_, i) => path.join(out, `part-${i + 1}.pdf`)),
            });
          });
        const qpdfCli = () =>
          timed(async () => {
            const out = await cleanDir(path.join(work, 'cli-split'));
            await cli('qpdf', [file, '--split-pages', path.join(out, 'part-%d.pdf')], [0, 3]);
          });
        const row: Row = {
          op: 'split',
          file: path.relative(opts.corpus, file),
          pages: n,
          sides: { ours: await median(ours, opts), qpdf: await median(qpdfCli, opts) },
        };
        rows.push(row);
        log(row);
      }
    }

    console.log(report(rows, opts.ops));
    console.log(
      'ms: median wall time of one run. ours/x < 1: ours is faster. ✗: that side failed (its error).',
    );
    if (opts.json) await writeFile(opts.json, JSON.stringify({ options: opts, rows }, null, 2));
  } finally {
    await stop();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
