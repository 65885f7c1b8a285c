import path from 'node:path';

/**
 * The stem of an uploaded file name, made safe for an output name (storage keys allow `A-Z a-z 0-9 . _ -` only):
 * "my report (final).pdf" → "my_report_final_"; never empty.
 */
export function baseName(fileName: string | undefined, fallback = 'document'): string {
  const base = path
    .basename(fileName ?? '', path.extname(fileName ?? ''))
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._]+/, '')
    .slice(0, 100);
  return base || fallback;
}

/** `n` zero-padded to the width of `total`, so names sort in page order. */
export function padded(n: number, total: number): string {
  return String(n).padStart(String(total).length, '0');
}
