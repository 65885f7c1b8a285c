/**
 * Redaction benchmark (docs/architecture.md §13 (redaction)): documents with known personal data, generated fresh
 * (@quire/redaction-testing: single and two columns, a table, a rotated page, 20 pages, a file hiding values in
 * metadata, annotations, a form field, a bookmark, an attachment and an old revision; their scans at 200 and
 * 300 dpi), then
 *
 *  1. recognition: the @quire/redaction recognisers on the text the pipeline reads (pdf.js text layer for digital
 *     pages, Tesseract OCR for scans): recall and precision per type against the planted values;
 *  2. redaction: the pipeline's `redactDocument` (./redactor.ts) on every file, then the leak checker on every output
 *     (pdf.js text, qpdf --qdf dump, raw bytes with old revisions, OCR of the rendered pages): leaks per type and
 *     place, and pages per second for digital and scanned input.
 *
 *   npx tsx tools/bench/redaction/run.ts [--dpi 200,300] [--layouts table,rotated] [--no-scanned] [--no-ocr-leaks]
 *                                        [--no-redaction] [--region DE] [--ocr-children 1] [--json FILE]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { recognise, STRUCTURED_PII_TYPES } from '@quire/redaction';
import {
  closeTools,
  digitalDocuments,
  LeakChecker,
  pdfPageLines,
  scannedVersion,
  scoreDetections,
  type GeneratedDocument,
  type Leak,
  type PlantedValue,
  type ScoredDetection,
  type TypeScore,
} from '@quire/redaction-testing';
import { intOption } from '../bench-kit';
import { createRedactor, type BenchRedactor } from './redactor';

const USAGE = `usage: npx tsx tools/bench/redaction/run.ts [options]
  --dpi LIST        scan resolutions (default 200,300)
  --layouts LIST    only these layouts (single-column,two-column,table,rotated,twenty-pages,hidden-places)
  --no-scanned      digital documents only
  --no-ocr-leaks    leak check without OCR of the outputs (faster)
  --no-redaction    recognition figures only (no pipeline run, no leak check)
  --ocr-children N  Tesseract processes of the pipeline (default 1)
  --region CC       phone region for the recognisers (default DE)
  --json FILE       also write every figure as JSON`;

interface Options {
  dpis: (200 | 300)[];
  layouts: string[] | undefined;
  scanned: boolean;
  ocrLeaks: boolean;
  redaction: boolean;
  ocrChildren: number;
  region: string;
  json: string | undefined;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      dpi: { type: 'string', default: '200,300' },
      layouts: { type: 'string' },
      'no-scanned': { type: 'boolean', default: false },
      'no-ocr-leaks': { type: 'boolean', default: false },
      'no-redaction': { type: 'boolean', default: false },
      'ocr-children': { type: 'string', default: '1' },
      region: { type: 'string', default: 'DE' },
      json: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const dpis = values.dpi.split(',').map((d) => {
    if (d !== '200' && d !== '300') throw new Error(`--dpi takes 200 and/or 300, got "${d}"`);
    return Number(d) as 200 | 300;
  });
  return {
    dpis,
    layouts: values.layouts?.split(','),
    scanned: !values['no-scanned'],
    ocrLeaks: !values['no-ocr-leaks'],
    redaction: !values['no-redaction'],
    ocrChildren: intOption('ocr-children', values['ocr-children'], 1),
    region: values.region,
    json: values.json,
  };
}

/** Documents of one group (digital, or scanned at one dpi) are scored together. */
interface Group {
  name: string;
  docs: GeneratedDocument[];
}

interface GroupResult {
  group: string;
  pages: number;
  recognition: { scores: TypeScore[]; seconds: number };
  redaction?: {
    seconds: number;
    detections: Record<string, number>;
    leaks: Leak[];
    warnings: string[];
    uncheckedPages: number;
  };
}

