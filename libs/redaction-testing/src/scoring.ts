import { readFile } from 'node:fs/promises';
import { compact, fuzzyIncludes } from './leak-check';
import type { PlantedValue } from './documents';

/** What a recogniser reported, reduced to what scoring needs (a TextDetection of @quire/redaction fits). */
export interface ScoredDetection {
  type: string;
  text: string;
  /** 1-based page. */
  page: number;
}

export interface TypeScore {
  type: string;
  planted: number;
  found: number;
  detections: number;
  truePositives: number;
  /** found / planted (1 when nothing was planted). */
  recall: number;
  /** truePositives / detections (1 when nothing was detected). */
  precision: number;
  missed: string[];
  falsePositives: string[];
}

/**
 * Recall and precision per type against the planted ground truth, page by page. A planted value counts as found
 * when a detection of its type on its page covers all of it (compared compacted: spacing and dashes aside); partial
 * cover is a miss, since the rest would stay readable. A detection is a true positive when it covers or lies
 * within a planted value of its type on its page. `fuzzy` (OCR text) tolerates ⌊len/12⌋ misread characters.
 */
export function scoreDetections(
  planted: readonly PlantedValue[],
  detections: readonly ScoredDetection[],
  options: { fuzzy?: boolean } = {},
): TypeScore[] {
  // OCR text: the detection's text is what OCR read, so a misread character must not make a found value a miss.
  const covers = (hay: string, needle: string) =>
    options.fuzzy ? fuzzyIncludes(hay, needle) : hay.includes(needle);
  const types = [...new Set([...planted.map((p) => p.type), ...detections.map((d) => d.type)])].sort();
  return types.map((type) => {
    const plantedOfType = planted.filter((p) => p.type === type);
    const detOfType = detections.filter((d) => d.type === type);
    const missed: string[] = [];
    let found = 0;
    for (const p of plantedOfType) {
      const key = compact(p.value);
      if (detOfType.some((d) => d.page === p.page && covers(compact(d.text), key))) found++;
      else missed.push(`p${p.page}: ${p.value}`);
    }
    const falsePositives: string[] = [];
    let truePositives = 0;
    for (const d of detOfType) {
      const key = compact(d.text);
      const hit = plantedOfType.some((p) => {
        const value = compact(p.value);
        return p.page === d.page && key.length > 0 && (covers(key, value) || value.includes(key));
      });
      if (hit) truePositives++;
      else falsePositives.push(`p${d.page}: ${d.text}`);
    }
    return {
      type,
      planted: plantedOfType.length,
      found,
      detections: detOfType.length,
      truePositives,
      recall: plantedOfType.length ? found / plantedOfType.length : 1,
      precision: detOfType.length ? truePositives / detOfType.length : 1,
      missed,
      falsePositives,
    };
  });
}

/**
 * Each page's text as pdf.js reads it, one line per text line (a break where pdf.js marks an end of line or the
 * baseline moves), so recognisers see lines as a reader does and values in neighbouring table cells stay apart.
 */
export async function pdfPageLines(pdf: Buffer | string): Promise<string[]> {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const data = new Uint8Array(typeof pdf === 'string' ? await readFile(pdf) : pdf);
  const doc = await pdfjs.getDocument({ data, isEvalSupported: false, verbosity: 0 }).promise;
  try {
    const pages: string[] = [];
    for (let i = 1; i <= doc.numPages; i++) {
      const content = await (await doc.getPage(i)).getTextContent();
      let text = '';
      let lastY: number | undefined;
      let lastEnd: number | undefined;
      for (const item of content.items) {
        if (!('str' in item)) continue;
        const [, , , , x, y] = item.transform as number[];
        if (lastY !== undefined && Math.abs(y - lastY) > 1) text += '\n';
        else if (lastEnd !== undefined && x - lastEnd > 1 && !text.endsWith(' ') && text !== '')
          text += '   ';
        text += item.str;
        if (item.hasEOL) text += '\n';
        lastY = y;
        lastEnd = x + item.width;
      }
      pages.push(text.replace(/\n{2,}/g, '\n').trim());
    }
    return pages;
  } finally {
    await doc.destroy();
  }
}
