import { rm } from 'node:fs/promises';
import path from 'node:path';
import { LimitExceededError } from '@quire/errors';
import { assertPixelLimit, rasterizePdf, type Ghostscript } from '@quire/engine-ghostscript';
import type { Tesseract } from '@quire/engine-tesseract';
import type { Word } from '@quire/extraction';
import { linesOf, type PageOcrReader } from './read-document';

export interface OcrWordsOptions {
  gs: Ghostscript;
  tesseract: Tesseract;
  /** Tesseract languages scanned statements and invoices are read in. */
  languages: readonly string[];
  /** Render resolution (300 dpi is Tesseract's sweet spot). */
  dpi: number;
  maxPixelsPerPage: number;
  /** Pages one job may OCR. */
  maxPages: number;
  pageTimeoutMs: number;
  renderTimeoutMs: (pages: number) => number;
}

/**
 * Word boxes of scanned pages: Ghostscript renders each page (small batches, each image deleted once read) and
 * Tesseract returns its words with boxes, converted from pixels to points so they sit where pdf.js words would.
 */
export function createOcrWordReader(o: OcrWordsOptions): PageOcrReader {
  const toWords = (
    page: number,
    boxes: ReadonlyArray<Omit<Word, 'page'>> | undefined,
    scale: number,
  ): Word[] =>
    (boxes ?? []).map((b) => ({
      page,
      text: b.text,
      x: b.x * scale,
      y: b.y * scale,
      width: b.width * scale,
      height: b.height * scale,
    }));
  return {
    async readImage(imagePath, { signal }) {
      // The image's own resolution is unknown here; word positions only need to be consistent within the page.
      const read = await o.tesseract.recognize(imagePath, {
        languages: o.languages,
        wordBoxes: true,
        deskew: true,
        signal,
        timeoutMs: o.pageTimeoutMs,
      });
      const words = toWords(1, read.boxes, 72 / o.dpi);
      return { words, text: linesOf(words), confidence: read.confidence };
    },
    async readPages(inputPath, pages, { signal, workDir, onPage }) {
      if (pages.length === 0) return [];
      if (pages.length > o.maxPages) {
        throw new LimitExceededError(
          `the job would OCR ${pages.length} pages; the limit is ${o.maxPages} pages per job`,
          { details: { pages: pages.length, maxPages: o.maxPages } },
        );
      }
      assertPixelLimit(pages, o.dpi, o.maxPixelsPerPage);
      const scale = 72 / o.dpi;
      const out: Array<{ page: number; words: Word[]; text: string; confidence: number }> = [];
      await rasterizePdf(o.gs, {
        inputPath,
        outputDir: path.join(workDir, 'ocr-pages'),
        pages: pages.map((p) => p.page),
        format: 'png',
        dpi: o.dpi,
        batchSize: 4,
        signal,
        timeoutMs: ({ pages: n }) => o.renderTimeoutMs(n),
        onBatch: async (images) => {
          for (const image of images) {
            const read = await o.tesseract.recognize(image.path, {
              languages: o.languages,
              dpi: o.dpi,
              wordBoxes: true,
              signal,
              timeoutMs: o.pageTimeoutMs,
            });
            await rm(image.path, { force: true });
            const words = toWords(image.page, read.boxes, scale);
            out.push({ page: image.page, words, text: linesOf(words), confidence: read.confidence });
            onPage?.(image.page, out.length);
          }
        },
      });
      return out;
    },
  };
}
