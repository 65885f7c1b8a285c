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
}

/**
 * Collects the language packs installed from npm (`@tesseract.js-data/<lang>`) into symlink folders that
 * tesseract.js can read offline: by default it downloads models from a CDN at run time, which a server without
 * internet access (and a reproducible deployment) must never do.
 */
export function installedLanguagePacks(): LanguagePacks {
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
    const file = path.join(scope, code, '4.0.0_best_int', `${code}.traineddata.gz`);
    if (!existsSync(file)) continue;
    symlinkSync(file, path.join(langPath, `${code}.traineddata.gz`));
    languages.push(code);
  }
  return { languages, langPath, osdLangPath, root };
}
