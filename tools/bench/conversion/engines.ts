/**
 * How the merge/split engine was chosen (docs/architecture.md): qpdf's command line vs pdf-lib, on robustness (how
 * many files of ../shared/corpus/robustness each can merge with itself, output checked by poppler's pdfinfo, an
 * implementation independent of both) and speed (merge all of ../shared/corpus/compression; split each file into
 * pages). pdf-lib is not a dependency of Quire; install it anywhere and point at it:
 *
 *   npm i --prefix /tmp/pdflib pdf-lib@1.17.1
 *   npx tsx tools/bench/conversion/engines.ts --pdf-lib /tmp/pdflib
 *
 * Each run is its own process with a 30 s deadline (pdf-lib runs in a Node child), so a hang or crash is one
 * failure, not the end of the measurement.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const { values } = parseArgs({
  options: {
    'pdf-lib': { type: 'string' },
    corpus: { type: 'string' },
    'speed-only': { type: 'boolean', default: false },
  },
});
if (!values['pdf-lib']) {
  console.error(
    'usage: npx tsx tools/bench/conversion/engines.ts --pdf-lib DIR   (a folder where `npm i pdf-lib` was run)',
  );
  process.exit(2);
}
const pdfLibPath = createRequire(path.join(path.resolve(values['pdf-lib']), 'node_modules', 'x.js')).resolve(
  'pdf-lib',
);
const corpus = path.resolve(values.corpus ?? path.join(repoRoot, '../shared/corpus'));

interface Run {
  code: number | null;
  stdout: string;
  ms: number;
}

function exec(command: string, args: string[], timeoutMs = 30_000): Promise<Run> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', () => resolve({ code: -1, stdout, ms: performance.now() - started }));
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, ms: performance.now() - started });
    });
  });
}

/** pdf-lib in a child: `merge2` = every page twice into a new document; `split` = one new document per page. */
const PDF_LIB_CHILD = `
const { PDFDocument } = require(process.argv[1]);
const fs = require('node:fs');
const [mode, input, out] = process.argv.slice(2);
(async () => {
  const t0 = performance.now();
  if (mode === 'merge-all') {
    const doc = await PDFDocument.create();
    for (const f of JSON.parse(input)) { const s = await PDFDocument.load(fs.readFileSync(f)); (await doc.copyPages(s, s.getPageIndices())).forEach((p) => doc.addPage(p)); }
    fs.writeFileSync(out, await doc.save());
    console.log(JSON.stringify({ pages: doc.getPageCount(), ms: performance.now() - t0 }));
    return;
  }
  const src = await PDFDocument.load(fs.readFileSync(input), { updateMetadata: false });
  const n = src.getPageCount();
  if (mode === 'merge2') {
    const doc = await PDFDocument.create();
    for (let k = 0; k < 2; k++) (await doc.copyPages(src, src.getPageIndices())).forEach((p) => doc.addPage(p));
    fs.writeFileSync(out, await doc.save());
  } else {
    for (let i = 0; i < n; i++) { const d = await PDFDocument.create(); const [p] = await d.copyPages(src, [i]); d.addPage(p); fs.writeFileSync(out + '-' + (i + 1) + '.pdf', await d.save()); }
  }
  console.log(JSON.stringify({ pages: n, ms: performance.now() - t0 }));
})().catch((e) => { console.error(e); process.exit(1); });`;

const pdfLib = (mode: string, input: string, out: string) =>
  exec(process.execPath, ['-e', PDF_LIB_CHILD, pdfLibPath, mode, input, out]);

async function pdfinfoPages(file: string): Promise<number | undefined> {
  const r = await exec('pdfinfo', [file], 10_000);
  const m = /^Pages:\s+(\d+)/m.exec(r.stdout);
  return r.code === 0 && m ? Number(m[1]) : undefined;
}

async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

