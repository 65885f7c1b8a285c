/**
 * A PDF writer for positioned text: each piece is its own text object at (x, baseline) in Helvetica or
 * Helvetica-Bold (WinAnsi, so German and French letters and € print), left- or right-aligned by the standard
 * Helvetica metrics. Enough to lay out statements and invoices like a reporting tool would, with exact ground
 * truth and no dependency.
 */

export interface PlacedText {
  /** Left edge, or right edge when `align` is right (points from the left of the page). */
  x: number;
  /** Baseline, points from the TOP of the page (converted to PDF's bottom-up space when written). */
  y: number;
  text: string;
  size: number;
  bold?: boolean;
  align?: 'left' | 'right';
}

export interface TextPage {
  width: number;
  height: number;
  texts: PlacedText[];
}

// Helvetica advance widths (1/1000 em) of ASCII 32..126, from the Adobe AFM.
const ASCII_WIDTHS = [
  278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556,
  556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278,
  500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469,
  556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500,
  278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];

/** WinAnsi byte of a character (Latin-1 matches WinAnsi from 0xA0 up); € and typographic marks have their own. */
const WIN_ANSI_EXTRA: Readonly<Record<string, number>> = { '€': 0x80, '–': 0x96, '’': 0x92, '•': 0x95 };

function winAnsi(ch: string): number {
  const extra = WIN_ANSI_EXTRA[ch];
  if (extra !== undefined) return extra;
  const code = ch.charCodeAt(0);
  return code < 0x100 ? code : 0x3f; // '?'
}

/** Width in points of `text` at `size` (accented letters as their base letter; bold about 5 % wider). */
export function textWidth(text: string, size: number, bold = false): number {
  let units = 0;
  for (const ch of text.normalize('NFD').replace(/\p{M}/gu, '')) {
    const code = ch.charCodeAt(0);
    units += code >= 32 && code <= 126 ? ASCII_WIDTHS[code - 32] : 556;
  }
  return ((bold ? 1.05 : 1) * units * size) / 1000;
}

function pdfString(text: string): string {
  let out = '';
  for (const ch of text) {
    const byte = winAnsi(ch);
    if (ch === '(' || ch === ')' || ch === '\\') out += `\\${ch}`;
    else if (byte < 0x20 || byte > 0x7e) out += `\\${byte.toString(8).padStart(3, '0')}`;
    else out += ch;
  }
  return `(${out})`;
}

/** The PDF bytes of `pages` (a valid PDF 1.4 with a classic xref table). */
export function makeTextPdf(pages: readonly TextPage[], title = 'Quire generated document'): Buffer {
  const objects: string[] = [];
  const add = (body: string): number => objects.push(body);
  const catalogId = add('');
  const pagesId = add('');
  const regular = add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>');
  const bold = add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>');
  const info = add(`<< /Title ${pdfString(title)} /Producer (quire pdf-fixtures) >>`);
  const pageIds = pages.map((page) => {
    const content = page.texts
      .map((t) => {
        const x = t.align === 'right' ? t.x - textWidth(t.text, t.size, t.bold) : t.x;
        const y = page.height - t.y;
        return `BT /${t.bold ? 'F2' : 'F1'} ${t.size} Tf 1 0 0 1 ${x.toFixed(2)} ${y.toFixed(2)} Tm ${pdfString(t.text)} Tj ET`;
      })
      .join('\n');
    const contentId = add(
      `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`,
    );
    return add(
      `<< /Type /Page /Parent ${pagesId} 0 R /MediaBox [0 0 ${page.width} ${page.height}] ` +
        `/Resources << /Font << /F1 ${regular} 0 R /F2 ${bold} 0 R >> >> /Contents ${contentId} 0 R >>`,
    );
  });
  objects[catalogId - 1] = `<< /Type /Catalog /Pages ${pagesId} 0 R >>`;
  objects[pagesId - 1] =
    `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pageIds.length} >>`;
  let body = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(Buffer.byteLength(body, 'latin1'));
    body += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xrefAt = Buffer.byteLength(body, 'latin1');
  body +=
    `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n` +
    offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('') +
    `trailer\n<< /Size ${objects.length + 1} /Root ${catalogId} 0 R /Info ${info} 0 R >>\nstartxref\n${xrefAt}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}
