import { readFile } from 'node:fs/promises';
import { wordsFromPdfjsItems, type PdfjsTextItem, type Word } from '../layout';

/**
 * Words with positions of every page of a PDF (a path or its bytes), read with pdf.js directly (the PDF engine exposes text only). One
 * document at a time: concurrent documents on pdf.js's fake worker in Node break ("Invalid page request").
 */
export async function pdfWords(file: string | Uint8Array): Promise<{ words: Word[]; pages: number }> {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const doc = await pdfjs.getDocument({
    data: typeof file === 'string' ? new Uint8Array(await readFile(file)) : new Uint8Array(file),
    isEvalSupported: false,
    verbosity: 0,
  }).promise;
  try {
    const words: Word[] = [];
    for (let p = 1; p <= doc.numPages; p++) {
      const page = await doc.getPage(p);
      const { height } = page.getViewport({ scale: 1 });
      const content = await page.getTextContent();
      const items = content.items.filter(
        (item): item is PdfjsTextItem & (typeof content.items)[number] => 'str' in item,
      );
      words.push(...wordsFromPdfjsItems(p, height, items));
    }
    return { words, pages: doc.numPages };
  } finally {
    await doc.destroy();
  }
}
