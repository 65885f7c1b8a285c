import { readFile } from 'node:fs/promises';
import { wordsFromPdfjsItems, type PdfjsTextItem, type Word } from '../layout';

/**
 * Words with positions of every page of a PDF (a path or its bytes), read with pdf.js directly (the PDF engine exposes text only). One
 * document at a time: concurrent documents on pdf.js's fake worker in Node break ("Invalid page request").
 */
export async function pdfWords(file: string | Uint8Array): Promise<{ words: Word[]; pages: number }> {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  // pdf.js 6: the loading task, not the document, is what is destroyed (PDFDocumentProxy.destroy() is gone).
  const loading = pdfjs.getDocument({
    data: typeof file === 'string' ? new Uint8Array(await readFile(file)) : new Uint8Array(file),
    verbosity: 0,
  });
  try {
    const doc = await loading.promise;
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
    await loading.destroy();
  }
}
