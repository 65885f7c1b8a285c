/**
 * Compression benchmark: Quire's compression against the plain `gs` command line with the same pdfwrite
 * arguments, both measured in the same run on the same machine.
 *
 *   npx tsx tools/bench/compression/run.ts [--runs 3] [--warmup 1] [--presets lossless,ebook] [--filter name]
 *   npx tsx tools/bench/compression/run.ts --e2e --url http://localhost:3000 --key KEY
 *
 * Handler mode times `compressPdf` (@quire/pipeline-compression, what the handlers call) through the supervised
 * engines (pdf.js check, Ghostscript in its child, output check). End-to-end mode times submit → poll → download through the HTTP API. See README.md.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import {
  buildPdfwriteArgs,
  COMPRESSION_PRESETS,
  createGhostscript,
  ghostscriptSafeArgs,
  isCompressionPreset,
  type CompressionPreset,
} from '@quire/engine-ghostscript';
import { createPdfEngine } from '@quire/engine-pdf';
import { compressPdf } from '@quire/pipeline-compression';
import { intOption, listPdfs } from '../bench-kit';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

const USAGE = `usage: npx tsx tools/bench/compression/run.ts [options]
  --corpus DIR        PDFs to compress, searched recursively (default ../shared/corpus/compression)
  --presets LIST      comma-separated presets (default: all: ${COMPRESSION_PRESETS.join(',')})
  --filter TEXT       only files whose path contains TEXT
  --runs N            measured runs per file and preset; the median is reported (default 3)
  --warmup N          unmeasured runs before those (default 1)
  --slow-ms MS        a pair whose warm-up takes longer is measured once, its warm-up being that run (default 20000)
  --timeout-ms MS     deadline of one compression, both sides (default 600000)
  --json FILE         also write every measurement as JSON
  --report FILE       print the tables of a saved --json file without measuring anything
  --e2e               go through the HTTP API instead of calling compressPdf
  --url URL           gateway base URL for --e2e (default http://localhost:3000)
  --key KEY           API key for --e2e
  --poll-ms MS        job polling interval for --e2e (default 250)`;

interface Options {
  corpus: string;
  presets: CompressionPreset[];
  filter: string | undefined;
  runs: number;
  warmup: number;
  slowMs: number;
  timeoutMs: number;
  json: string | undefined;
  report: string | undefined;
  e2e: boolean;
  url: string;
  key: string | undefined;
  pollMs: number;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      corpus: { type: 'string' },
      presets: { type: 'string' },
      filter: { type: 'string' },
      runs: { type: 'string', default: '3' },
      warmup: { type: 'string', default: '1' },
      'slow-ms': { type: 'string', default: '20000' },
      'timeout-ms': { type: 'string', default: '600000' },
      json: { type: 'string' },
      report: { type: 'string' },
      e2e: { type: 'boolean', default: false },
      url: { type: 'string', default: 'http://localhost:3000' },
      key: { type: 'string' },
      'poll-ms': { type: 'string', default: '250' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const int = intOption;
  const presets = (values.presets?.split(',') ?? [...COMPRESSION_PRESETS]).map((p) => p.trim());
  const unknown = presets.filter((p) => !isCompressionPreset(p));
  if (unknown.length) throw new Error(`unknown preset(s): ${unknown.join(', ')}`);
  if (values.e2e && !values.key) throw new Error('--e2e needs --key');
  return {
    corpus: path.resolve(values.corpus ?? path.join(repoRoot, '../shared/corpus/compression')),
    presets: presets as CompressionPreset[],
    filter: values.filter,
    runs: int('runs', values.runs, 1),
    warmup: int('warmup', values.warmup, 0),
    slowMs: int('slow-ms', values['slow-ms'], 0),
    timeoutMs: int('timeout-ms', values['timeout-ms'], 1),
    json: values.json,
    report: values.report,
    e2e: values.e2e,
    url: values.url.replace(/\/+$/, ''),
    key: values.key,
    pollMs: int('poll-ms', values['poll-ms'], 10),
  };
}

// ---- measurements ----

interface Sample {
  ms: number;
  bytes: number;
}

type Failure = { error: string };
type Outcome = Sample | Failure;
const failed = (o: Outcome): o is Failure => 'error' in o;

/** One side of the comparison: compresses `input` into `output` and says how long it took and how big the result is. */
type Side = (input: string, output: string, preset: CompressionPreset) => Promise<Outcome>;

