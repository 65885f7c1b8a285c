/**
 * OCR end to end: the gateway and the OCR worker as processes, real PostgreSQL/RabbitMQ/Ghostscript/qpdf and
 * tesseract.js with the offline language packs. Fixtures are made here: known text rendered by Ghostscript into
 * image-only pages, so recognition is measured against the exact text (character error rate, whitespace
 * normalised). The shared corpus adds real scans with hand-made ground truth when it is present.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { characterErrorRate } from '@quire/engine-tesseract';
import {
  createTestEnvironment,
  getFreePort,
  makePdf,
  makeScannedPdf,
  makeTextPng,
  REPO_ROOT,
  SCANNED_TEXT_PAGES,
  startApp,
  type StartedApp,
  type TestEnvironment,
} from '@quire/testing';
import { QuireClient, pageCount, pageTexts } from './helpers';

const run = promisify(execFile);
const ADMIN_KEY = 'qk_e2e_ocr_key_0123456789abcdef';
const CORPUS = path.resolve(REPO_ROOT, '../shared/corpus/ocr');
const hasCorpus = existsSync(CORPUS);
if (!hasCorpus) console.warn(`[ocr e2e] ${CORPUS} not found: skipping the real-scan accuracy checks`);

/** Generated pages are clean 300 dpi renders: recognition must be near perfect. */
const MAX_CER_GENERATED = 0.02;

