/**
 * OCR benchmark: what the OCR worker's handler does (mode `force`: every page read) against OCRmyPDF, both measured
 * in the same run on the same machine, one document at a time, with the same text extractor for accuracy.
 *
 *   npx tsx tools/bench/ocr/run.ts [--filter linn] [--runs 3] [--warmup 1] [--json /tmp/ocr.json]
 *   npx tsx tools/bench/ocr/run.ts --report /tmp/ocr.json
 *
 * - ours: `makeSearchablePdf` (@quire/pipeline-ocr), the pipeline `ocrHandler` calls, in mode `force`: pdf.js
 *   reads page count, sizes and text layer (supervised child), Ghostscript renders every page at 300 dpi in its
 *   supervised libgs child, tesseract.js recognises each page in its supervised child and writes a one-page
 *   invisible-text PDF, qpdf lays the layers over the original pages; the engines wired as in
 *   apps/ocr-worker/src/main.ts at the config defaults.
 *   Children are started before measuring, as in a running worker.
 * - ocrmypdf: `ocrmypdf -l eng --output-type pdf --optimize 0 --jobs 1 --tesseract-timeout 120 [--redo-ocr] in out`
 *   (`--redo-ocr` only for inputs that already hold text; see README.md for why not `--force-ocr`).
 * - accuracy: `pdftotext out.pdf -` on both outputs, character error rate (`characterErrorRate`) against the
 *   reference text where one exists: linn.txt for the linn-derived files (itself imperfect OCR output), the exact
 *   text for the generated `makeScannedPdf()` fixture. Also with `pdftotext -raw` (the order the text was written
 *   in), because poppler's reading-order reconstruction interleaves the columns of two-column pages.
 * Installs OCRmyPDF with apt when it is missing and running as root; otherwise prints the apt line and exits 2.
 * See README.md for the figures and how to read them.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { createGhostscript } from '@quire/engine-ghostscript';
import { createImg2pdf } from '@quire/engine-img2pdf';
import { createPdfEngine } from '@quire/engine-pdf';
import { createQpdf } from '@quire/engine-qpdf';
import { characterErrorRate, createTesseract, ocrModel, wordErrorRate } from '@quire/engine-tesseract';
import { makeSearchablePdf, type SearchablePdfEngines } from '@quire/pipeline-ocr';
import { makeScannedPdf } from '@quire/pdf-fixtures';
import { scaledDeadline } from '@quire/worker-runtime';
import { cleanDir, cli, commandVersion, intOption } from '../bench-kit';

const exec = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** The default set: single-page linn variants, a small French page, the 6-page mixed file (≈ 6–8 min in all). */
const DEFAULT_FILES = [
  'ocrmypdf/linn.pdf',
  'ocrmypdf/skew.pdf',
  'ocrmypdf/ccitt.pdf',
  'ocrmypdf/jbig2.pdf',
  'ocrmypdf/francais.pdf',
  'ocrmypdf/multipage.pdf',
];
/** Files whose pages are all the linn.png scan (skewed, re-encoded, enlarged): reference linn.txt, once per page. */
const LINN_DERIVED = ['linn', 'skew', 'ccitt', 'jbig2', 'rotated_skew', 'poster', 'cardinal'];
const FIXTURE = 'generated/scanned-fixture.pdf';

/** The OCR worker's config defaults (apps/ocr-worker/src/config.ts), wired as its main.ts does. */
const WORKER = {
  ocrChildren: 1,
  // The worker's is 120 s; the benchmark allows 10 min on both sides, so that a loaded shared machine does not make
  // OCRmyPDF skip a page (on a Tesseract timeout it keeps the page without text) or fail ours.
  ocrPageTimeoutMs: 600_000,
  ocrMaxRssMb: 1536,
  ocrRecycleAfter: 100,
  ocrDpi: 300,
  ocrMaxPages: 1_000,
  ocrMaxPixels: 150_000_000,
  gsChildren: 1,
  gsTimeoutMs: 30_000,
  gsTimeoutPerPageMs: 6_000,
  gsTimeoutMaxMs: 5 * 60_000,
  gsMaxRssMb: 1536,
  qpdfTimeoutMs: 30_000,
  qpdfTimeoutPerPageMs: 200,
  qpdfTimeoutMaxMs: 5 * 60_000,
  pdfTimeoutMs: 60_000,
};