const gsCli =
  (timeoutMs: number): Side =>
  async (input, output, preset) => {
    const args = [
      ...ghostscriptSafeArgs(),
      ...buildPdfwriteArgs({ inputPath: input, outputPath: output, preset }),
    ];
    const started = performance.now();
    const code = await new Promise<number | string>((resolve) => {
      const child = spawn('gs', args, { stdio: 'ignore' });
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('error', (err) => resolve(err.message));
      child.on('exit', (exitCode, signal) => {
        clearTimeout(timer);
        resolve(signal ? `killed by ${signal}` : (exitCode ?? -1));
      });
    });
    const ms = performance.now() - started;
    if (code !== 0) return { error: `gs: ${code}` };
    return { ms, bytes: (await stat(output)).size };
  };

type Measured = Outcome & { runs: number; slow?: boolean };

async function median(
  side: Side,
  input: string,
  output: string,
  preset: CompressionPreset,
  opts: Options,
): Promise<Measured> {
  let last: Outcome = { error: 'not run' };
  for (let i = 0; i < opts.warmup; i++) {
    last = await side(input, output, preset);
    if (failed(last)) return { ...last, runs: 0 };
    // A warm-up this slow already is a representative run; repeating it would take the benchmark hours.
    if (last.ms > opts.slowMs) return { ...last, runs: 1, slow: true };
  }
  const samples: Sample[] = [];
  for (let i = 0; i < opts.runs; i++) {
    last = await side(input, output, preset);
    if (failed(last)) return { ...last, runs: samples.length };
    samples.push(last);
  }
  samples.sort((a, b) => a.ms - b.ms);
  const mid = samples[Math.floor(samples.length / 2)];
  return { ...mid, runs: samples.length };
}

// ---- end-to-end through the HTTP API ----

interface JobBody {
  id: string;
  status: string;
  error?: { code: string; message: string } | null;
}

function e2eSide(opts: Options): Side {
  const auth = { Authorization: `Bearer ${opts.key}` };
  return async (input, output, preset) => {
    const started = performance.now();
    const form = new FormData();
    form.append('file', new Blob([await readFile(input)], { type: 'application/pdf' }), path.basename(input));
    form.append('params', JSON.stringify({ preset }));
    const submitted = await fetch(`${opts.url}/v1/jobs/compress`, {
      method: 'POST',
      headers: auth,
      body: form,
    });
    if (submitted.status !== 202)
      return { error: `submit: HTTP ${submitted.status} ${await submitted.text()}` };
    const job = (await submitted.json()) as JobBody;
    const deadline = Date.now() + opts.timeoutMs;
    let status = job.status;
    let body = job;
    while (!['completed', 'failed', 'cancelled'].includes(status)) {
      if (Date.now() > deadline) return { error: `job ${job.id} still ${status} after ${opts.timeoutMs} ms` };
      await new Promise((resolve) => setTimeout(resolve, opts.pollMs));
      const polled = await fetch(`${opts.url}/v1/jobs/${job.id}`, { headers: auth });
      if (!polled.ok) return { error: `poll: HTTP ${polled.status}` };
      body = (await polled.json()) as JobBody;
      status = body.status;
    }
    if (status !== 'completed')
      return { error: `job ${status}: ${body.error?.code ?? ''} ${body.error?.message ?? ''}`.trim() };
    const download = await fetch(`${opts.url}/v1/jobs/${job.id}/download`, { headers: auth });
    if (!download.ok) return { error: `download: HTTP ${download.status}` };
    const bytes = Buffer.from(await download.arrayBuffer());
    const ms = performance.now() - started;
    await writeFile(output, bytes);
    return { ms, bytes: bytes.length };
  };
}

