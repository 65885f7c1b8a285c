import { existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);

/** Where the traineddata of the installed `@tesseract.js-data/*` packages is, gathered in one folder per kind. */
export interface LanguagePacks {
  /** Installed LSTM languages, e.g. ["deu", "eng", …] (never "osd"). */
  languages: string[];
  /** Folder with `<lang>.traineddata.gz` (the "best_int" LSTM models tesseract.js uses by default). */
  langPath: string;
  /** Folder with the legacy `osd.traineddata.gz` for orientation detection (null when the pack is missing). */
  osdLangPath: string | null;
  /** The folder holding both; remove it when done. */
  root: string;
  /** Whether the LSTM models in `langPath` are gzipped (`.traineddata.gz`, npm packs) or plain (`.traineddata`). */
  gzip: boolean;
}

/**
 * Which LSTM models to read: `best_int` (default), the npm packs' `4.0.0_best_int` (tessdata_best made integer: the
 * most accurate); `standard`, their `4.0.0` (the tessdata repository's models); or `{ tessdataDir }`, a folder of
 * plain `<lang>.traineddata` files, e.g. Debian's `tesseract-ocr-<lang>` packages (tessdata_fast, a smaller network:
 * docs/architecture.md (OCR engine) gives the measured speed and accuracy of each).
 */
export type OcrModel = 'best_int' | 'standard' | { tessdataDir: string };

/** An {@link OcrModel} from a setting: `best_int`, `standard`, or else the path of a tessdata folder. */
export function ocrModel(setting: string): OcrModel {
  return setting === 'best_int' || setting === 'standard' ? setting : { tessdataDir: setting };
}

/**
 * Collects the language packs installed from npm (`@tesseract.js-data/<lang>`) into symlink folders that
 * tesseract.js can read offline: by default it downloads models from a CDN at run time, which a server without
 * internet access (and a reproducible deployment) must never do.
 */
export function installedLanguagePacks(model: OcrModel = 'best_int'): LanguagePacks {
  const scope = path.dirname(path.dirname(require.resolve('@tesseract.js-data/eng/package.json')));
  const root = mkdtempSync(path.join(os.tmpdir(), 'quire-tessdata-'));
  const langPath = path.join(root, 'lstm');
  const osdDir = path.join(root, 'osd');
  mkdirSync(langPath);
  mkdirSync(osdDir);
  const languages: string[] = [];
  let osdLangPath: string | null = null;
  for (const code of readdirSync(scope).sort()) {
    if (code === 'osd') {
      const file = path.join(scope, code, '4.0.0', 'osd.traineddata.gz');
      if (existsSync(file)) {
        symlinkSync(file, path.join(osdDir, 'osd.traineddata.gz'));
        osdLangPath = osdDir;
      }
      continue;
    }
    if (typeof model !== 'string') continue;
    const file = path.join(
      scope,
      code,
      model === 'standard' ? '4.0.0' : '4.0.0_best_int',
      `${code}.traineddata.gz`,
    );
    if (!existsSync(file)) continue;
    symlinkSync(file, path.join(langPath, `${code}.traineddata.gz`));
    languages.push(code);
  }
  if (typeof model !== 'string') {
    const dir = path.resolve(model.tessdataDir);
    for (const name of existsSync(dir) ? readdirSync(dir).sort() : []) {
      const code = /^([a-z_]+)\.traineddata$/.exec(name)?.[1];
      if (!code || code === 'osd') continue;
      symlinkSync(path.join(dir, name), path.join(langPath, name));
      languages.push(code);
    }
  }
  return { languages, langPath, osdLangPath, root, gzip: typeof model === 'string' };
}
