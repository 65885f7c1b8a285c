/**
 * Test PDFs made from scratch, so core tests run without the shared corpus. The writer emits a classic xref
 * table with exact offsets (a valid PDF 1.4 that qpdf --check accepts), one page per entry, with optional
 * Helvetica text lines and an optional uncompressed RGB gradient image (so compression has something to gain).
 */
export interface FixturePage {
  /** Lines drawn top-down in 14 pt Helvetica (ASCII). */
  lines?: string[];
  /** Side of a square uncompressed RGB image drawn on the page, in pixels. */
  imagePx?: number;
}

export function makePdf(pages: FixturePage[], options: { title?: string } = {}): Buffer {
  const objects: Buffer[] = [];
  const add = (body: Buffer | string): number => {
    objects.push(Buffer.isBuffer(body) ? body : Buffer.from(body, 'latin1'));
    return objects.length;
  };
  const stream = (dict: string, data: Buffer) =>
    Buffer.concat([
      Buffer.from(`<< ${dict} /Length ${data.length} >>\nstream\n`, 'latin1'),
      data,
      Buffer.from('\nendstream', 'latin1'),
    ]);

  const catalogId = add(''); // patched below
  const pagesId = add('');
  const fontId = add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>');
  const infoId = add(
    `<< /Title (${escapeText(options.title ?? 'Quire test fixture')}) /Producer (quire tests) >>`,
  );
  const pageIds: number[] = [];
  for (const page of pages) {
    let content = '';
    let resources = `/Font << /F1 ${fontId} 0 R >>`;
    if (page.imagePx) {
      const n = page.imagePx;
      const pixels = Buffer.alloc(n * n * 3);
      for (let y = 0; y < n; y++) {
        for (let x = 0; x < n; x++) {
          const o = (y * n + x) * 3;
          pixels[o] = (x * 255) / n;
          pixels[o + 1] = (y * 255) / n;
          pixels[o + 2] = ((x + y) * 127) / n;
        }
      }
      const imgId = add(
        stream(
          `/Type /XObject /Subtype /Image /Width ${n} /Height ${n} /ColorSpace /DeviceRGB /BitsPerComponent 8`,
          pixels,
        ),
      );
      resources += ` /XObject << /Im1 ${imgId} 0 R >>`;
      content += `q 400 0 0 400 106 300 cm /Im1 Do Q\n`;
    }
    (page.lines ?? []).forEach((line, i) => {
      content += `BT /F1 14 Tf 72 ${740 - i * 20} Td (${escapeText(line)}) Tj ET\n`;
    });
    const contentId = add(stream('', Buffer.from(content, 'latin1')));
    pageIds.push(
      add(
        `<< /Type /Page /Parent ${pagesId} 0 R /MediaBox [0 0 612 792] /Resources << ${resources} >> /Contents ${contentId} 0 R >>`,
      ),
    );
  }
  objects[catalogId - 1] = Buffer.from(`<< /Type /Catalog /Pages ${pagesId} 0 R >>`, 'latin1');
  objects[pagesId - 1] = Buffer.from(
    `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pageIds.length} >>`,
    'latin1',
  );

  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let offset = parts[0].length;
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    const chunk = Buffer.concat([
      Buffer.from(`${i + 1} 0 obj\n`, 'latin1'),
      body,
      Buffer.from('\nendobj\n', 'latin1'),
    ]);
    offsets.push(offset);
    offset += chunk.length;
    parts.push(chunk);
  });
  const xref =
    `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n` +
    offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('') +
    `trailer\n<< /Size ${objects.length + 1} /Root ${catalogId} 0 R /Info ${infoId} 0 R >>\nstartxref\n${offset}\n%%EOF\n`;
  parts.push(Buffer.from(xref, 'latin1'));
  return Buffer.concat(parts);
}

/** A document of `count` pages, each saying "Page N of COUNT" (handy for order checks). */
export function makeNumberedPdf(count: number, imagePx?: number): Buffer {
  return makePdf(
    Array.from({ length: count }, (_, i) => ({
      lines: [`Page ${i + 1} of ${count}`],
      ...(imagePx ? { imagePx } : {}),
    })),
  );
}

function escapeText(s: string): string {
  return s.replace(/[\\()]/g, (c) => `\\${c}`);
}
