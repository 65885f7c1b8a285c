/**
 * What an engine's child process may see of this process's environment. Children run third-party code on hostile
 * input (libgs, pdf.js, tesseract.js, qpdf, img2pdf); they get an explicit allow-list, never the worker's database
 * URL, broker password or any other secret (docs/architecture.md §1.3 (engines and isolation)).
 */

/**
 * Always passed: where programs and the temporary folder are, the locale, the time zone, and XDG_CACHE_HOME
 * (fontconfig, which libgs uses, needs a writable cache; the image points it at /tmp, the one writable place on a
 * read-only root filesystem).
 */
const BASE_NAMES = ['PATH', 'HOME', 'TMPDIR', 'TMP', 'TEMP', 'LANG', 'LANGUAGE', 'TZ', 'XDG_CACHE_HOME'];
/** Locale categories (LC_ALL, LC_CTYPE, ...) are passed whatever their number. */
const LOCALE = /^LC_[A-Z_]+$/;

/**
 * The environment for a child process: the base allow-list (PATH, HOME, TMPDIR/TMP/TEMP, LANG, LANGUAGE, LC_*,
 * TZ, XDG_CACHE_HOME) plus the variables named in `extraNames` that a tool needs (e.g. GS_LIB for Ghostscript), each only when set.
 */
export function childProcessEnv(
  extraNames: readonly string[] = [],
  from: Record<string, string | undefined> = process.env,
): Record<string, string> {
  const allowed = new Set([...BASE_NAMES, ...extraNames]);
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(from)) {
    if (value !== undefined && (allowed.has(name) || LOCALE.test(name))) env[name] = value;
  }
  return env;
}
