import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeTools, digitalDocuments, LeakChecker, scannedVersion, writePdf, type Leak } from './index';

let dir: string;
const checker = new LeakChecker();

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'quire-leak-spec-'));
});
afterAll(async () => {
  await checker.close();
  await closeTools();
  await rm(dir, { recursive: true, force: true });
});

async function save(name: string, pdf: Buffer): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, pdf);
  return file;
}

const places = (leaks: Leak[], value: string) =>
  [...new Set(leaks.filter((l) => l.value === value).map((l) => l.place))].sort();

describe('findLeaks', () => {
  it('finds every planted value of the hidden-places document, in each place it hides', async () => {
    const doc = digitalDocuments().find((d) => d.layout === 'hidden-places')!;
    const leaks = await checker.findLeaks(await save('hidden.pdf', doc.pdf), doc.planted, { ocr: false });
    for (const v of doc.planted)
      expect(places(leaks, v.value), v.value).toEqual(
        expect.arrayContaining(['object-dump', 'raw-bytes', 'text-layer']),
      );
    // Each hidden copy is its own object of the dump (Info, XMP, note, form field, bookmark, attachment), besides
    // the page's content stream.
    for (const v of doc.planted.filter((p) => p.hidden)) {
      const objects = leaks.filter(
        (l) => l.value === v.value && l.place === 'object-dump' && l.where.startsWith('object'),
      );
      const copies = v.hidden!.filter((h) => h !== 'old-revision').length;
      expect(objects.length, `${v.value} in ${v.hidden!.join(', ')}`).toBeGreaterThanOrEqual(1 + copies);
    }
  });

  it('finds a value only an old revision holds, in the raw bytes alone (qdf drops it)', async () => {
    const pdf = writePdf({
      pages: [
        {
          runs: [{ x: 50, y: 700, text: 'Current text without it' }],
          previousRuns: [{ x: 50, y: 700, text: 'Old text: SSN 219-09-9998' }],
        },
      ],
    });
    const leaks = await checker.findLeaks(
      await save('revision.pdf', pdf),
      [{ value: '219-09-9998', type: 'ssn' }],
      { ocr: false },
    );
    expect(places(leaks, '219-09-9998')).toEqual(['raw-bytes']);
  });

  it('sees through a black box drawn over text (text layer and content stream), while OCR sees nothing', async () => {
    const value = 'DE89 3704 0044 0532 0130 00';
    const pdf = writePdf({
      pages: [
        { runs: [{ x: 50, y: 700, text: `IBAN ${value}`, size: 14 }], blackBoxes: [[45, 690, 320, 30]] },
      ],
    });
    const leaks = await checker.findLeaks(await save('boxed.pdf', pdf), [{ value, type: 'iban' }]);
    expect(places(leaks, value)).toEqual(['object-dump', 'raw-bytes', 'text-layer']);
  });

  it('reads a value burnt into a scan by OCR only, spaced differently', async () => {
    const value = 'DE89 3704 0044 0532 0130 00';
    const digital = writePdf({ pages: [{ runs: [{ x: 50, y: 700, text: `IBAN: ${value}`, size: 14 }] }] });
    const scanned = await scannedVersion(
      { name: 'one', layout: 'single-column', kind: 'digital', pdf: digital, pages: 1, planted: [] },
      300,
    );
    const leaks = await checker.findLeaks(await save('scan.pdf', scanned.pdf), [
      { value: 'DE89370400440532013000', type: 'iban' },
    ]);
    expect(places(leaks, 'DE89370400440532013000')).toEqual(['ocr']);
  });

  it('reports nothing for a document without the values', async () => {
    const pdf = writePdf({
      pages: [{ runs: [{ x: 50, y: 700, text: 'IBAN: [redacted]   Name: [redacted]' }] }],
    });
    expect(
      await checker.findLeaks(await save('clean.pdf', pdf), [
        { value: 'DE89 3704 0044 0532 0130 00', type: 'iban' },
        { value: 'Jane Doe', type: 'person' },
      ]),
    ).toEqual([]);
  });
});