async function main(): Promise<void> {
  const options = parseOptions();
  const work = await mkdtemp(path.join(os.tmpdir(), 'quire-bench-redaction-'));
  const checker = new LeakChecker();
  const redactor = options.redaction ? await createRedactor({ ocrChildren: options.ocrChildren }) : undefined;
  try {
    const digital = digitalDocuments().filter((d) => !options.layouts || options.layouts.includes(d.layout));
    const groups: Group[] = [{ name: 'digital', docs: digital }];
    if (options.scanned) {
      for (const dpi of options.dpis) {
        const docs: GeneratedDocument[] = [];
        // The hidden-places file tests the file structure; a scan of it is just another single page.
        for (const doc of digital.filter((d) => d.layout !== 'hidden-places'))
          docs.push(await scannedVersion(doc, dpi));
        groups.push({ name: `scanned ${dpi} dpi`, docs });
      }
    }
    const results: GroupResult[] = [];
    for (const group of groups) {
      console.error(`… ${group.name}: ${group.docs.length} documents, ${pages(group.docs)} pages`);
      results.push(await runGroup(group, work, checker, redactor, options));
    }
    report(results, redactor);
    if (options.json) await writeFile(options.json, JSON.stringify(results, null, 2));
  } finally {
    await checker.close();
    await redactor?.close();
    await closeTools();
    await rm(work, { recursive: true, force: true });
  }
}

const pages = (docs: readonly GeneratedDocument[]) => docs.reduce((n, d) => n + d.pages, 0);

/** Page numbers made unique across the documents of a group, so scoring stays page by page. */
const pageKey = (docIndex: number, page: number) => docIndex * 1000 + page;

