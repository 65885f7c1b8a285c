import { readFile } from 'node:fs/promises';

/**
 * The text of each page as pdf.js reads it (items joined by spaces, trimmed): an engine independent of Ghostscript
 * and qpdf, to check what they wrote. One document at a time: concurrent documents on pdf.js's fake worker in
 * Node break ("Invalid page request").
 */
export async function pdfPageTexts(pdf: Buffer | string): Promise<string[]> {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const data = new Uint8Array(typeof pdf === 'string' ? await readFile(pdf) : pdf);
  // pdf.js 6: the loading task, not the document, is what is destroyed (PDFDocumentProxy.destroy() is gone).
  const loading = pdfjs.getDocument({ data, verbosity: 0 });
  try {
    const doc = await loading.promise;
    const texts: string[] = [];
    for (let i = 1; i <= doc.numPages; i++) {
      const content = await (await doc.getPage(i)).getTextContent();
      texts.push(
        content.items
          .map((item) => ('str' in item ? item.str : ''))
          .join(' ')
          .trim(),
      );
    }
    return texts;
  } finally {
    await loading.destroy();
  }
}
