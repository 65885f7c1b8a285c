import { deflateSync } from 'node:zlib';

/**
 * A small PDF writer for redaction test documents: positioned Helvetica text (WinAnsi, so ü, ß, é print), grid
 * lines, page rotation, and every place a PDF can hide text besides the page: Info, XMP, annotations, form fields,
 * outlines, attachments and an incremental update whose previous revision still holds the old page text. Streams
 * are Flate-compressed like real files, so a leak check has to decompress them.
 */
export interface TextRun {
  x: number;
  y: number;
  text: string;
  size?: number;
}

export interface PageSpec {
  /** Default 612 × 792 (US Letter). */
  width?: number;
  height?: number;
  rotate?: 0 | 90 | 180 | 270;
  runs: TextRun[];
  /** Stroked lines [x1, y1, x2, y2] (table grids). */
  lines?: [number, number, number, number][];
  /** Filled black rectangles [x, y, w, h] drawn over the text (the classic fake redaction). */
  blackBoxes?: [number, number, number, number][];
  /** A text note annotation with this content. */
  note?: string;
  /** A text form field (AcroForm) with this value. */
  formValue?: string;
  /** Page text of a previous revision: written first, then replaced by `runs` in an incremental update. */
  previousRuns?: TextRun[];
}

export interface DocSpec {
  pages: PageSpec[];
  info?: Record<string, string>;
  /** Text put into an XMP metadata stream (dc:description). */
  xmpDescription?: string;
  /** Bookmarks: title → page index. */
  outline?: { title: string; page: number }[];
  attachments?: { name: string; content: string }[];
}

export function pdfString(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === '(' || ch === ')' || ch === '\\') out += `\\${ch}`;
    else if (code < 32) out += ' ';
    else if (code < 127) out += ch;
    else if (code <= 255) out += `\\${code.toString(8).padStart(3, '0')}`;
    else out += '?';
  }
  return `(${out})`;
}

function contentFor(runs: readonly TextRun[], page: PageSpec): Buffer {
  let s = '';
  for (const [x1, y1, x2, y2] of page.lines ?? []) s += `0.5 w ${x1} ${y1} m ${x2} ${y2} l S\n`;
  for (const run of runs) {
    s += `BT /F1 ${run.size ?? 11} Tf ${run.x} ${run.y} Td ${pdfString(run.text)} Tj ET\n`;
  }
  for (const [x, y, w, h] of page.blackBoxes ?? []) s += `0 0 0 rg ${x} ${y} ${w} ${h} re f\n`;
  return Buffer.from(s, 'latin1');
}

class ObjectTable {
  readonly bodies: (Buffer | undefined)[] = [];
  reserve(): number {
    this.bodies.push(undefined);
    return this.bodies.length;
  }
  set(id: number, body: Buffer | string): void {
    this.bodies[id - 1] = Buffer.isBuffer(body) ? body : Buffer.from(body, 'latin1');
  }
  add(body: Buffer | string): number {
    const id = this.reserve();
    this.set(id, body);
    return id;
  }
}

function stream(dict: string, data: Buffer, compress = true): Buffer {
  const body = compress ? deflateSync(data) : data;
  const filter = compress ? ' /Filter /FlateDecode' : '';
  return Buffer.concat([
    Buffer.from(`<< ${dict}${filter} /Length ${body.length} >>\nstream\n`, 'latin1'),
    body,
    Buffer.from('\nendstream', 'latin1'),
  ]);
}

/** Writes `objects` (id → body) after `prefix` with an xref section and trailer; `prev` chains revisions. */
function writeSection(
  prefix: Buffer,
  objects: Map<number, Buffer>,
  size: number,
  trailerExtra: string,
  prev?: number,
): { bytes: Buffer; xrefOffset: number } {
  const parts: Buffer[] = [prefix];
  let offset = prefix.length;
  const offsets = new Map<number, number>();
  for (const [id, body] of [...objects.entries()].sort((a, b) => a[0] - b[0])) {
    const chunk = Buffer.concat([
      Buffer.from(`${id} 0 obj\n`, 'latin1'),
      body,
      Buffer.from('\nendobj\n', 'latin1'),
    ]);
    offsets.set(id, offset);
    parts.push(chunk);
    offset += chunk.length;
  }
  let xref = 'xref\n';
  if (prev === undefined) {
    xref += `0 ${size + 1}\n0000000000 65535 f \n`;
    for (let id = 1; id <= size; id++) xref += `${String(offsets.get(id) ?? 0).padStart(10, '0')} 00000 n \n`;
  } else {
    for (const [id, at] of [...offsets.entries()].sort((a, b) => a[0] - b[0])) {
      xref += `${id} 1\n${String(at).padStart(10, '0')} 00000 n \n`;
    }
  }
  const prevEntry = prev === undefined ? '' : ` /Prev ${prev}`;
  xref += `trailer\n<< /Size ${size + 1} ${trailerExtra}${prevEntry} >>\nstartxref\n${offset}\n%%EOF\n`;
  parts.push(Buffer.from(xref, 'latin1'));
  return { bytes: Buffer.concat(parts), xrefOffset: offset };
}