const USAGE = `usage: npx tsx tools/bench/ocr/run.ts [options]
  --corpus DIR      OCR corpus (default ../shared/corpus/ocr); default files: ${DEFAULT_FILES.map((f) => path.basename(f)).join(', ')}
  --filter TEXT     instead of the default set: every PDF under --corpus whose path contains TEXT (".pdf": all)
  --no-fixture      leave out the generated makeScannedPdf() fixture (exact reference text)
  --lang LIST       Tesseract languages, comma-separated, both sides (default eng)
  --ocrmypdf-mode M auto (default: --redo-ocr only when the input has text), plain, redo-ocr, skip-text, force-ocr
  --runs N          measured runs per file and side; the median is reported (default 3)
  --warmup N        unmeasured runs before those (default 1)
  --slow-ms MS      a side whose warm-up takes longer is measured once, its warm-up being that run (default 30000)
  --jobs N          cores each side gets: our Tesseract children (pages in parallel), OCRmyPDF --jobs N (default: all cores)
  --model M         our LSTM models: best_int (default), standard, or a folder of <lang>.traineddata (e.g. Debian's fast)
  --dpi N           our render resolution (default 300, the worker's)
  --multipage N     add a generated N-page scan made of corpus pages (linn, ccitt, jbig2 in turn; reference linn.txt
                    per page), measured once per side (default 50; 0: none)
  --no-breakdown    skip the one-page breakdown (where the time of one page goes)
  --json FILE       also write every measurement as JSON
  --report FILE     print the tables of a saved --json file without measuring anything`;

const MODES = ['auto', 'plain', 'redo-ocr', 'skip-text', 'force-ocr'] as const;
type Mode = (typeof MODES)[number];

interface Options {
  corpus: string;
  filter: string | undefined;
  fixture: boolean;
  languages: string[];
  mode: Mode;
  runs: number;
  warmup: number;
  slowMs: number;
  json: string | undefined;
  report: string | undefined;
  jobs: number;
  model: string;
  dpi: number;
  multipage: number;
  breakdown: boolean;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      corpus: { type: 'string' },
      filter: { type: 'string' },
      'no-fixture': { type: 'boolean', default: false },
      lang: { type: 'string', default: 'eng' },
      'ocrmypdf-mode': { type: 'string', default: 'auto' },
      runs: { type: 'string', default: '3' },
      warmup: { type: 'string', default: '1' },
      'slow-ms': { type: 'string', default: '30000' },
      json: { type: 'string' },
      report: { type: 'string' },
      jobs: { type: 'string', default: String(os.availableParallelism()) },
      model: { type: 'string', default: 'best_int' },
      dpi: { type: 'string', default: '300' },
      multipage: { type: 'string', default: '50' },
      'no-breakdown': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const int = intOption;
  const mode = values['ocrmypdf-mode'];
  if (!(MODES as readonly string[]).includes(mode))
    throw new Error(`--ocrmypdf-mode: one of ${MODES.join(', ')}`);
  const languages = values.lang.split(',').map((l) => l.trim());
  if (languages.some((l) => !/^[a-z_]{3,12}$/.test(l)))
    throw new Error(`--lang: Tesseract codes, e.g. eng,deu`);
  return {
    corpus: path.resolve(values.corpus ?? path.join(repoRoot, '../shared/corpus/ocr')),
    filter: values.filter,
    fixture: !values['no-fixture'],
    languages,
    mode: mode as Mode,
    runs: int('runs', values.runs, 1),
    warmup: int('warmup', values.warmup, 0),
    slowMs: int('slow-ms', values['slow-ms'], 0),
    json: values.json,
    report: values.report,
    jobs: int('jobs', values.jobs, 1),
    model: values.model,
    dpi: int('dpi', values.dpi, 50),
    multipage: int('multipage', values.multipage, 0),
    breakdown: !values['no-breakdown'],
  };
}

// ---- measuring ----

type Outcome = { ms: number } | { error: string };
type Measured = Outcome & { runs: number; samples?: number[]; slow?: boolean };
const failed = (o: Outcome): o is { error: string } => 'error' in o;

async function timed(fn: () => Promise<void>): Promise<Outcome> {
  const started = performance.now();
  try {
    await fn();
    return { ms: performance.now() - started };
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const message = err instanceof Error ? err.message.split('\n')[0].slice(0, 160) : String(err);
    return { error: typeof code === 'string' ? `${code}: ${message}` : message };
  }
}

/**
 * Warm-up then measured runs of every side, the sides taking turns run by run (ours, ocrmypdf, ours, …) so that a
 * change in the machine's load (it is shared) hits both alike. A side that fails stops there; a side whose warm-up
 * took longer than `--slow-ms` is not repeated: that warm-up is its one run.
 */