async function main(): Promise<void> {
  const robustness = path.join(corpus, 'robustness');
  if (!existsSync(robustness)) throw new Error(`no corpus at ${corpus}`);
  const work = await mkdtemp(path.join(os.tmpdir(), 'quire-engines-'));
  try {
    if (!values['speed-only']) await robustnessRun(robustness, work);
    await speedRun(work);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function robustnessRun(robustness: string, work: string): Promise<void> {
  let qOk = 0;
  let pOk = 0;
  let both = 0;
  const onlyQ: string[] = [];
  const onlyP: string[] = [];
  const all = await files(robustness);
  for (const file of all) {
    const rel = path.relative(robustness, file);
    // qpdf: page count, then every page twice ("." is the primary input), exit 3 = repaired with warnings.
    let q = false;
    const count = await exec('qpdf', ['--show-npages', file]);
    const n = Number(count.stdout.trim());
    if ((count.code === 0 || count.code === 3) && n > 0) {
      const out = path.join(work, 'q.pdf');
      const merged = await exec('qpdf', [file, '--pages', '.', '1-z', '.', '1-z', '--', out]);
      q = (merged.code === 0 || merged.code === 3) && (await pdfinfoPages(out)) === 2 * n;
      await rm(out, { force: true });
    }
    let p = false;
    const out = path.join(work, 'p.pdf');
    const r = await pdfLib('merge2', file, out);
    if (r.code === 0) {
      const pages = (JSON.parse(r.stdout) as { pages: number }).pages;
      p = pages > 0 && (await pdfinfoPages(out)) === 2 * pages;
    }
    await rm(out, { force: true });
    if (q) qOk++;
    if (p) pOk++;
    if (q && p) both++;
    if (q && !p) onlyQ.push(rel);
    if (p && !q) onlyP.push(rel);
  }
  console.log(
    `robustness: ${all.length} files; merge-with-itself verified by pdfinfo: qpdf ${qOk}, pdf-lib ${pOk} (both ${both})`,
  );
  console.log(`  only qpdf (${onlyQ.length}): ${onlyQ.join(', ')}`);
  console.log(`  only pdf-lib (${onlyP.length}): ${onlyP.join(', ')}`);
}

async function speedRun(work: string): Promise<void> {
  const valid = (await files(path.join(corpus, 'compression'))).filter((f) => f.endsWith('.pdf'));
  const qMerge = await exec(
    'qpdf',
    [valid[0], '--pages', ...valid.flatMap((f) => [f, '1-z']), '--', path.join(work, 'qm.pdf')],
    600_000,
  );
  const pMerge = await exec(
    process.execPath,
    ['-e', PDF_LIB_CHILD, pdfLibPath, 'merge-all', JSON.stringify(valid), path.join(work, 'pm.pdf')],
    600_000,
  );
  const status = (r: Run) => (r.code === 0 || r.code === 3 ? '' : ` (FAILED, exit ${r.code})`);
  console.log(
    `merge all ${valid.length} compression-corpus files: qpdf ${qMerge.ms.toFixed(0)} ms${status(qMerge)}, pdf-lib ${pMerge.ms.toFixed(0)} ms${status(pMerge)} (process start-up included on both sides)`,
  );
  let qSplit = 0;
  let pSplit = 0;
  const splitFailures: string[] = [];
  for (const f of valid) {
    const dir = await mkdtemp(path.join(work, 's-'));
    const q = await exec('qpdf', [f, '--split-pages', path.join(dir, 'q-%d.pdf')], 600_000);
    const p = await pdfLib('split', f, path.join(dir, 'p'));
    qSplit += q.ms;
    pSplit += p.ms;
    if (status(q)) splitFailures.push(`qpdf ${path.basename(f)}`);
    if (status(p)) splitFailures.push(`pdf-lib ${path.basename(f)}`);
    await rm(dir, { recursive: true, force: true });
  }
  console.log(
    `split every compression-corpus file into pages: qpdf ${qSplit.toFixed(0)} ms, pdf-lib ${pSplit.toFixed(0)} ms${splitFailures.length ? `; failed: ${splitFailures.join(', ')}` : ''}`,
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