export function writePdf(spec: DocSpec): Buffer {
  const t = new ObjectTable();
  const catalogId = t.reserve();
  const pagesId = t.reserve();
  const fontId = t.add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>');
  const infoEntries = Object.entries(spec.info ?? { Title: 'Quire redaction test document' })
    .map(([k, v]) => `/${k} ${pdfString(v)}`)
    .join(' ');
  const infoId = t.add(`<< ${infoEntries} /Producer (quire redaction tests) >>`);

  const pageIds: number[] = [];
  const contentIds: number[] = [];
  const fieldIds: number[] = [];
  const updates = new Map<number, Buffer>();
  spec.pages.forEach((page) => {
    const contentId = t.add(stream('', contentFor(page.previousRuns ?? page.runs, page)));
    if (page.previousRuns) updates.set(contentId, stream('', contentFor(page.runs, page)));
    contentIds.push(contentId);
    const pageId = t.reserve();
    const annots: number[] = [];
    if (page.note) {
      annots.push(
        t.add(
          `<< /Type /Annot /Subtype /Text /Rect [20 20 40 40] /Contents ${pdfString(page.note)} /P ${pageId} 0 R >>`,
        ),
      );
    }
    if (page.formValue) {
      const field = t.add(
        `<< /Type /Annot /Subtype /Widget /FT /Tx /T (field${fieldIds.length + 1}) /V ${pdfString(page.formValue)} ` +
          `/Rect [300 20 560 40] /P ${pageId} 0 R /DA (/F1 10 Tf 0 g) >>`,
      );
      fieldIds.push(field);
      annots.push(field);
    }
    const w = page.width ?? 612;
    const h = page.height ?? 792;
    t.set(
      pageId,
      `<< /Type /Page /Parent ${pagesId} 0 R /MediaBox [0 0 ${w} ${h}]${page.rotate ? ` /Rotate ${page.rotate}` : ''} ` +
        `/Resources << /Font << /F1 ${fontId} 0 R >> >> /Contents ${contentId} 0 R` +
        `${annots.length ? ` /Annots [${annots.map((a) => `${a} 0 R`).join(' ')}]` : ''} >>`,
    );
    pageIds.push(pageId);
  });

  let extra = '';
  if (spec.xmpDescription !== undefined) {
    const xmp =
      `<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF ` +
      `xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" ` +
      `xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:description><rdf:Alt><rdf:li xml:lang="x-default">` +
      `${spec.xmpDescription}</rdf:li></rdf:Alt></dc:description></rdf:Description></rdf:RDF></x:xmpmeta>` +
      `<?xpacket end="w"?>`;
    const xmpId = t.add(stream('/Type /Metadata /Subtype /XML', Buffer.from(xmp, 'utf8'), false));
    extra += ` /Metadata ${xmpId} 0 R`;
  }
  if (spec.outline?.length) {
    const outlinesId = t.reserve();
    const itemIds = spec.outline.map(() => t.reserve());
    spec.outline.forEach((item, i) => {
      const links = [
        i > 0 ? `/Prev ${itemIds[i - 1]} 0 R` : '',
        i < itemIds.length - 1 ? `/Next ${itemIds[i + 1]} 0 R` : '',
      ].join(' ');
      t.set(
        itemIds[i],
        `<< /Title ${pdfString(item.title)} /Parent ${outlinesId} 0 R ${links} /Dest [${pageIds[item.page]} 0 R /Fit] >>`,
      );
    });
    t.set(
      outlinesId,
      `<< /Type /Outlines /First ${itemIds[0]} 0 R /Last ${itemIds[itemIds.length - 1]} 0 R /Count ${itemIds.length} >>`,
    );
    extra += ` /Outlines ${outlinesId} 0 R`;
  }
  if (spec.attachments?.length) {
    const names = spec.attachments.map((a) => {
      const fileId = t.add(
        stream('/Type /EmbeddedFile /Subtype /text#2Fplain', Buffer.from(a.content, 'utf8')),
      );
      const specId = t.add(
        `<< /Type /Filespec /F ${pdfString(a.name)} /UF ${pdfString(a.name)} /EF << /F ${fileId} 0 R >> >>`,
      );
      return `${pdfString(a.name)} ${specId} 0 R`;
    });
    extra += ` /Names << /EmbeddedFiles << /Names [${names.join(' ')}] >> >>`;
  }
  if (fieldIds.length) {
    extra += ` /AcroForm << /Fields [${fieldIds.map((f) => `${f} 0 R`).join(' ')}] /DA (/F1 10 Tf 0 g) /DR << /Font << /F1 ${fontId} 0 R >> >> >>`;
  }
  t.set(catalogId, `<< /Type /Catalog /Pages ${pagesId} 0 R${extra} >>`);
  t.set(
    pagesId,
    `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pageIds.length} >>`,
  );

  const size = t.bodies.length;
  const all = new Map(t.bodies.map((b, i) => [i + 1, b ?? Buffer.from('null')]));
  const trailer = `/Root ${catalogId} 0 R /Info ${infoId} 0 R`;
  const header = Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1');
  const first = writeSection(header, all, size, trailer);
  if (updates.size === 0) return first.bytes;
  return writeSection(first.bytes, updates, size, trailer, first.xrefOffset).bytes;
}
