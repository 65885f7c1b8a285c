import type { Dirent } from 'node:fs';
import { open, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';

/** Bytes written per call when overwriting. */
const CHUNK = 1 << 20;

/**
 * Overwrites a file with zeros (flushed to the disk) and removes it: the seed's secure delete of temp files
 * (docs/architecture.md §13 (redaction)). On journaling or copy-on-write file systems and SSDs an overwrite is not a
 * guarantee that the old blocks are gone; it does keep them out of reach of anything reading the file system.
 * A file that is already gone is fine.
 */
export async function secureDelete(file: string): Promise<void> {
  let size: number;
  try {
    const info = await stat(file);
    if (!info.isFile()) return;
    size = info.size;
  } catch {
    return;
  }
  const handle = await open(file, 'r+');
  try {
    const zeros = Buffer.alloc(Math.min(CHUNK, Math.max(size, 1)));
    for (let at = 0; at < size; at += zeros.length) {
      await handle.write(zeros, 0, Math.min(zeros.length, size - at), at);
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rm(file, { force: true });
}

/** {@link secureDelete} for every regular file under `dir` (recursively), then the folder itself. */
export async function secureDeleteTree(dir: string): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await secureDeleteTree(full);
    else if (entry.isFile()) await secureDelete(full);
  }
  await rm(dir, { recursive: true, force: true });
}
