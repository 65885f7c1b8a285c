import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runTool } from './commands';
import { writePdf, type DocSpec, type PageSpec, type TextRun } from './pdf-writer';
import { person, seededRandom, type PersonRecord } from './pii-values';

/** Where a planted value sits besides the page text. */
export type HiddenPlace =
  'info' | 'xmp' | 'annotation' | 'form-field' | 'outline' | 'attachment' | 'old-revision';

export interface PlantedValue {
  /** Exactly as printed. */
  value: string;
  /** A PiiType of @quire/redaction. */
  type: string;
  /** 1-based page whose text shows it. */
  page: number;
  /** Other places of the file that hold it too (the redactor must clear them). */
  hidden?: HiddenPlace[];
}

export type Layout = 'single-column' | 'two-column' | 'table' | 'rotated' | 'twenty-pages' | 'hidden-places';

export interface GeneratedDocument {
  name: string;
  layout: Layout;
  kind: 'digital' | 'scanned';
  /** Resolution of a scanned document. */
  dpi?: number;
  pdf: Buffer;
  pages: number;
  planted: PlantedValue[];
}

/** Text with no personal data around the values: amounts, dates, invoice and order numbers (precision bait). */
const FILLER = [
  'Invoice 2024-117 of 12.03.2024: total 1.234,56 EUR, due within 30 days.',
  'Order number 4711-0815-2024 was shipped on 2024-04-02 by Acme Logistics GmbH.',
  'Reference 20240312 / batch 99812 / version 1.2.3 of the customer portal.',
  'Please keep this letter for your records; it replaces all previous statements.',
  'Our office hours are 9:00 to 17:30, Monday to Friday, except public holidays.',
];

interface Line {
  text: string;
  values: { value: string; type: string }[];
}

function line(parts: (string | [string, string])[]): Line {
  const values: Line['values'] = [];
  let text = '';
  for (const part of parts) {
    if (typeof part === 'string') text += part;
    else {
      text += part[0];
      values.push({ value: part[0], type: part[1] });
    }
  }
  return { text, values };
}

/** One person's block of lines, as a customer record prints it. */
function personLines(p: PersonRecord, wide: boolean): Line[] {
  const lines = [
    line(['Customer: ', [p.name, 'person']]),
    line(['Address: ', [p.address, 'address']]),
    line(['Email: ', [p.email, 'email']]),
    line(['Phone: ', [p.phone, 'phone']]),
    line(['IBAN: ', [p.iban, 'iban']]),
    line(['Card number: ', [p.card, 'card']]),
    line(['Date of birth: ', [p.dob, 'dob']]),
    line(['SSN: ', [p.ssn, 'ssn']]),
    line(['NI number: ', [p.nino, 'nino']]),
    line(['Steuer-ID: ', [p.deTaxId, 'de-tax-id']]),
    line(['USt-IdNr.: ', [p.vatId, 'vat-id']]),
    line(['Last login from ', [p.ip, 'ip']]),
    line(['Profile: ', [p.url, 'url']]),
  ];
  if (!wide) return lines;
  // Wide pages put two fields on one line, as forms do.
  const merged: Line[] = [];
  for (let i = 0; i < lines.length; i += 2) {
    const b = lines[i + 1];
    merged.push(
      b ? { text: `${lines[i].text}     ${b.text}`, values: [...lines[i].values, ...b.values] } : lines[i],
    );
  }
  return merged;
}

function place(
  lines: Line[],
  x: number,
  top: number,
  size: number,
  page: number,
  planted: PlantedValue[],
): TextRun[] {
  return lines.map((l, i) => {
    for (const v of l.values) planted.push({ ...v, page });
    return { x, y: top - i * size * 1.6, text: l.text, size };
  });
}

function fillerLines(start: number, count: number): Line[] {
  return Array.from({ length: count }, (_, i) => line([FILLER[(start + i) % FILLER.length]]));
}

function singleColumnPage(
  people: PersonRecord[],
  pageNo: number,
  planted: PlantedValue[],
  rotate = false,
): PageSpec {
  const lines: Line[] = [line([`Customer records, page ${pageNo}`])];
  people.forEach((p, i) => {
    lines.push(...fillerLines(pageNo + i, 1), ...personLines(p, true), line(['']));
  });
  lines.push(...fillerLines(pageNo, 2));
  return { runs: place(lines, 50, 740, 10, pageNo, planted), ...(rotate ? { rotate: 90 as const } : {}) };
}

function twoColumnPage(people: PersonRecord[], pageNo: number, planted: PlantedValue[]): PageSpec {
  const left = [...fillerLines(pageNo, 0), ...personLines(people[0], false)];
  const right = people[1] ? personLines(people[1], false) : [];
  return {
    runs: [
      ...place([line(['Two-column customer sheet'])], 50, 750, 12, pageNo, planted),
      ...place(left, 50, 720, 9, pageNo, planted),
      ...place(right, 320, 720, 9, pageNo, planted),
    ],
  };
}

