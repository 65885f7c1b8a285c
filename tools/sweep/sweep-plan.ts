/**
 * What the sweep sends (docs/architecture.md (robustness sweep)): every public job type whose input is an uploaded
 * PDF, with params that exercise its engine, and the worker app that serves its queue.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { JOB_CATALOG, JOB_TYPES, type JobType, type QueueName } from '@quire/job-model';

/** The app that consumes each queue (apps/<name>). */
export const WORKER_OF_QUEUE: Readonly<Record<Exclude<QueueName, 'maintenance'>, string>> = {
  compression: 'compression-worker',
  conversion: 'conversion-worker',
  ocr: 'ocr-worker',
  'ai-extraction': 'ai-extraction-worker',
  redaction: 'redaction-worker',
};

/** Params per type; a type not listed gets its defaults (`{}`). Chosen so the engine does real work. */
const PARAMS: Partial<Record<JobType, Record<string, unknown>>> = {
  compress: { preset: 'ebook' },
  'bulk-compress': { preset: 'screen' },
  split: { mode: 'pages' },
};

/**
 * Params at the edges of each contract (`--edge`): the heaviest settings a client with a valid key may ask for —
 * 600 dpi over every page, every language with forced OCR, one part per page, repeated ranges.
 */
const EDGE_PARAMS: Partial<Record<JobType, Record<string, unknown>>> = {
  compress: { preset: 'prepress' },
  'bulk-compress': { preset: 'lossless' },
  'convert-to-images': { format: 'png', dpi: 600, pages: '1-', quality: 100 },
  merge: { ranges: ['1-,1-,1-,1-', '1,1,1-'] },
  split: { mode: 'every', every: 1 },
  ocr: { languages: ['eng', 'deu', 'fra', 'spa'], mode: 'force', rotate: true, deskew: true },
  'extract-text': { pages: '1-,1-,1-', ocr: 'always' },
  'extract-invoice': { mode: 'layout', format: 'xlsx' },
  'extract-bank-statement': {
    mode: 'layout',
    format: 'csv',
    rules: [{ category: 'x', field: 'description', op: 'regex', value: '(a+)+$' }],
  },
};

export interface SweepType {
  type: JobType;
  queue: Exclude<QueueName, 'maintenance'>;
  worker: string;
  params: Record<string, unknown>;
  /** How many copies of the file one job gets (merge needs two). */
  copies: number;
  /** Takes images as well as PDFs. */
  images: boolean;
}

const IMAGE_FILE = /\.(png|jpe?g|tiff?)$/i;

/** The files a type is swept with: images only for the types that take them. */
export function filesFor(t: SweepType, files: readonly string[]): string[] {
  return t.images ? [...files] : files.filter((f) => !IMAGE_FILE.test(f));
}

/**
 * The job types that take uploaded PDFs (a type that may also take a `sourceJobId`, like redact, is swept with its
 * upload); purely derived jobs (no upload at all) are not swept.
 */
export function sweepTypes(only?: readonly string[], edge = false): SweepType[] {
  const all = JOB_TYPES.filter((t) => {
    const spec = JOB_CATALOG[t];
    return spec.public && spec.available && spec.maxFiles > 0 && spec.kinds.includes('pdf');
  });
  const unknown = (only ?? []).filter((t) => !all.includes(t as JobType));
  if (unknown.length > 0)
    throw new Error(`not a job type that takes PDFs: ${unknown.join(', ')} (choose from ${all.join(', ')})`);
  return all
    .filter((t) => !only || only.includes(t))
    .map((type) => {
      const spec = JOB_CATALOG[type];
      const queue = spec.queue as SweepType['queue'];
      return {
        type,
        queue,
        worker: WORKER_OF_QUEUE[queue],
        params: (edge ? EDGE_PARAMS[type] : PARAMS[type]) ?? {},
        copies: Math.max(1, spec.minFiles),
        images: spec.kinds.includes('image'),
      };
    });
}

/** Every file below `dir`, sorted (the manifest and other non-document files included: they are hostile input too). */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true }))
    if (entry.isFile()) out.push(path.join(entry.parentPath, entry.name));
  return out.sort();
}

/** The first file (in the given order) of each sub-folder: the lean set. */
export function onePerFolder(files: readonly string[], root: string): string[] {
  const picked = new Map<string, string>();
  for (const file of files) {
    const folder = path.relative(root, path.dirname(file)).split(path.sep)[0] ?? '.';
    if (!picked.has(folder)) picked.set(folder, file);
  }
  return [...picked.values()];
}
