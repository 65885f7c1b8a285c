import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import { createWorker, OEM, PSM, type Worker } from 'tesseract.js';
import { runTool } from './commands';

/** Where a redacted value was still found. */
export type LeakPlace = 'text-layer' | 'object-dump' | 'raw-bytes' | 'ocr';

export interface Leak {
  value: string;
  type: string;
  place: LeakPlace;
  /** 1-based page for the text layer and OCR. */
  page?: number;
  /** Object number (qdf dump) or byte offset (raw bytes), for a person reading the report. */
  where: string;
}

export interface LeakCheckOptions {
  /** Also OCR the rendered pages (slow: seconds per page). Default true. */
  ocr?: boolean;
  /** Render resolution for OCR. Default 300. */
  ocrDpi?: number;
}

/**
 * Case, spaces, dashes, dots, slashes and brackets removed: "DE89 3704-0044" and "de8937040044" are the same value,
 * however a PDF or an OCR engine spaced it.
 */
export function compact(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s\u00a0\-\u2010-\u2015.,/()[\]:;'"`’]/g, '');
}

/**
 * Looks for every planted value in the redacted output: (a) the text pdf.js extracts from each page, (b) a
 * `qpdf --qdf --object-streams=disable` dump of the whole file (decompressed content streams, annotations, form
 * fields, outlines, Info, XMP, attachments; PDF string literals decoded and joined, so "[(Ja) 20 (ne)] TJ" still
 * reads "Jane"), (c) the raw bytes with every Flate stream inflated, which includes the objects of old revisions an
 * incremental update left behind (qdf drops unreferenced objects), and (d) OCR of each rendered page (a value burnt
 * into a scan, or drawn as vector outlines). Returns every place each value was found; [] means no leak.
 */
export class LeakChecker {
  private worker?: Promise<Worker>;
  private langRoot?: string;

  async findLeaks(
    pdfPath: string,
    planted: readonly { value: string; type: string }[],
    options: LeakCheckOptions = {},
  ): Promise<Leak[]> {
    const needles = planted.map((p) => ({ ...p, key: compact(p.value) })).filter((p) => p.key.length >= 4);
    const leaks: Leak[] = [];
    const bytes = await readFile(pdfPath);
    const pages = await textLayer(bytes);
    pages.forEach((text, i) => {
      for (const n of needles)
        if (text.includes(n.key))
          leaks.push({ ...strip(n), place: 'text-layer', page: i + 1, where: `page ${i + 1}` });
    });
    for (const [where, text] of await objectDump(pdfPath)) {
      for (const n of needles)
        if (text.includes(n.key)) leaks.push({ ...strip(n), place: 'object-dump', where });
    }
    for (const [where, text] of rawStreams(bytes)) {
      for (const n of needles)
        if (text.includes(n.key)) leaks.push({ ...strip(n), place: 'raw-bytes', where });
    }
    if (options.ocr ?? true) {
      const ocrPages = await this.ocrPages(pdfPath, options.ocrDpi ?? 300);
      ocrPages.forEach((text, i) => {
        for (const n of needles) {
          if (fuzzyIncludes(text, n.key))
            leaks.push({ ...strip(n), place: 'ocr', page: i + 1, where: `page ${i + 1}` });
        }
      });
    }
    return dedupe(leaks);
  }

  /** OCR text of each page, compacted (see `ocrTexts`). */
  private async ocrPages(pdfPath: string, dpi: number): Promise<string[]> {
    return (await this.ocrTexts(pdfPath, dpi)).map(compact);
  }