function tablePage(people: PersonRecord[], pageNo: number, planted: PlantedValue[]): PageSpec {
  const columns = [
    { x: 40, key: 'name', type: 'person', head: 'Name' },
    { x: 135, key: 'email', type: 'email', head: 'Email' },
    { x: 290, key: 'phone', type: 'phone', head: 'Phone' },
    { x: 390, key: 'iban', type: 'iban', head: 'IBAN' },
  ] as const;
  const runs: TextRun[] = [{ x: 40, y: 750, text: 'Payment contacts', size: 12 }];
  const lines: [number, number, number, number][] = [];
  const rowHeight = 18;
  const top = 720;
  columns.forEach((c) => runs.push({ x: c.x + 2, y: top, text: c.head, size: 8 }));
  people.forEach((p, r) => {
    const y = top - (r + 1) * rowHeight;
    for (const c of columns) {
      runs.push({ x: c.x + 2, y, text: p[c.key], size: 8 });
      planted.push({ value: p[c.key], type: c.type, page: pageNo });
    }
  });
  for (let r = 0; r <= people.length + 1; r++)
    lines.push([38, top + 12 - r * rowHeight, 575, top + 12 - r * rowHeight]);
  for (const x of [38, 133, 288, 388, 575])
    lines.push([x, top + 12, x, top + 12 - (people.length + 1) * rowHeight]);
  return { runs, lines };
}

/** The digital test documents: every layout of docs/architecture.md §13 (redaction) with its planted values. */
export function digitalDocuments(seed = 11): GeneratedDocument[] {
  const rng = seededRandom(seed);
  const people = Array.from({ length: 48 }, (_, i) => person(rng, i));
  const docs: GeneratedDocument[] = [];
  const make = (name: string, layout: Layout, build: (planted: PlantedValue[]) => DocSpec) => {
    const planted: PlantedValue[] = [];
    const spec = build(planted);
    docs.push({ name, layout, kind: 'digital', pdf: writePdf(spec), pages: spec.pages.length, planted });
  };
  make('single-column', 'single-column', (pl) => ({
    pages: [singleColumnPage(people.slice(0, 2), 1, pl), singleColumnPage(people.slice(2, 4), 2, pl)],
  }));
  make('two-column', 'two-column', (pl) => ({ pages: [twoColumnPage(people.slice(4, 6), 1, pl)] }));
  make('table', 'table', (pl) => ({ pages: [tablePage(people.slice(6, 16), 1, pl)] }));
  make('rotated', 'rotated', (pl) => ({
    pages: [
      singleColumnPage(people.slice(16, 17), 1, pl),
      singleColumnPage(people.slice(17, 18), 2, pl, true),
    ],
  }));
  make('twenty-pages', 'twenty-pages', (pl) => ({
    pages: Array.from({ length: 20 }, (_, i) => singleColumnPage(people.slice(18 + i, 19 + i), i + 1, pl)),
  }));
  make('hidden-places', 'hidden-places', (pl) => hiddenPlacesDoc(people[40], pl));
  return docs;
}

/**
 * One visible customer record whose values also sit in Info, XMP, a note, a form field, a bookmark, an attachment
 * and the previous revision of the page (an incremental update replaced the page text; the old text is still in
 * the file). A redactor that only paints over the page leaks all of them.
 */
function hiddenPlacesDoc(p: PersonRecord, planted: PlantedValue[]): DocSpec {
  const page = singleColumnPage([p], 1, planted);
  const mark = (value: string, place: HiddenPlace) => {
    const entry = planted.find((v) => v.value === value);
    if (entry) entry.hidden = [...(entry.hidden ?? []), place];
  };
  mark(p.name, 'info');
  mark(p.email, 'xmp');
  mark(p.phone, 'annotation');
  mark(p.card, 'form-field');
  mark(p.name, 'outline');
  mark(p.iban, 'attachment');
  mark(p.ssn, 'old-revision');
  return {
    pages: [
      {
        ...page,
        note: `Call back on ${p.phone}`,
        formValue: p.card,
        previousRuns: [...page.runs, { x: 50, y: 60, text: `Draft: SSN ${p.ssn} to be checked`, size: 10 }],
      },
    ],
    info: { Title: 'Customer record', Author: p.name },
    xmpDescription: `Record of ${p.email}`,
    outline: [{ title: `Record of ${p.name}`, page: 0 }],
    attachments: [{ name: 'bank.txt', content: `Account ${p.iban}\n` }],
  };
}

/**
 * The document as a scanner makes it: every page rasterised by Ghostscript at `dpi` into an image-only PDF
 * (`pdfimage8`, grayscale), so there is no text layer at all. The planted values are the same.
 */
export async function scannedVersion(doc: GeneratedDocument, dpi: 200 | 300): Promise<GeneratedDocument> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'quire-redaction-scan-'));
  try {
    const source = path.join(dir, 'source.pdf');
    const scanned = path.join(dir, 'scanned.pdf');
    await writeFile(source, doc.pdf);
    await runTool('gs', [
      '-q',
      '-dSAFER',
      '-dBATCH',
      '-dNOPAUSE',
      '-sDEVICE=pdfimage8',
      `-r${dpi}`,
      `-sOutputFile=${scanned}`,
      source,
    ]);
    return {
      ...doc,
      name: `${doc.name}@${dpi}dpi`,
      kind: 'scanned',
      dpi,
      pdf: await readFile(scanned),
      planted: doc.planted.map((v) => ({ ...v, hidden: undefined })),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Each page as a grayscale PNG at `dpi` (an image upload, as from a phone or a scanner). */
export async function pagePngs(pdf: Buffer, dpi: number): Promise<Buffer[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'quire-redaction-png-'));
  try {
    const source = path.join(dir, 'source.pdf');
    await writeFile(source, pdf);
    await runTool('gs', [
      '-q',
      '-dSAFER',
      '-dBATCH',
      '-dNOPAUSE',
      '-sDEVICE=pnggray',
      `-r${dpi}`,
      `-sOutputFile=${path.join(dir, 'p%04d.png')}`,
      source,
    ]);
    const files = (await readdir(dir)).filter((f) => f.endsWith('.png')).sort();
    return await Promise.all(files.map((f) => readFile(path.join(dir, f))));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