async function measureSides(sides: Array<() => Promise<Outcome>>, opts: Options): Promise<Measured[]> {
  const results: Array<Measured | undefined> = sides.map(() => undefined);
  const samples: number[][] = sides.map(() => []);
  for (let i = 0; i < opts.warmup; i++) {
    for (const [k, side] of sides.entries()) {
      if (results[k]) continue;
      const w = await side();
      if (failed(w)) results[k] = { ...w, runs: 0 };
      // A warm-up this slow already is a representative run; repeating it would take the benchmark too long.
      else if (i === opts.warmup - 1 && w.ms > opts.slowMs)
        results[k] = { ...w, runs: 1, samples: [w.ms], slow: true };
    }
  }
  for (let i = 0; i < opts.runs; i++) {
    for (const [k, side] of sides.entries()) {
      if (results[k]) continue;
      const s = await side();
      if (failed(s)) results[k] = { ...s, runs: i };
      else samples[k].push(s.ms);
    }
  }
  return results.map((r, k) => {
    if (r) return r;
    const sorted = [...samples[k]].sort((a, b) => a - b);
    return { ms: sorted[Math.floor(sorted.length / 2)], runs: sorted.length, samples: samples[k] };
  });
}

/** `pdftotext out.pdf -` (poppler's reading-order reconstruction), or with `-raw` (content-stream order). */
async function pdfText(file: string, raw = false): Promise<string> {
  const args = [...(raw ? ['-raw'] : []), file, '-'];
  const { stdout } = await exec('pdftotext', args, { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

// ---- OCRmyPDF ----

/** OCRmyPDF and the Tesseract CLI's language data: installed with apt when missing (as root), else exit 2. */
async function ensureOcrmypdf(languages: string[]): Promise<void> {
  const missingLangs = async () => {
    const listed = await exec('tesseract', ['--list-langs']).catch(() => ({ stdout: '' }));
    const have = new Set(listed.stdout.split('\n').map((l) => l.trim()));
    return languages.filter((l) => !have.has(l));
  };
  const ok = async () =>
    (await commandVersion('ocrmypdf', ['--version'])) !== 'not found' && !(await missingLangs()).length;
  if (await ok()) return;
  const packages = ['ocrmypdf', ...languages.map((l) => `tesseract-ocr-${l.replace(/_/g, '-')}`)];
  const line = `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${packages.join(' ')}`;
  if (process.getuid?.() !== 0) {
    console.error(`OCRmyPDF (or its Tesseract language data) is missing. Install it, as root:\n  ${line}`);
    process.exit(2);
  }
  console.error(`# installing ${packages.join(' ')} with apt`);
  const apt = (args: string[]) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn('apt-get', args, {
        stdio: ['ignore', 'inherit', 'inherit'],
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      });
      child.on('error', reject);
      child.on('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`apt-get ${args[0]}: exit ${code}`)),
      );
    });
  await apt(['update']);
  await apt(['install', '-y', '--no-install-recommends', ...packages]);
  if (!(await ok())) throw new Error(`OCRmyPDF still unusable after installing; try: ${line}`);
}

function ocrmypdfArgs(
  input: string,
  output: string,
  mode: Exclude<Mode, 'auto'>,
  languages: string[],
  jobs: number,
): string[] {
  return [
    '-q',
    ...(mode === 'plain' ? [] : [`--${mode}`]),
    '-l',
    languages.join('+'),
    '--output-type',
    'pdf',
    '--optimize',
    '0',
    '--jobs',
    String(jobs),
    '--tesseract-timeout',
    String(WORKER.ocrPageTimeoutMs / 1000),
    input,
    output,
  ];
}

// ---- report ----

interface Side {
  time: Measured;
  bytes?: number;
  /** Character error rate of the output's text (`pdftotext out.pdf -`) against the reference, when there is one. */
  cer?: number;
  /** The same with `pdftotext -raw` (text in the order it was written: the recogniser's own reading order). */
  cerRaw?: number;
  /** Word error rate of the `-raw` text against the reference. */
  werRaw?: number;
  /** Non-blank characters of the output's text. */
  chars?: number;
  /** Why accuracy could not be measured (the side failed, or text extraction failed). */
  textError?: string;
}

interface Row {
  file: string;
  pages: number;
  inputBytes: number;
  reference: string | undefined;
  ocrmypdfMode: string;
  /** 1-minute load average before and after measuring this file (the machine is shared). */
  load?: [number, number];
  ours: Side;
  ocrmypdf: Side;
  /** CER of our text against OCRmyPDF's (both `-raw`): how much the two outputs differ, reference or not. */
  crossCer?: number;
}

const ms = (m: Measured): string =>
  failed(m) ? `✗ ${m.error}` : `${(m.ms / 1000).toFixed(2)}${m.slow ? ' †' : ''}`;
const kb = (b: number | undefined): string => (b === undefined ? '-' : (b / 1024).toFixed(0));
const pct = (n: number | undefined): string => (n === undefined ? '-' : `${(n * 100).toFixed(1)} %`);
const ratio = (a: Measured, b: Measured): number | undefined =>
  !failed(a) && !failed(b) && b.ms > 0 ? a.ms / b.ms : undefined;

function report(rows: Row[]): string {
  const head = [
    'file',
    'pages',
    'ours s',
    'ocrmypdf s',
    'ours/ocrmypdf',
    'ours KB',
    'ocrmypdf KB',
    'CER ours',
    'CER ocrmypdf',
    'CER raw ours',
    'CER raw ocrmypdf',
    'WER raw ours',
    'WER raw ocrmypdf',
    'ours vs ocrmypdf text',
    'reference',
  ];
  const out = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
  for (const r of rows) {
    out.push(
      `| ${[
        r.file,
        r.pages,
        ms(r.ours.time),
        ms(r.ocrmypdf.time),
        ratio(r.ours.time, r.ocrmypdf.time)?.toFixed(2) ?? '-',
        kb(r.ours.bytes),
        kb(r.ocrmypdf.bytes),
        pct(r.ours.cer),
        pct(r.ocrmypdf.cer),
        pct(r.ours.cerRaw),
        pct(r.ocrmypdf.cerRaw),
        pct(r.ours.werRaw),
        pct(r.ocrmypdf.werRaw),
        pct(r.crossCer),
        r.reference ?? '-',
      ].join(' | ')} |`,
    );
  }
  const both = rows.filter((r) => ratio(r.ours.time, r.ocrmypdf.time) !== undefined);
  const sum = (pick: (r: Row) => number | undefined) => both.reduce((n, r) => n + (pick(r) ?? 0), 0);
  const oursMs = sum((r) => (r.ours.time as { ms: number }).ms);
  const theirsMs = sum((r) => (r.ocrmypdf.time as { ms: number }).ms);
  const ratios = both.map((r) => ratio(r.ours.time, r.ocrmypdf.time)!).sort((a, b) => a - b);
  const scored = rows.filter((r) => r.ours.cer !== undefined && r.ocrmypdf.cer !== undefined);
  const meanCer = (pick: (r: Row) => number | undefined) =>
    scored.length ? scored.reduce((n, r) => n + pick(r)!, 0) / scored.length : undefined;
  out.push(
    `| **total** (${both.length} files both sides) | ${both.reduce((n, r) => n + r.pages, 0)} | ${(oursMs / 1000).toFixed(2)} | ${(
      theirsMs / 1000
    ).toFixed(
      2,
    )} | ${theirsMs > 0 ? (oursMs / theirsMs).toFixed(2) : '-'} | ${kb(sum((r) => r.ours.bytes))} | ${kb(
      sum((r) => r.ocrmypdf.bytes),
    )} | ${pct(meanCer((r) => r.ours.cer))} | ${pct(meanCer((r) => r.ocrmypdf.cer))} | ${pct(
      meanCer((r) => r.ours.cerRaw),
    )} | ${pct(meanCer((r) => r.ocrmypdf.cerRaw))} | ${pct(meanCer((r) => r.ours.werRaw))} | ${pct(
      meanCer((r) => r.ocrmypdf.werRaw),
    )} | | mean CER over ${scored.length} scored files |`,
  );
  out.push(
    '',
    `median ratio ours/ocrmypdf ${ratios.length ? ratios[Math.floor(ratios.length / 2)].toFixed(2) : 'n/a'} (range ${
      ratios[0]?.toFixed(2) ?? '-'
    } – ${ratios.at(-1)?.toFixed(2) ?? '-'}); per page: ours ${(
      oursMs /
      1000 /
      Math.max(
        1,
        both.reduce((n, r) => n + r.pages, 0),
      )
    ).toFixed(2)} s, ocrmypdf ${(
      theirsMs /
      1000 /
      Math.max(
        1,
        both.reduce((n, r) => n + r.pages, 0),
      )
    ).toFixed(2)} s`,
    's: median wall time of one run (†: one run only, its warm-up exceeded --slow-ms). ours/ocrmypdf < 1: ours is faster.',
    'CER: character error rate of `pdftotext out.pdf -` against the reference (whitespace normalised; lower is better);',
    "  on multi-column pages it mostly measures poppler's reading-order reconstruction. CER raw: `pdftotext -raw`,",
    "  the text in the order it was written (the recogniser's order), which is what the reference holds.",
    '"ours vs ocrmypdf text": CER (-raw) of our text taking OCRmyPDF\'s as the reference. ✗: that side failed (its error).',
    '',
    ...targets(both, rows),
  );
  return out.join('\n');
}

/** The issue's targets: median ratio ≤ 0.5 multi-page, ≤ 1.0 single page; CER ≤ OCRmyPDF's + 0.5 points per file. */
function targets(both: Row[], rows: Row[]): string[] {
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const line = (name: string, ok: boolean | undefined, detail: string) =>
    `- ${ok === undefined ? '–' : ok ? '✓' : '✗'} ${name}: ${detail}`;
  const ratioOf = (r: Row) => ratio(r.ours.time, r.ocrmypdf.time)!;
  const single = both.filter((r) => r.pages === 1).map(ratioOf);
  const multi = both.filter((r) => r.pages > 1).map(ratioOf);
  const scored = rows.filter((r) => r.ours.cerRaw !== undefined && r.ocrmypdf.cerRaw !== undefined);
  const worse = scored.filter((r) => r.ours.cerRaw! > r.ocrmypdf.cerRaw! + 0.005);
  return [
    'Targets (issue #14):',
    line(
      'multi-page median ours/ocrmypdf ≤ 0.5',
      multi.length ? median(multi) <= 0.5 : undefined,
      multi.length ? `${median(multi).toFixed(2)} over ${multi.length} files` : 'no multi-page file',
    ),
    line(
      'single-page median ours/ocrmypdf ≤ 1.0',
      single.length ? median(single) <= 1.0 : undefined,
      single.length ? `${median(single).toFixed(2)} over ${single.length} files` : 'no single-page file',
    ),
    line(
      'CER raw ≤ OCRmyPDF + 0.5 points on every file',
      scored.length ? worse.length === 0 : undefined,
      worse.length ? `over on ${worse.map((r) => r.file).join(', ')}` : `${scored.length} scored files`,
    ),
  ];
}

// ---- corpus ----

interface Case {
  file: string;
  label: string;
  reference: { text: string; name: string } | undefined;
  /** Measured once per side, no warm-up (the long generated scan). */
  once?: boolean;
}

/** Corpus scans cycled into the generated multi-page file; every one is the linn page (reference linn.txt). */
const MULTIPAGE_SOURCES = ['ocrmypdf/linn.pdf', 'ocrmypdf/ccitt.pdf', 'ocrmypdf/jbig2.pdf'];

/** A `pages`-page scan made of corpus pages in turn (qpdf), with its reference text; undefined without them. */
async function makeMultipageScan(opts: Options, work: string, pages: number): Promise<Case | undefined> {
  const sources = MULTIPAGE_SOURCES.map((f) => path.join(opts.corpus, f));
  const linn = path.join(opts.corpus, 'ocrmypdf/linn.txt');
  if (pages === 0 || !sources.every((f) => existsSync(f)) || !existsSync(linn)) return undefined;
  const file = path.join(work, `scan-${pages}p.pdf`);
  const list = Array.from({ length: pages }, (_, i) => sources[i % sources.length]);
  await exec('qpdf', ['--empty', '--pages', ...list, '--', file]);
  const text = await readFile(linn, 'utf8');
  return {
    file,
    label: `generated/scan-${pages}p.pdf`,
    reference: { text: Array.from({ length: pages }, () => text).join('\n'), name: 'linn.txt ×' + pages },
    once: true,
  };
}

async function listCases(opts: Options): Promise<Case[]> {
  let files: string[];
  if (opts.filter === undefined) {
    files = DEFAULT_FILES.map((f) => path.join(opts.corpus, f)).filter((f) => existsSync(f));
  } else {
    const entries = await readdir(opts.corpus, { withFileTypes: true, recursive: true });
    files = entries
      .filter((e) => e.isFile() && e.name.toLowerCase().endsWith('.pdf'))
      .map((e) => path.join(e.parentPath, e.name))
      .filter((f) => f.includes(opts.filter!))
      .sort();
  }
  const cases: Case[] = [];
  for (const file of files) {
    const stem = path.basename(file, '.pdf');
    const own = path.join(path.dirname(file), `${stem}.txt`);
    const linn = path.join(path.dirname(file), 'linn.txt');
    let reference: Case['reference'];
    if (existsSync(own)) reference = { text: await readFile(own, 'utf8'), name: path.basename(own) };
    else if (LINN_DERIVED.includes(stem) && existsSync(linn)) {
      // Every page is the linn scan (cardinal.pdf: four times, turned 0/90/180/270°).
      const pages = Number(
        (await exec('qpdf', ['--show-npages', file]).catch(() => ({ stdout: '1' }))).stdout,
      );
      const text = await readFile(linn, 'utf8');
      reference = {
        text: Array.from({ length: Math.max(1, pages) }, () => text).join('\n'),
        name: 'linn.txt',
      };
    }
    cases.push({ file, label: path.relative(opts.corpus, file), reference });
  }
  return cases;
}

// ---- main ----

async function main(): Promise<void> {
  const opts = parseOptions();
  if (opts.report) {
    const saved = JSON.parse(await readFile(opts.report, 'utf8')) as { rows: Row[] };
    console.log(report(saved.rows));
    return;
  }
  const haveCorpus = existsSync(opts.corpus);
  if (!haveCorpus) {
    console.error(
      `no OCR corpus at ${opts.corpus} (pass --corpus DIR; expected ocrmypdf/linn.pdf etc.): ${
        opts.fixture
          ? 'skipping the corpus files, measuring the generated fixture only'
          : 'nothing to measure'
      }`,
    );
    if (!opts.fixture) process.exit(2);
  }
  const cases = haveCorpus ? await listCases(opts) : [];
  if (cases.length === 0 && !opts.fixture) {
    console.error(`no PDFs to read under ${opts.corpus}${opts.filter ? ` matching "${opts.filter}"` : ''}`);
    process.exit(2);
  }
  await ensureOcrmypdf(opts.languages);
  // OCRmyPDF runs Tesseract with OpenMP threads (up to 3 per page with --jobs ≥ 2), whose default is to spin while
  // waiting: on a shared, loaded machine one page then took > 5 min instead of 20 s (measured at load 40). Passive
  // waiting is OpenMP's own setting for shared machines; it leaves OCRmyPDF's threading as it chose it.
  process.env.OMP_WAIT_POLICY ??= 'PASSIVE';

  const work = await mkdtemp(path.join(os.tmpdir(), 'quire-bench-ocr-'));
  if (opts.fixture) {
    // Known text, no text layer: the one file whose reference is exact.
    const { pdf, pageTexts } = await makeScannedPdf();
    const file = path.join(work, 'scanned-fixture.pdf');
    await writeFile(file, pdf);
    cases.push({ file, label: FIXTURE, reference: { text: pageTexts.join('\n'), name: 'exact' } });
  }
  if (haveCorpus && opts.filter === undefined) {
    const scan = await makeMultipageScan(opts, work, opts.multipage);
    if (scan) cases.push(scan);
  }

  const tesseractVersion = await commandVersion('tesseract', ['--version']);
  console.log(`# OCR benchmark: ours (mode force) vs OCRmyPDF, languages ${opts.languages.join('+')}`);
  console.log(
    `# ${new Date().toISOString()} · ${os.cpus()[0]?.model ?? 'CPU'} × ${os.cpus().length} · load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(
        ' ',
      )} · Node ${process.version} · gs ${await commandVersion('gs', ['--version'])} · ${await commandVersion('qpdf', ['--version'])} · OCRmyPDF ${await commandVersion('ocrmypdf', ['--version'])} · ${tesseractVersion}`,
  );
  console.log(
    `# ${cases.length} files · ours at ${opts.dpi} dpi, model ${opts.model}, ${opts.jobs} Tesseract children · OCRmyPDF --jobs ${opts.jobs} · warm-up ${opts.warmup}, median of ${opts.runs} (one run when the warm-up takes > ${opts.slowMs} ms)\n`,
  );

  const gs = createGhostscript({
    size: WORKER.gsChildren,
    timeoutMs: WORKER.gsTimeoutMaxMs,
    memoryLimitMb: WORKER.gsMaxRssMb,
  });
  const pdf = createPdfEngine({ timeoutMs: WORKER.pdfTimeoutMs });
  const qpdf = createQpdf({ timeoutMs: WORKER.qpdfTimeoutMaxMs });
  const img2pdf = createImg2pdf({ timeoutMs: WORKER.qpdfTimeoutMaxMs });
  const tesseract = createTesseract({
    size: opts.jobs,
    model: ocrModel(opts.model),
    timeoutMs: WORKER.ocrPageTimeoutMs,
    memoryLimitMb: WORKER.ocrMaxRssMb,
    maxTasksPerChild: WORKER.ocrRecycleAfter,
  });
  const renderDeadline = scaledDeadline(WORKER.gsTimeoutMs, WORKER.gsTimeoutPerPageMs, WORKER.gsTimeoutMaxMs);
  const qpdfDeadline = scaledDeadline(
    WORKER.qpdfTimeoutMs,
    WORKER.qpdfTimeoutPerPageMs,
    WORKER.qpdfTimeoutMaxMs,
  );
  const engines: SearchablePdfEngines = {
    gs,
    pdf,
    tesseract,
    qpdf,
    img2pdf,
    qpdfTimeoutMs: (pages: number) => qpdfDeadline(pages),
    limits: { maxPages: WORKER.ocrMaxPages, maxPixelsPerPage: WORKER.ocrMaxPixels },
    dpi: opts.dpi,
    pageConcurrency: opts.jobs,
    pageTimeoutMs: WORKER.ocrPageTimeoutMs,
    renderTimeoutMs: (pages: number) => renderDeadline(pages, (opts.dpi / 150) ** 2),
    inspectTimeoutMs: WORKER.pdfTimeoutMs,
  };
  const stop = async () => {
    await Promise.all([gs.close(), pdf.close(), qpdf.close(), img2pdf.close(), tesseract.close()]);
    await rm(work, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void stop().finally(() => process.exit(130)));

  const rows: Row[] = [];
  try {
    const startup = performance.now();
    await Promise.all([gs.warmup(), pdf.warmup(), tesseract.warmup()]);
    const startupMs = performance.now() - startup;
    if (opts.breakdown && cases.length > 0) {
      console.log(await breakdown(engines, cases[0], opts, work, startupMs));
    }
    for (const c of cases) {
      const signal = new AbortController().signal;
      const oursOut = path.join(work, 'ours-out.pdf');
      const theirsOut = path.join(work, 'ocrmypdf-out.pdf');
      // What ocrHandler does for a PDF in mode `force`: the searchable-PDF pipeline, every page read.
      const ours = () =>
        timed(async () => {
          const dir = await cleanDir(path.join(work, 'ours'));
          await rm(oursOut, { force: true });
          await makeSearchablePdf(engines, {
            inputPath: c.file,
            isImage: false,
            outputPath: oursOut,
            languages: opts.languages,
            mode: 'force',
            rotate: false,
            deskew: false,
            workDir: dir,
            signal,
            label: path.basename(c.file),
          });
        });

      // Pages and whether the input already has text (OCRmyPDF refuses such pages without a mode flag).
      const info = await pdf.inspect(c.file, { pageTexts: [{ start: 1 }] }).catch(() => undefined);
      const hasAnyText = (info?.pageTexts ?? []).some((t) => t.text.trim().length > 0);
      const mode: Exclude<Mode, 'auto'> =
        opts.mode === 'auto' ? (hasAnyText ? 'redo-ocr' : 'plain') : opts.mode;
      const theirs = () =>
        timed(async () => {
          await rm(theirsOut, { force: true });
          await cli('ocrmypdf', ocrmypdfArgs(c.file, theirsOut, mode, opts.languages, opts.jobs));
        });

      console.error(`  ${c.label}: ours and ocrmypdf${mode === 'plain' ? '' : ` --${mode}`}, in turns…`);
      const loadBefore = os.loadavg()[0];
      const [oursTime, theirsTime] = (await measureSides(
        [ours, theirs],
        c.once ? { ...opts, runs: 1, warmup: 0 } : opts,
      )) as [Measured, Measured];
      const oursSide = await score(oursTime, oursOut, c);
      const theirsSide = await score(theirsTime, theirsOut, c);
      const row: Row = {
        file: c.label,
        pages: info?.pages ?? 0,
        inputBytes: (await stat(c.file)).size,
        reference: c.reference?.name,
        ocrmypdfMode: mode,
        load: [loadBefore, os.loadavg()[0]],
        ours: oursSide.side,
        ocrmypdf: theirsSide.side,
        ...(oursSide.text !== undefined && theirsSide.text !== undefined
          ? { crossCer: characterErrorRate(oursSide.text, theirsSide.text) }
          : {}),
      };
      rows.push(row);
      console.error(
        `  ${c.label} (${row.pages} p): ours ${ms(oursTime)} s · ocrmypdf ${ms(theirsTime)} s · CER ${pct(row.ours.cer)} / ${pct(row.ocrmypdf.cer)} · raw ${pct(row.ours.cerRaw)} / ${pct(row.ocrmypdf.cerRaw)} · load ${loadBefore.toFixed(1)} → ${os.loadavg()[0].toFixed(1)}`,
      );
    }
    console.log(report(rows));
    if (opts.json) await writeFile(opts.json, JSON.stringify({ options: opts, rows }, null, 2));
  } finally {
    await stop();
  }
}

/**
 * Where the time of one document goes on our side (warm engines, as in a running worker): each stage's wall time
 * summed over its pages, from `StageTimings` the pipeline records (render, OSD, recognition, text-layer write,
 * pool queue + IPC, overlay, pdf.js), plus the children's start-up and the first recognition's model load, which a
 * running worker pays once, not per job.
 */
async function breakdown(
  engines: SearchablePdfEngines,
  c: Case,
  opts: Options,
  work: string,
  startupMs: number,
): Promise<string> {
  const stages = new Map<string, number>();
  const timings = { add: (stage: string, ms: number) => stages.set(stage, (stages.get(stage) ?? 0) + ms) };
  const run = async (keep: boolean) => {
    const dir = await cleanDir(path.join(work, 'breakdown'));
    const started = performance.now();
    await makeSearchablePdf(
      { ...engines, ...(keep ? { timings } : {}) },
      {
        inputPath: c.file,
        isImage: false,
        outputPath: path.join(dir, 'out.pdf'),
        languages: opts.languages,
        mode: 'force',
        rotate: false,
        deskew: false,
        workDir: dir,
        signal: new AbortController().signal,
      },
    );
    return performance.now() - started;
  };
  const firstMs = await run(false); // loads the model in the child(ren)
  const totalMs = await run(true);
  // The same page with orientation detection (the job's `rotate`), to price OSD.
  const osdStages = new Map(stages);
  stages.clear();
  const dir = await cleanDir(path.join(work, 'breakdown'));
  await makeSearchablePdf(
    { ...engines, timings },
    {
      inputPath: c.file,
      isImage: false,
      outputPath: path.join(dir, 'out.pdf'),
      languages: opts.languages,
      mode: 'force',
      rotate: true,
      deskew: false,
      workDir: dir,
      signal: new AbortController().signal,
    },
  );
  const osdMs = stages.get('osd') ?? 0;
  const lines = [
    `## Breakdown: ${c.label}, mode force, ${opts.dpi} dpi, model ${opts.model} (warm engines; ms, summed over pages)`,
    '',
    '| stage | ms | share |',
    '|---|---:|---:|',
  ];
  const order = [
    'pdf.js inspect',
    'render',
    'osd',
    'recognise',
    'text-layer write',
    'pool queue + IPC',
    'overlay (qpdf)',
  ];
  const known = [...order, ...[...osdStages.keys()].filter((k) => !order.includes(k))];
  let accounted = 0;
  for (const stage of known) {
    const v = osdStages.get(stage);
    if (v === undefined) continue;
    accounted += v;
    lines.push(`| ${stage} | ${v.toFixed(0)} | ${((v / totalMs) * 100).toFixed(0)} % |`);
  }
  lines.push(
    `| rest (scheduling, files, overlaps) | ${(totalMs - accounted).toFixed(0)} | ${(((totalMs - accounted) / totalMs) * 100).toFixed(0)} % |`,
    `| **one job, wall** | ${totalMs.toFixed(0)} | |`,
    '',
    `Outside the job (a running worker pays these once): children start-up (Ghostscript, pdf.js, ${opts.jobs} Tesseract) ${startupMs.toFixed(0)} ms; ` +
      `first job with model load ${firstMs.toFixed(0)} ms (≈ ${(firstMs - totalMs).toFixed(0)} ms more than warm). ` +
      `With \`rotate\` (OSD on every page): OSD ${osdMs.toFixed(0)} ms more. Render and recognition overlap across pages ` +
      `(streamed, ${opts.jobs} pages at once), so stage times can add up to more than the wall time.`,
    '',
  );
  return lines.join('\n');
}

/** Size and accuracy of a side's last output (every run writes the same file). */
async function score(time: Measured, output: string, c: Case): Promise<{ side: Side; text?: string }> {
  if (failed(time) || !existsSync(output)) return { side: { time } };
  const bytes = (await stat(output)).size;
  try {
    const text = await pdfText(output);
    const raw = await pdfText(output, true);
    return {
      side: {
        time,
        bytes,
        chars: text.replace(/\s+/g, '').length,
        ...(c.reference
          ? {
              cer: characterErrorRate(text, c.reference.text),
              cerRaw: characterErrorRate(raw, c.reference.text),
              werRaw: wordErrorRate(raw, c.reference.text),
            }
          : {}),
      },
      text: raw,
    };
  } catch (err) {
    return { side: { time, bytes, textError: err instanceof Error ? err.message : String(err) } };
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
