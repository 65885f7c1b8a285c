import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { ApiClient } from './http';

/**
 * The file name the server gives (`Content-Disposition: attachment; filename="…"`), reduced to a plain name: a
 * server never chooses where on the user's disk a file lands.
 */
export function fileNameFromDisposition(header: string | null, fallback: string): string {
  const star = /filename\*\s*=\s*(?:UTF-8'')?([^;]+)/i.exec(header ?? '')?.[1];
  const plain = /filename\s*=\s*"([^"]*)"|filename\s*=\s*([^;]+)/i.exec(header ?? '');
  let name = fallback;
  try {
    name = star ? decodeURIComponent(star.trim()) : (plain?.[1] ?? plain?.[2]?.trim() ?? fallback);
  } catch {
    name = plain?.[1] ?? fallback;
  }

  const safe = [...path.basename(name.replace(/\\/g, '/'))]
    .filter((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) !== 0x7f)
    .join('')
    .trim();
  return safe === '' || safe === '.' || safe === '..' ? fallback : safe;
}

async function exists(file: string): Promise<boolean> {
  return (await stat(file).catch(() => null)) !== null;
}

/** `name.pdf` in `dir`, or `name-<id8>.pdf` (then `-2`, `-3`…) when taken: a download never overwrites in a folder. */
export async function freePath(
  dir: string,
  name: string,
  jobId: string,
  taken: Set<string>,
): Promise<string> {
  const ext = path.extname(name);
  const stem = name.slice(0, name.length - ext.length);
  const withId = `${stem}-${jobId.slice(0, 8)}`;
  for (let i = 0; ; i++) {
    const candidate = path.join(dir, i === 0 ? name : i === 1 ? `${withId}${ext}` : `${withId}-${i}${ext}`);
    if (!taken.has(path.resolve(candidate)) && !(await exists(candidate))) {
      taken.add(path.resolve(candidate));
      return candidate;
    }
  }
}

export interface DownloadTarget {
  /** Into this folder, under the server's file name. */
  dir?: string;
  /** Exactly this path (overwritten). */
  file?: string;
  /** Paths chosen earlier in this run (bulk downloads whose outputs share a name). */
  taken?: Set<string>;
}

/**
 * Downloads a completed job's output (`GET /v1/jobs/{id}/download`: the single file, or a ZIP of several), streamed
 * to a `.part` file renamed at the end, so an interrupted download never looks complete.
 */
export async function downloadJob(
  api: ApiClient,
  jobId: string,
  target: DownloadTarget,
): Promise<{ path: string; bytes: number }> {
  const res = await api.request('GET', `/v1/jobs/${encodeURIComponent(jobId)}/download`);
  let destination: string;
  if (target.file !== undefined) {
    destination = target.file;
    await mkdir(path.dirname(destination), { recursive: true });
  } else {
    const dir = target.dir ?? '.';
    await mkdir(dir, { recursive: true });
    const name = fileNameFromDisposition(res.headers.get('content-disposition'), `${jobId}.bin`);
    destination = await freePath(dir, name, jobId, target.taken ?? new Set());
  }
  const partial = `${destination}.part`;
  try {
    if (!res.body) throw new Error('the server sent no file');
    await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), createWriteStream(partial));
    await rename(partial, destination);
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  }
  return { path: destination, bytes: (await stat(destination)).size };
}