  /**
   * What OCR reads on each rendered page (Tesseract LSTM, English + German, offline traineddata); a landscape page
   * is also read turned ±90° (a rotated scan), the readings joined by blank lines.
   */
  async ocrTexts(pdfPath: string, dpi = 300): Promise<string[]> {
    const worker = await (this.worker ??= this.startWorker());
    const dir = await mkdtemp(path.join(os.tmpdir(), 'quire-leak-ocr-'));
    try {
      const sizes = await pageSizes(await readFile(pdfPath));
      const texts: string[] = [];
      for (let page = 1; page <= sizes.length; page++) {
        const variants: string[] = [pdfPath];
        if (sizes[page - 1].landscape) {
          for (const turn of ['+90', '-90']) {
            const turned = path.join(dir, `turned${turn}-${page}.pdf`);
            await runTool('qpdf', [pdfPath, `--rotate=${turn}:${page}`, turned]);
            variants.push(turned);
          }
        }
        const readings: string[] = [];
        for (const [v, source] of variants.entries()) {
          const png = path.join(dir, `p${page}-${v}.png`);
          await runTool('gs', [
            '-q',
            '-dSAFER',
            '-dBATCH',
            '-dNOPAUSE',
            '-sDEVICE=pnggray',
            `-r${dpi}`,
            `-dFirstPage=${page}`,
            `-dLastPage=${page}`,
            `-sOutputFile=${png}`,
            source,
          ]);
          const result = await worker.recognize(png);
          readings.push(result.data.text);
        }
        texts.push(readings.join('\n\n'));
      }
      return texts;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private async startWorker(): Promise<Worker> {
    // Offline traineddata from the @tesseract.js-data packages, as the OCR engine loads them (never a download).
    const require = createRequire(import.meta.url);
    const scope = path.dirname(path.dirname(require.resolve('@tesseract.js-data/eng/package.json')));
    this.langRoot = mkdtempSync(path.join(os.tmpdir(), 'quire-leak-tessdata-'));
    mkdirSync(path.join(this.langRoot, 'lstm'));
    for (const lang of ['eng', 'deu']) {
      symlinkSync(
        path.join(scope, lang, '4.0.0_best_int', `${lang}.traineddata.gz`),
        path.join(this.langRoot, 'lstm', `${lang}.traineddata.gz`),
      );
    }
    const worker = await createWorker(['eng', 'deu'], OEM.LSTM_ONLY, {
      langPath: path.join(this.langRoot, 'lstm'),
      cacheMethod: 'none',
      gzip: true,
    });
    // PSM.AUTO finds columns and table cells, as the OCR engine sets it; tesseract.js's default (one block) read a
    // ruled table as its title alone.
    await worker.setParameters({ tessedit_pageseg_mode: PSM.AUTO });
    return worker;
  }

  async close(): Promise<void> {
    if (this.worker) await (await this.worker).terminate();
    this.worker = undefined;
    if (this.langRoot) rmSync(this.langRoot, { recursive: true, force: true });
  }
}

/** One-shot `LeakChecker().findLeaks` (starts and ends its own OCR worker). */
export async function findLeaks(
  pdfPath: string,
  planted: readonly { value: string; type: string }[],
  options: LeakCheckOptions = {},
): Promise<Leak[]> {
  const checker = new LeakChecker();
  try {
    return await checker.findLeaks(pdfPath, planted, options);
  } finally {
    await checker.close();
  }
}

function strip(n: { value: string; type: string }): { value: string; type: string } {
  return { value: n.value, type: n.type };
}

function dedupe(leaks: Leak[]): Leak[] {
  const seen = new Set<string>();
  return leaks.filter((l) => {
    const key = `${l.value}|${l.place}|${l.where}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

async function loadPdf(bytes: Buffer) {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  return pdfjs.getDocument({ data: new Uint8Array(bytes), isEvalSupported: false, verbosity: 0 }).promise;
}

/** Each page's text as pdf.js extracts it, items joined without separators, compacted. */
async function textLayer(bytes: Buffer): Promise<string[]> {
  const doc = await loadPdf(bytes);
  try {
    const texts: string[] = [];
    for (let i = 1; i <= doc.numPages; i++) {
      const content = await (await doc.getPage(i)).getTextContent();
      texts.push(compact(content.items.map((item) => ('str' in item ? item.str : '')).join('')));
    }
    return texts;
  } finally {
    await doc.destroy();
  }
}

async function pageSizes(bytes: Buffer): Promise<{ landscape: boolean }[]> {
  const doc = await loadPdf(bytes);
  try {
    const sizes: { landscape: boolean }[] = [];
    for (let i = 1; i <= doc.numPages; i++) {
      const viewport = (await doc.getPage(i)).getViewport({ scale: 1 });
      sizes.push({ landscape: viewport.width > viewport.height });
    }
    return sizes;
  } finally {
    await doc.destroy();
  }
}

/** The qdf dump split per object: `[where, compacted object text + its decoded string literals]`. */
async function objectDump(pdfPath: string): Promise<[string, string][]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'quire-leak-qdf-'));
  try {
    const out = path.join(dir, 'dump.qdf');
    await runTool('qpdf', ['--qdf', '--object-streams=disable', '--decode-level=generalized', pdfPath, out]);
    const dump = await readFile(out);
    const text = dump.toString('latin1');
    const utf8 = dump.toString('utf8');
    const objects: [string, string][] = [];
    const re = /^(\d+) 0 obj\b/gm;
    const starts = [...text.matchAll(re)].map((m) => ({ index: m.index, id: m[1] }));
    starts.forEach((s, i) => {
      const body = text.slice(s.index, starts[i + 1]?.index ?? text.length);
      const original = /%% Original object ID: (\d+ \d+)/.exec(
        text.slice(Math.max(0, s.index - 200), s.index),
      );
      const where = `object ${s.id}${original ? ` (original ${original[1]})` : ''}`;
      objects.push([where, compact(body) + compact(decodeStrings(body))]);
    });
    objects.push(['whole dump (UTF-8)', compact(utf8)]);
    return objects;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Every string literal `( … )` and hex string `< … >` of a PDF fragment decoded and joined without separators
 * (kerned text in TJ arrays, UTF-16 Info strings).
 */
export function decodeStrings(body: string): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (ch === '(') {
      let depth = 1;
      let s = '';
      for (i++; i < body.length && depth > 0; i++) {
        const c = body[i];
        if (c === '\\') {
          const next = body[++i];
          const oct = /^[0-7]{1,3}/.exec(body.slice(i, i + 3));
          if (oct) {
            s += String.fromCharCode(parseInt(oct[0], 8));
            i += oct[0].length - 1;
          } else
            s += ({ n: '\n', r: '\r', t: '\t', b: '\b', f: '\f' } as Record<string, string>)[next] ?? next;
        } else if (c === '(') {
          depth++;
          s += c;
        } else if (c === ')') {
          depth--;
          if (depth > 0) s += c;
        } else s += c;
      }
      i--;
      out += decodeText(s);
    } else if (ch === '<' && body[i + 1] !== '<') {
      const end = body.indexOf('>', i);
      if (end < 0) break;
      const hex = body.slice(i + 1, end).replace(/\s/g, '');
      if (/^[0-9A-Fa-f]*$/.test(hex)) {
        const bytes = Buffer.from(hex.length % 2 ? `${hex}0` : hex, 'hex');
        out += decodeText(bytes.toString('latin1'));
      }
      i = end;
    } else if (ch === '<') i++;
  }
  return out;
}

/** A PDF text string: UTF-16BE with a byte-order mark, or PDFDocEncoding (read as Latin-1). */
function decodeText(s: string): string {
  if (s.startsWith('\xfe\xff')) {
    let u = '';
    for (let i = 2; i + 1 < s.length; i += 2)
      u += String.fromCharCode((s.charCodeAt(i) << 8) | s.charCodeAt(i + 1));
    return u;
  }
  return s;
}

/** The raw file and every Flate stream in it inflated (old revisions included): `[where, compacted text]`. */
function rawStreams(bytes: Buffer): [string, string][] {
  const out: [string, string][] = [
    ['raw file', compact(bytes.toString('latin1')) + compact(decodeStrings(bytes.toString('latin1')))],
  ];
  const text = bytes.toString('latin1');
  for (const m of text.matchAll(/stream\r?\n/g)) {
    const start = m.index + m[0].length;
    const end = text.indexOf('endstream', start);
    if (end < 0) continue;
    try {
      const inflated = inflateSync(bytes.subarray(start, end), { maxOutputLength: 64 * 1024 * 1024 });
      const s = inflated.toString('latin1');
      out.push([
        `stream at byte ${start}`,
        compact(s) + compact(decodeStrings(s)) + compact(inflated.toString('utf8')),
      ]);
    } catch {
      // not Flate (or not complete): the raw view above covers it
    }
  }
  return out;
}

/**
 * Whether `needle` occurs in `hay` with at most ⌊len/12⌋ edits (OCR misreads an 0 as O, a 1 as l), so a value
 * that is readable in the image is not missed because the OCR engine garbled a character; short values must match
 * exactly. Sellers' approximate substring match, O(|hay|·|needle|).
 */
export function fuzzyIncludes(hay: string, needle: string): boolean {
  const k = Math.floor(needle.length / 12);
  if (k === 0) return hay.includes(needle);
  let prev = Array.from({ length: needle.length + 1 }, (_, i) => i);
  for (let j = 1; j <= hay.length; j++) {
    const cur = [0];
    for (let i = 1; i <= needle.length; i++) {
      const cost = needle[i - 1] === hay[j - 1] ? 0 : 1;
      cur[i] = Math.min(prev[i - 1] + cost, prev[i] + 1, cur[i - 1] + 1);
    }
    if (cur[needle.length] <= k) return true;
    prev = cur;
  }
  return false;
}