// ---- report ----

interface Row {
  file: string;
  preset: CompressionPreset;
  inputBytes: number;
  ours: Measured;
  gs: Measured;
}

const fmtMs = (ms: number): string => ms.toFixed(0);
const fmtRatio = (a: number, b: number): string => (b > 0 ? (a / b).toFixed(3) : 'n/a');

function table(rows: Row[], oursLabel: string): string {
  const head = [
    'file',
    'preset',
    'input bytes',
    `${oursLabel} bytes`,
    'gs bytes',
    `size ${oursLabel}/gs`,
    `${oursLabel} ms`,
    'gs ms',
    `time ${oursLabel}/gs`,
  ];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i < 2 ? '---' : '---:')).join('|')}|`];
  for (const r of rows) {
    const ours = failed(r.ours) ? r.ours.error : String(r.ours.bytes);
    const gs = failed(r.gs) ? r.gs.error : String(r.gs.bytes);
    const both = !failed(r.ours) && !failed(r.gs);
    const single = r.ours.slow || r.gs.slow ? ' †' : '';
    lines.push(
      `| ${r.file} | ${r.preset} | ${r.inputBytes} | ${ours} | ${gs} | ${both ? fmtRatio((r.ours as Sample).bytes, (r.gs as Sample).bytes) : '-'} | ${
        failed(r.ours) ? '-' : fmtMs(r.ours.ms) + single
      } | ${failed(r.gs) ? '-' : fmtMs(r.gs.ms)} | ${both ? fmtRatio((r.ours as Sample).ms, (r.gs as Sample).ms) : '-'} |`,
    );
  }
  return lines.join('\n');
}

function totals(rows: Row[], presets: CompressionPreset[], oursLabel: string): string {
  const head = [
    'preset',
    'files',
    'input bytes',
    `${oursLabel} bytes`,
    'gs bytes',
    `size ${oursLabel}/gs`,
    `${oursLabel}/input`,
    `${oursLabel} ms`,
    'gs ms',
    `time ${oursLabel}/gs`,
    `median time ${oursLabel}/gs`,
  ];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i < 1 ? '---' : '---:')).join('|')}|`];
  for (const preset of presets) {
    // Only pairs where both sides succeeded, so the sums compare like with like.
    const ok = rows.filter((r) => r.preset === preset && !failed(r.ours) && !failed(r.gs));
    const sum = (f: (r: Row) => number): number => ok.reduce((acc, r) => acc + f(r), 0);
    const input = sum((r) => r.inputBytes);
    const oursBytes = sum((r) => (r.ours as Sample).bytes);
    const gsBytes = sum((r) => (r.gs as Sample).bytes);
    const oursMs = sum((r) => (r.ours as Sample).ms);
    const gsMs = sum((r) => (r.gs as Sample).ms);
    // Sums are dominated by the slowest document; the median of per-file ratios is what a typical file sees.
    const ratios = ok.map((r) => (r.ours as Sample).ms / (r.gs as Sample).ms).sort((a, b) => a - b);
    const medianRatio = ratios.length ? (ratios[Math.floor(ratios.length / 2)] ?? NaN).toFixed(3) : 'n/a';
    lines.push(
      `| ${preset} | ${ok.length} | ${input} | ${oursBytes} | ${gsBytes} | ${fmtRatio(oursBytes, gsBytes)} | ${fmtRatio(oursBytes, input)} | ${fmtMs(oursMs)} | ${fmtMs(gsMs)} | ${fmtRatio(oursMs, gsMs)} | ${medianRatio} |`,
    );
  }
  return lines.join('\n');
}

