/**
 * Child module of the Tesseract pool: recognises one image per task with tesseract.js (WebAssembly). A worker is
 * kept per language set and reused; the supervisor recycles the whole process after `maxTasksPerChild` tasks or
 * any crash, which also frees the WebAssembly heap (it never shrinks). Workspace libraries are imported as types
 * only (see ChildHandler).
 */
import { writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { createWorker, OEM, PSM, type Worker } from 'tesseract.js';
import type { ChildHandler } from '@quire/engine-supervisor';

export interface RecognizeRequest {
  imagePath: string;
  languages: string[];
  /** Folder holding `<lang>.traineddata.gz` (or `.traineddata` when not `gzip`) for every language (LSTM models). */
  langPath: string;
  gzip: boolean;
  /** Folder holding the legacy `osd.traineddata.gz`, for orientation detection. */
  osdLangPath: string;
  /** Resolution of the image, so the PDF page gets the size of the page it came from. */
  dpi: number;
  /** Where to write a one-page PDF of the page's invisible text (to lay over the original page). */
  pdfPath?: string;
  /** Also detect the page orientation (0/90/180/270) with the legacy OSD model. */
  detectOrientation: boolean;
  /** Let Tesseract straighten a slightly skewed image before recognition. */
  deskew: boolean;
  /** Also return every recognised word with its box (pixels of the image), for layout readers. */
  wordBoxes?: boolean;
  /**
   * With `detectOrientation`: when the page is found turned, return the orientation only and do not recognise the
   * image (the caller renders the page again upright and reads that; reading it turned would be wasted work).
   */
  orientationOnlyIfTurned?: boolean;
}

/** One recognised word and its box, in pixels of the image (origin top-left). */
export interface WordBox {
  text: string;
  x: number;
  y: number;
  width: number;
  height: number;
  /** 0–100. */
  confidence: number;
}

export interface RecognizeResponse {
  text: string;
  /** Mean word confidence, 0–100. */
  confidence: number;
  /**
   * Clockwise degrees the image must turn to be upright (0/90/180/270; 0 when not asked or unsure). Tesseract
   * reads it as it is: rotating inside tesseract.js keeps the canvas size and would crop a landscape page, so the
   * caller renders the page again upright.
   */
  orientation: number;
  words: number;
  /** Present when `wordBoxes` was asked for. */
  boxes?: WordBox[];
  /** False when the image was not recognised (turned page with `orientationOnlyIfTurned`): text is empty. */
  recognised: boolean;
  /** Time spent inside the child, ms: orientation detection, recognition (with the text-layer PDF), writing it. */
  timings: { osdMs: number; recognizeMs: number; writeMs: number };
}

let lstm: { key: string; worker: Worker } | null = null;
let osd: Worker | null = null;

async function lstmWorker(languages: string[], langPath: string, gzip: boolean): Promise<Worker> {
  const key = `${langPath}|${languages.join('+')}`;
  if (lstm?.key === key) return lstm.worker;
  await lstm?.worker.terminate();
  lstm = null;
  const worker = await createWorker(languages, OEM.LSTM_ONLY, { langPath, cacheMethod: 'none', gzip });
  lstm = { key, worker };
  return worker;
}

async function osdWorker(langPath: string): Promise<Worker> {
  osd ??= await createWorker(['osd'], OEM.TESSERACT_ONLY, {
    langPath,
    cacheMethod: 'none',
    gzip: true,
    legacyCore: true,
    legacyLang: true,
  });
  return osd;
}

/** Orientation confidence below which a page is read as it is (OSD guesses on sparse or non-text pages). */
const MIN_ORIENTATION_CONFIDENCE = 2;

const recognize: ChildHandler<RecognizeRequest, RecognizeResponse> = async (req) => {
  let orientation = 0;
  const timings = { osdMs: 0, recognizeMs: 0, writeMs: 0 };
  let started = performance.now();
  if (req.detectOrientation) {
    const detected = await (await osdWorker(req.osdLangPath)).detect(req.imagePath);
    const degrees = detected.data.orientation_degrees ?? 0;
    if ((detected.data.orientation_confidence ?? 0) >= MIN_ORIENTATION_CONFIDENCE) orientation = degrees;
    timings.osdMs = performance.now() - started;
    if (orientation !== 0 && req.orientationOnlyIfTurned) {
      return { text: '', confidence: 0, orientation, words: 0, recognised: false, timings };
    }
  }
  started = performance.now();
  const worker = await lstmWorker(req.languages, req.langPath, req.gzip);
  // PSM.AUTO finds columns and blocks, as the tesseract command line does; tesseract.js's own default (a single
  // block) runs every line straight across a two-column page (38 % vs 1 % error on the corpus's linn.pdf).
  await worker.setParameters({ user_defined_dpi: String(req.dpi), tessedit_pageseg_mode: PSM.AUTO });
  const { data } = await worker.recognize(
    req.imagePath,
    {
      rotateAuto: req.deskew,
      ...(req.pdfPath ? { pdfTitle: 'Quire OCR', pdfTextOnly: true } : {}),
    },
    { text: true, pdf: Boolean(req.pdfPath), blocks: Boolean(req.wordBoxes), hocr: false, tsv: false },
  );
  timings.recognizeMs = performance.now() - started;
  started = performance.now();
  if (req.pdfPath) {
    if (!data.pdf) throw new Error('Tesseract produced no PDF');
    await writeFile(req.pdfPath, Buffer.from(data.pdf));
  }
  timings.writeMs = performance.now() - started;
  const text = data.text ?? '';
  return {
    text,
    confidence: data.confidence ?? 0,
    orientation,
    words: text.split(/\s+/).filter(Boolean).length,
    recognised: true,
    timings,
    ...(req.wordBoxes ? { boxes: wordBoxesOf(data.blocks) } : {}),
  };
};

type Blocks = Awaited<ReturnType<Worker['recognize']>>['data']['blocks'];

function wordBoxesOf(blocks: Blocks): WordBox[] {
  const out: WordBox[] = [];
  for (const block of blocks ?? []) {
    for (const paragraph of block.paragraphs) {
      for (const line of paragraph.lines) {
        for (const word of line.words) {
          const text = word.text.trim();
          if (!text) continue;
          const { x0, y0, x1, y1 } = word.bbox;
          out.push({ text, x: x0, y: y0, width: x1 - x0, height: y1 - y0, confidence: word.confidence });
        }
      }
    }
  }
  return out;
}

export default recognize;