describe('OCR end to end (gateway + ocr-worker processes, tesseract.js offline)', () => {
  let env: TestEnvironment;
  let gateway: StartedApp;
  let worker: StartedApp;
  let client: QuireClient;
  let work: string;
  let scanned: Buffer;

  beforeAll(async () => {
    env = await createTestEnvironment();
    work = await mkdtemp(path.join(os.tmpdir(), 'quire-ocr-e2e-'));
    const common = { ...env.env, QUIRE_TEMP_DIR: path.join(work, 'tmp'), LOG_LEVEL: 'warn' };
    const port = await getFreePort();
    gateway = await startApp('gateway', {
      ...common,
      PORT: String(port),
      QUIRE_BOOTSTRAP_API_KEY: ADMIN_KEY,
    });
    worker = await startApp('ocr-worker', {
      ...common,
      PORT: String(await getFreePort()),
      QUIRE_RETRY_DELAYS_MS: '500,500,500',
    });
    client = new QuireClient(`http://127.0.0.1:${port}`, ADMIN_KEY);
    scanned = (await makeScannedPdf()).pdf;
  });

  afterAll(async () => {
    await worker?.stop();
    await gateway?.stop();
    await env?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function download(id: string): Promise<Buffer> {
    const res = await client.get(`/v1/jobs/${id}/download`);
    expect(res.status).toBe(200);
    return res.body as Buffer;
  }

  it('makes a scanned PDF searchable: same pages, each page’s text within 2 % CER, images untouched', async () => {
    expect(await pageTexts(scanned)).toEqual(['', '']); // no text layer before
    const res = await client.submit('ocr', [{ name: 'scan.pdf', data: scanned }], { languages: ['eng'] });
    expect(res.status).toBe(202);
    const job = await client.waitTerminal(String(res.body.id), 180_000);
    expect(job.status, JSON.stringify(job.error)).toBe('completed');
    expect(job.result).toMatchObject({ mode: 'skip-text', pageCount: 2, pagesOcred: 2 });
    const out = await download(job.id);
    const file = path.join(work, 'searchable.pdf');
    await writeFile(file, out);
    expect(await pageCount(file)).toBe(2);
    const texts = await pageTexts(out);
    SCANNED_TEXT_PAGES.forEach((lines, i) => {
      expect(characterErrorRate(texts[i], lines.join(' ')), `page ${i + 1}: ${texts[i]}`).toBeLessThan(
        MAX_CER_GENERATED,
      );
    });
    // The page images are the original ones: the text is a layer over them, not a re-render.
    const inFile = path.join(work, 'scan-in.pdf');
    await writeFile(inFile, scanned);
    const images = async (f: string) =>
      (await run('pdfimages', ['-list', f])).stdout
        .split('\n')
        .slice(2)
        .filter(Boolean)
        .map((l) => l.split(/\s+/).slice(3, 6).join(' '));
    expect(await images(file)).toEqual(await images(inFile));
    expect(
      characterErrorRate(String(job.result?.text).replace(/\f/g, ' '), SCANNED_TEXT_PAGES.flat().join(' ')),
    ).toBeLessThan(MAX_CER_GENERATED);
  });

  it('skip-text reads only the pages without text; force reads them all', async () => {
    const born = path.join(work, 'born.pdf');
    const scan = path.join(work, 'scan.pdf');
    const mixed = path.join(work, 'mixed.pdf');
    await writeFile(born, makePdf([{ lines: ['Born digital page with real text.'] }]));
    await writeFile(scan, scanned);
    await run('qpdf', ['--empty', '--pages', born, scan, '1', '--', mixed]);
    const data = await readFile(mixed);

    const skip = await client.waitTerminal(
      String((await client.submit('ocr', [{ name: 'mixed.pdf', data }])).body.id),
      180_000,
    );
    expect(skip.status).toBe('completed');
    expect(skip.result).toMatchObject({
      pageCount: 2,
      pagesOcred: 1,
      pages: [
        { page: 1, source: 'text-layer' },
        { page: 2, source: 'ocr' },
      ],
    });
    const texts = await pageTexts(await download(skip.id));
    expect(texts[0]).toBe('Born digital page with real text.');
    expect(characterErrorRate(texts[1], SCANNED_TEXT_PAGES[0].join(' '))).toBeLessThan(MAX_CER_GENERATED);

    const force = await client.waitTerminal(
      String((await client.submit('ocr', [{ name: 'mixed.pdf', data }], { mode: 'force' })).body.id),
      180_000,
    );
    expect(force.result).toMatchObject({ mode: 'force', pagesOcred: 2 });

    const searchable = await client.waitTerminal(
      String((await client.submit('ocr', [{ name: 'born.pdf', data: await readFile(born) }])).body.id),
    );
    expect(searchable.result).toMatchObject({ pagesOcred: 0 });
    expect(String(searchable.result?.note)).toContain('already has a text layer');
  });

  it('rotate: turns a page scanned sideways upright and reads it; without rotate the page stays as it is', async () => {
    const upright = path.join(work, 'upright.pdf');
    const turned = path.join(work, 'turned.pdf');
    const sideways = path.join(work, 'sideways.pdf');
    await writeFile(upright, (await makeScannedPdf([SCANNED_TEXT_PAGES[0]])).pdf);
    await run('qpdf', [upright, '--rotate=+90:1', '--', turned]);
    // Rendered again into an image: the text is now sideways in the pixels, and the page has no /Rotate.
    await run('gs', [
      '-q',
      '-dSAFER',
      '-dBATCH',
      '-dNOPAUSE',
      '-sDEVICE=pdfimage8',
      '-r300',
      `-sOutputFile=${sideways}`,
      turned,
    ]);
    const data = await readFile(sideways);
    const expected = SCANNED_TEXT_PAGES[0].join(' ');

    const fixed = await client.waitTerminal(
      String((await client.submit('ocr', [{ name: 'sideways.pdf', data }], { rotate: true })).body.id),
      180_000,
    );
    expect(fixed.status, JSON.stringify(fixed.error)).toBe('completed');
    expect(fixed.result).toMatchObject({ pages: [{ page: 1, source: 'ocr', rotated: 270 }] });
    const out = path.join(work, 'fixed.pdf');
    await writeFile(out, await download(fixed.id));
    const { stdout: info } = await run('pdfinfo', [out]);
    expect(info).toMatch(/Page rot:\s+270/);
    expect(characterErrorRate((await pageTexts(await readFile(out)))[0], expected)).toBeLessThan(
      MAX_CER_GENERATED,
    );

    // Without `rotate` the page keeps its orientation (Tesseract still finds the vertical lines, but a reader
    // sees the page sideways).
    const plain = await client.waitTerminal(
      String((await client.submit('ocr', [{ name: 'sideways.pdf', data }])).body.id),
      180_000,
    );
    expect(plain.status).toBe('completed');
    expect((plain.result?.pages as Array<Record<string, unknown>>)[0].rotated).toBeUndefined();
    const kept = path.join(work, 'kept.pdf');
    await writeFile(kept, await download(plain.id));
    expect((await run('pdfinfo', [kept])).stdout).toMatch(/Page rot:\s+0/);
  });

  it('turns an image upload into a one-page searchable PDF', async () => {
    const lines = ['Receipt 4711 from the corner shop', 'Two coffees and a croissant: 7.40 EUR'];
    const png = await makeTextPng(lines);
    const job = await client.waitTerminal(
      String((await client.submit('ocr', [{ name: 'receipt.png', data: png }])).body.id),
      120_000,
    );
    expect(job.status, JSON.stringify(job.error)).toBe('completed');
    const out = await download(job.id);
    expect(out.subarray(0, 5).toString()).toBe('%PDF-');
    const texts = await pageTexts(out);
    expect(texts).toHaveLength(1);
    expect(characterErrorRate(texts[0], lines.join(' '))).toBeLessThan(MAX_CER_GENERATED);
  });

  it('extract-text takes the text layer where there is one and OCRs the rest', async () => {
    const born = makePdf([{ lines: ['Alpha line one', 'Beta line two'] }, { lines: ['Gamma on page two'] }]);
    const fromLayer = await client.waitTerminal(
      String(
        (await client.submit('extract-text', [{ name: 'born.pdf', data: born }], { pages: '2' })).body.id,
      ),
    );
    expect(fromLayer.status).toBe('completed');
    expect(fromLayer.result).toMatchObject({
      pageCount: 2,
      pages: [{ page: 2, source: 'text-layer' }],
      text: 'Gamma on page two',
    });
    const txt = await download(fromLayer.id);
    expect(txt.toString('utf8')).toBe('Gamma on page two');

    const auto = await client.waitTerminal(
      String((await client.submit('extract-text', [{ name: 'scan.pdf', data: scanned }])).body.id),
      180_000,
    );
    expect(auto.result).toMatchObject({ pages: [{ source: 'ocr' }, { source: 'ocr' }] });
    const pages = String(auto.result?.text).split('\f');
    expect(characterErrorRate(pages[1], SCANNED_TEXT_PAGES[1].join(' '))).toBeLessThan(MAX_CER_GENERATED);

    const never = await client.waitTerminal(
      String(
        (await client.submit('extract-text', [{ name: 'scan.pdf', data: scanned }], { ocr: 'never' })).body
          .id,
      ),
    );
    expect(never.result).toMatchObject({
      pages: [{ source: 'none' }, { source: 'none' }],
      warnings: ['no text on pages 1, 2'],
    });
  });

  it('refuses bad parameters at the gateway and fails bad documents with a reason, without retrying', async () => {
    const lang = await client.submit('ocr', [{ name: 'scan.pdf', data: scanned }], {
      languages: ['klingon'],
    });
    expect(lang.status).toBe(400);
    expect(JSON.stringify(lang.body)).toMatch(/languages/);
    expect(JSON.stringify(lang.body)).toMatch(/eng/);
    const mode = await client.submit('ocr', [{ name: 'scan.pdf', data: scanned }], { mode: 'sideways' });
    expect(mode.status).toBe(400);

    const plain = path.join(work, 'plain.pdf');
    const locked = path.join(work, 'locked.pdf');
    await writeFile(plain, scanned);
    await run('qpdf', ['--encrypt', 'secret', 'secret', '256', '--', plain, locked]);
    const enc = await client.waitTerminal(
      String((await client.submit('ocr', [{ name: 'locked.pdf', data: await readFile(locked) }])).body.id),
    );
    expect(enc.status).toBe('failed');
    expect(enc.error).toMatchObject({ code: 'PDF_ENCRYPTED' });
    expect(enc.attempts).toBe(1);

    const truncated = scanned.subarray(0, Math.floor(scanned.length / 3));
    const cut = await client.waitTerminal(
      String((await client.submit('ocr', [{ name: 'cut.pdf', data: truncated }])).body.id),
      120_000,
    );
    expect(['failed', 'completed']).toContain(cut.status);
    if (cut.status === 'failed') {
      expect(cut.error?.message.length).toBeGreaterThan(10);
      expect(cut.error?.message).not.toMatch(/internal error/i);
    }
  });

  describe.skipIf(!hasCorpus)('real scans from the shared corpus', () => {
    it('reads tesseract’s phototest.tif within 5 % CER of its ground truth', async () => {
      const tif = await readFile(path.join(CORPUS, 'tesseract/phototest.tif'));
      const gold = await readFile(path.join(CORPUS, 'tesseract/phototest.gold.txt'), 'utf8');
      const job = await client.waitTerminal(
        String((await client.submit('extract-text', [{ name: 'phototest.tif', data: tif }])).body.id),
        120_000,
      );
      expect(job.status, JSON.stringify(job.error)).toBe('completed');
      const cer = characterErrorRate(String(job.result?.text), gold);
      console.log(`[ocr e2e] phototest.tif CER ${(cer * 100).toFixed(2)} %`);
      expect(cer).toBeLessThan(0.05);
    });

    it('reads cardinal.pdf (one scan turned 0/90/180/270°) upright with rotate', async () => {
      const pdf = await readFile(path.join(CORPUS, 'ocrmypdf/cardinal.pdf'));
      const reference = await readFile(path.join(CORPUS, 'ocrmypdf/linn.txt'), 'utf8');
      const job = await client.waitTerminal(
        String((await client.submit('ocr', [{ name: 'cardinal.pdf', data: pdf }], { rotate: true })).body.id),
        300_000,
      );
      expect(job.status, JSON.stringify(job.error)).toBe('completed');
      const pages = job.result?.pages as Array<{ rotated?: number }>;
      expect(pages.map((p) => p.rotated ?? 0)).toEqual([0, 270, 180, 90]);
      const texts = await pageTexts(await download(job.id));
      // The turned pages must read exactly like the upright page 1; page 1 is measured against linn.txt (itself
      // Tesseract output shipped with OCRmyPDF, so "as good as the tesseract command line").
      const cers = texts.map((t) => characterErrorRate(t, texts[0]));
      console.log(
        `[ocr e2e] cardinal.pdf: page 1 vs linn.txt CER ${(characterErrorRate(texts[0], reference) * 100).toFixed(1)} %; pages 2-4 vs page 1: ${cers
          .slice(1)
          .map((c) => `${(c * 100).toFixed(1)} %`)
          .join(', ')}`,
      );
      for (const cer of cers.slice(1)) expect(cer).toBeLessThan(0.05);
      // Both columns read column by column, as the reference does (Tesseract's automatic page segmentation).
      expect(characterErrorRate(texts[0], reference)).toBeLessThan(0.05);
      expect(texts[0]).toContain('LinnSequencer');
    });

    it('reads a skewed two-column scan (skew.pdf) in order: extract-text deskews, ocr does with deskew', async () => {
      const pdf = await readFile(path.join(CORPUS, 'ocrmypdf/skew.pdf'));
      const reference = await readFile(path.join(CORPUS, 'ocrmypdf/linn.txt'), 'utf8');
      const text = await client.waitTerminal(
        String((await client.submit('extract-text', [{ name: 'skew.pdf', data: pdf }])).body.id),
        180_000,
      );
      expect(text.status, JSON.stringify(text.error)).toBe('completed');
      const ocr = await client.waitTerminal(
        String((await client.submit('ocr', [{ name: 'skew.pdf', data: pdf }], { deskew: true })).body.id),
        180_000,
      );
      expect(ocr.status, JSON.stringify(ocr.error)).toBe('completed');
      const cers = [String(text.result?.text), String(ocr.result?.text)].map((t) =>
        characterErrorRate(t, reference),
      );
      console.log(
        `[ocr e2e] skew.pdf CER vs linn.txt: extract-text ${(cers[0] * 100).toFixed(1)} %, ocr+deskew ${(cers[1] * 100).toFixed(1)} %`,
      );
      for (const cer of cers) expect(cer).toBeLessThan(0.05);
    });

    it('reads the multilingual eurotext.tif with eng+deu+fra within 10 % CER', async () => {
      const tif = await readFile(path.join(CORPUS, 'tesseract/eurotext.tif'));
      const gold = await readFile(path.join(CORPUS, 'tesseract/eurotext.txt'), 'utf8');
      const job = await client.waitTerminal(
        String(
          (
            await client.submit('ocr', [{ name: 'eurotext.tif', data: tif }], {
              languages: ['eng', 'deu', 'fra'],
            })
          ).body.id,
        ),
        120_000,
      );
      expect(job.status, JSON.stringify(job.error)).toBe('completed');
      const cer = characterErrorRate(String(job.result?.text), gold);
      console.log(`[ocr e2e] eurotext.tif CER ${(cer * 100).toFixed(2)} %`);
      expect(cer).toBeLessThan(0.1);
    });
  });
});