async function gsVersion(): Promise<string> {
  try {
    return (await promisify(execFile)('gs', ['--version'])).stdout.trim();
  } catch {
    return 'not found';
  }
}

function printReport(rows: Row[], presets: CompressionPreset[], label: string, slowMs: number): void {
  console.log(`\n${table(rows, label)}\n`);
  console.log(`Per-preset totals (pairs where both sides succeeded):\n\n${totals(rows, presets, label)}\n`);
  console.log(
    `† measured once: its warm-up took longer than ${slowMs} ms. ${label} bytes never exceed the input (the original is kept when gs cannot shrink it); gs bytes are the raw gs output.`,
  );
}

async function main(): Promise<void> {
  const opts = parseOptions();
  if (opts.report) {
    const saved = JSON.parse(await readFile(opts.report, 'utf8')) as { options: Options; rows: Row[] };
    printReport(saved.rows, saved.options.presets, saved.options.e2e ? 'e2e' : 'ours', saved.options.slowMs);
    return;
  }
  if (!existsSync(opts.corpus)) {
    console.error(`no corpus at ${opts.corpus}: pass --corpus DIR`);
    process.exit(2);
  }
  const files = await listPdfs(opts.corpus, opts.filter);
  if (files.length === 0) {
    console.error(`no PDFs under ${opts.corpus}${opts.filter ? ` matching "${opts.filter}"` : ''}`);
    process.exit(2);
  }
  const work = await mkdtemp(path.join(os.tmpdir(), 'quire-bench-'));
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(
    `# compression benchmark (${opts.e2e ? `end-to-end via ${opts.url}` : 'handler: compressPdf through the supervised engines'})`,
  );
  console.log(
    `# ${new Date().toISOString()} · ${cpu} × ${os.cpus().length} · Node ${process.version} · Ghostscript ${await gsVersion()} · ${files.length} files × ${opts.presets.length} presets · warm-up ${opts.warmup}, median of ${opts.runs}`,
  );

  const gsEngine = opts.e2e ? undefined : createGhostscript({ size: 1, timeoutMs: opts.timeoutMs });
  const pdf = opts.e2e ? undefined : createPdfEngine({ size: 1, timeoutMs: opts.timeoutMs });
  const stop = async (): Promise<void> => {
    await Promise.all([gsEngine?.close(), pdf?.close()]);
    await rm(work, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void stop().finally(() => process.exit(130)));

  try {
    await Promise.all([gsEngine?.warmup(), pdf?.warmup()]);
    const ours: Side = gsEngine
      ? async (input, output, preset) => {
          const started = performance.now();
          try {
            const result = await compressPdf(gsEngine, { inputPath: input, outputPath: output, preset, pdf });
            return { ms: performance.now() - started, bytes: result.outputBytes };
          } catch (err) {
            return { error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
          }
        }
      : e2eSide(opts);
    const gs = gsCli(opts.timeoutMs);

    const rows: Row[] = [];
    for (const file of files) {
      const inputBytes = (await stat(file)).size;
      const name = path.relative(opts.corpus, file);
      for (const preset of opts.presets) {
        const oursOut = path.join(work, 'ours.pdf');
        const gsOut = path.join(work, 'gs.pdf');
        const row: Row = {
          file: name,
          preset,
          inputBytes,
          ours: await median(ours, file, oursOut, preset, opts),
          gs: await median(gs, file, gsOut, preset, opts),
        };
        rows.push(row);
        const show = (o: Outcome): string => (failed(o) ? o.error : `${o.bytes} B ${fmtMs(o.ms)} ms`);
        console.error(
          `  ${name} ${preset}: ${opts.e2e ? 'e2e' : 'ours'} ${show(row.ours)} · gs ${show(row.gs)}`,
        );
      }
    }

    printReport(rows, opts.presets, opts.e2e ? 'e2e' : 'ours', opts.slowMs);
    if (opts.json) await writeFile(opts.json, JSON.stringify({ options: opts, rows }, null, 2));
  } finally {
    await stop();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