async function runGroup(
  group: Group,
  work: string,
  checker: LeakChecker,
  redactor: BenchRedactor | undefined,
  options: Options,
): Promise<GroupResult> {
  const planted: PlantedValue[] = [];
  const detections: ScoredDetection[] = [];
  let recognitionMs = 0;
  for (const [i, doc] of group.docs.entries()) {
    const input = path.join(work, `${doc.name.replace(/[^\w@-]/g, '_')}.pdf`);
    await writeFile(input, doc.pdf);
    const started = performance.now();
    const texts =
      doc.kind === 'digital' ? await pdfPageLines(doc.pdf) : await checker.ocrTexts(input, doc.dpi ?? 300);
    texts.forEach((text, p) => {
      for (const d of recognise(text, { region: options.region })) {
        detections.push({ type: d.type, text: d.text, page: pageKey(i, p + 1) });
      }
    });
    recognitionMs += performance.now() - started;
    planted.push(...doc.planted.map((v) => ({ ...v, page: pageKey(i, v.page) })));
  }
  const result: GroupResult = {
    group: group.name,
    pages: pages(group.docs),
    recognition: {
      scores: scoreDetections(planted, detections, { fuzzy: group.docs.some((d) => d.kind === 'scanned') }),
      seconds: recognitionMs / 1000,
    },
  };
  if (!redactor) return result;

  const counts: Record<string, number> = {};
  const leaks: Leak[] = [];
  const warnings: string[] = [];
  let unchecked = 0;
  let redactionMs = 0;
  for (const doc of group.docs) {
    const input = path.join(work, `${doc.name.replace(/[^\w@-]/g, '_')}.pdf`);
    const output = path.join(work, `${doc.name.replace(/[^\w@-]/g, '_')}.redacted.pdf`);
    const started = performance.now();
    const run = await redactor.redact(input, output, { region: options.region });
    redactionMs += performance.now() - started;
    for (const d of run.detections) counts[d.type] = (counts[d.type] ?? 0) + 1;
    warnings.push(...run.warnings.map((w) => `${doc.name}: ${w}`));
    unchecked += run.uncheckedPages.length;
    const found = await checker.findLeaks(output, doc.planted, { ocr: options.ocrLeaks });
    leaks.push(...found.map((l) => ({ ...l, where: `${doc.name} ${l.where}` })));
  }
  result.redaction = {
    seconds: redactionMs / 1000,
    detections: counts,
    leaks,
    warnings,
    uncheckedPages: unchecked,
  };
  return result;
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

function report(results: GroupResult[], redactor: BenchRedactor | undefined): void {
  const out: string[] = [];
  out.push('## Recognition (@quire/redaction on the text the pipeline reads: text layer / OCR)', '');
  for (const r of results) {
    out.push(
      `### ${r.group}: ${r.pages} pages, ${(r.pages / r.recognition.seconds).toFixed(2)} pages/s (text + recognisers)`,
      '',
    );
    out.push(
      '| type | planted | recall | detections | precision | missed (first 3) | false positives (first 3) |',
    );
    out.push('| --- | ---: | ---: | ---: | ---: | --- | --- |');
    const structured = r.recognition.scores.filter((s) => STRUCTURED_PII_TYPES.includes(s.type as never));
    const names = r.recognition.scores.filter((s) => !STRUCTURED_PII_TYPES.includes(s.type as never));
    for (const s of [...structured, ...names]) {
      out.push(
        `| ${s.type} | ${s.planted} | ${pct(s.recall)} | ${s.detections} | ${pct(s.precision)} | ${s.missed.slice(0, 3).join('; ')} | ${s.falsePositives.slice(0, 3).join('; ')} |`,
      );
    }
    const sum = (xs: TypeScore[], f: (s: TypeScore) => number) => xs.reduce((n, s) => n + f(s), 0);
    out.push(
      '',
      `structured types: recall ${pct(
        sum(structured, (s) => s.found) /
          Math.max(
            1,
            sum(structured, (s) => s.planted),
          ),
      )}, ` +
        `precision ${pct(
          sum(structured, (s) => s.truePositives) /
            Math.max(
              1,
              sum(structured, (s) => s.detections),
            ),
        )}; ` +
        `names and addresses: recall ${pct(
          sum(names, (s) => s.found) /
            Math.max(
              1,
              sum(names, (s) => s.planted),
            ),
        )}, ` +
        `precision ${pct(
          sum(names, (s) => s.truePositives) /
            Math.max(
              1,
              sum(names, (s) => s.detections),
            ),
        )}`,
      '',
    );
  }
  out.push('## Redaction and leaks', '');
  if (!redactor) {
    out.push('not run (--no-redaction)');
  } else {
    out.push(`redactor: ${redactor.describe}`, '');
    out.push(
      '| group | pages | pages/s | detections | leaks: text layer | object dump | raw bytes | OCR | unchecked pages |',
    );
    out.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const r of results) {
      if (!r.redaction) continue;
      const by = (place: Leak['place']) => r.redaction!.leaks.filter((l) => l.place === place).length;
      const detections = Object.values(r.redaction.detections).reduce((a, b) => a + b, 0);
      out.push(
        `| ${r.group} | ${r.pages} | ${(r.pages / r.redaction.seconds).toFixed(2)} | ${detections} | ${by('text-layer')} | ${by('object-dump')} | ${by('raw-bytes')} | ${by('ocr')} | ${r.redaction.uncheckedPages} |`,
      );
    }
    for (const r of results) {
      if (!r.redaction) continue;
      out.push('', `### leaks per type, ${r.group} (values still recoverable / planted)`, '');
      out.push('| type | planted | leaked values | text layer | object dump | raw bytes | OCR |');
      out.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
      for (const s of r.recognition.scores) {
        const of = r.redaction.leaks.filter((l) => l.type === s.type);
        const n = (place: Leak['place']) =>
          new Set(of.filter((l) => l.place === place).map((l) => l.value)).size;
        out.push(
          `| ${s.type} | ${s.planted} | ${new Set(of.map((l) => l.value)).size} | ${n('text-layer')} | ${n('object-dump')} | ${n('raw-bytes')} | ${n('ocr')} |`,
        );
      }
    }
    out.push('');
    for (const r of results) {
      for (const l of r.redaction?.leaks ?? [])
        out.push(`LEAK ${r.group}: ${l.type} "${l.value}" in ${l.place} (${l.where})`);
      for (const w of r.redaction?.warnings ?? []) out.push(`warning ${r.group}: ${w}`);
    }
  }
  console.log(out.join('\n'));
}

await main();
