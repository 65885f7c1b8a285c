// A namespace import: a missing `glob` (Node < 22) must not stop the module from loading before main's version check.
import * as fsp from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from './exit-codes';
import type { JobTypeInfo } from './catalog';

/**
 * A folder's documents: what Quire accepts (PDF and images). A folder often holds other files too (.DS_Store, notes);
 * a file named on the command line is always sent, and the server sniffs its content (415 when it is neither).
 */
const DOCUMENT_EXTENSIONS = new Set([
  '.pdf',
  '.png',
  '.jpg',
  '.jpeg',
  '.tif',
  '.tiff',
  '.webp',
  '.gif',
  '.bmp',
]);

const CONTENT_TYPES: Record<string, string> = {
  '.pdf': 'application/pdf',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.bmp': 'image/bmp',
};

export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

const GLOB_CHARS = /[*?[\]{}]/;

/** Files, folders (their documents, not recursive, sorted) and globs (quoted, so the CLI expands them) → file paths. */
export async function expandInputs(args: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  const seen = new Set<string>();
  const add = (file: string) => {
    const resolved = path.resolve(file);
    if (!seen.has(resolved)) {
      seen.add(resolved);
      files.push(file);
    }
  };
  for (const arg of args) {
    const info = await fsp.stat(arg).catch(() => null);
    if (info?.isDirectory()) {
      const entries = await fsp.readdir(arg, { withFileTypes: true });
      const docs = entries
        .filter(
          (e) =>
            e.isFile() &&
            !e.name.startsWith('.') &&
            DOCUMENT_EXTENSIONS.has(path.extname(e.name).toLowerCase()),
        )
        .map((e) => path.join(arg, e.name))
        .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
      if (docs.length === 0) throw new UsageError(`no PDF or image files in the folder ${arg}`);
      docs.forEach(add);
    } else if (info?.isFile()) {
      add(arg);
    } else if (!info && GLOB_CHARS.test(arg)) {
      const matches: string[] = [];
      for await (const match of fsp.glob(arg)) matches.push(match);
      const regular = [];
      for (const m of matches.sort((a, b) => a.localeCompare(b, undefined, { numeric: true })))
        if ((await fsp.stat(m).catch(() => null))?.isFile()) regular.push(m);
      if (regular.length === 0) throw new UsageError(`no file matches ${arg}`);
      regular.forEach(add);
    } else if (info) {
      throw new UsageError(`${arg} is neither a file nor a folder`);
    } else {
      throw new UsageError(`no such file or folder: ${arg}`);
    }
  }
  return files;
}

/**
 * How the files become jobs, decided by the type's file counts in the server's catalog: a single-file type gets one
 * job per file (bulk); a multi-file type (merge, bulk-compress) one job with all of them, in the order given; a type
 * that takes no file (its input is another job's result) one job without upload.
 */
export function planJobs(info: JobTypeInfo, files: readonly string[]): string[][] {
  if (info.maxFiles === 0) {
    if (files.length > 0)
      throw new UsageError(
        `${info.type} takes no file (its input is another job's result: pass --param sourceJobId=…)`,
      );
    return [[]];
  }
  if (files.length === 0) throw new UsageError(`${info.type} needs at least ${info.minFiles} file(s)`);
  if (info.maxFiles === 1) return files.map((f) => [f]);
  if (files.length < info.minFiles)
    throw new UsageError(`${info.type} needs at least ${info.minFiles} files, got ${files.length}`);
  if (files.length > info.maxFiles)
    throw new UsageError(`${info.type} takes at most ${info.maxFiles} files in one job, got ${files.length}`);
  return [[...files]];
}
