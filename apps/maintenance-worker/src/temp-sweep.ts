import fs from 'node:fs/promises';
import path from 'node:path';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface TempSweepResult {
  /** Files (and symlinks) removed. */
  files: number;
  /** Folders removed (only emptied ones whose own age is past the cutoff). */
  dirs: number;
  /** Bytes of the removed files. */
  bytes: number;
  /** Job folders left alone because their job is `processing`. */
  protectedJobs: number;
  /** Entries that could not be removed (locked, permission); vanished ones are not errors. */
  errors: number;
  /** A few of those errors, for the report. */
  errorSamples: string[];
}

/**
 * Removes what is older than `cutoff` under the workers' temp root (layout `<root>/<jobId>/<leaseId>/…`): files by
 * their modification time, folders once emptied when they themselves are that old. A `<jobId>` folder whose job is
 * `processing` (asked through `processingAmong`) is never entered, whatever its age. Files that vanish meanwhile
 * are skipped; files that cannot be removed (locked, permission) are counted in `errors` and left. The root
 * itself is kept.
 */
export async function sweepTempRoot(
  root: string,
  cutoff: Date,
  processingAmong: (jobIds: string[]) => Promise<Set<string>>,
  checkpoint: () => void = () => undefined,
): Promise<TempSweepResult> {
  const result: TempSweepResult = {
    files: 0,
    dirs: 0,
    bytes: 0,
    protectedJobs: 0,
    errors: 0,
    errorSamples: [],
  };
  const entries = await readdir(root);
  if (!entries) return result;
  const jobIds = entries.filter((e) => e.isDirectory() && UUID.test(e.name)).map((e) => e.name);
  const busy = await processingAmong(jobIds);
  for (const entry of entries) {
    checkpoint();
    if (entry.isDirectory() && busy.has(entry.name)) {
      result.protectedJobs++;
      continue;
    }
    await sweepEntry(path.join(root, entry.name), cutoff, result, checkpoint);
  }
  return result;
}

async function sweepEntry(
  full: string,
  cutoff: Date,
  result: TempSweepResult,
  checkpoint: () => void,
): Promise<void> {
  let st;
  try {
    st = await fs.lstat(full);
  } catch (err) {
    return noteError(err, full, result);
  }
  if (st.isDirectory()) {
    // The folder's own age is read before its content goes: removing entries refreshes a folder's mtime.
    const oldEnough = st.mtime < cutoff;
    for (const child of (await readdir(full)) ?? []) {
      checkpoint();
      await sweepEntry(path.join(full, child.name), cutoff, result, checkpoint);
    }
    if (!oldEnough) return;
    try {
      await fs.rmdir(full);
      result.dirs++;
    } catch (err) {
      // Not empty: something newer is inside (or a worker just started using it). Not an error.
      if (
        (err as NodeJS.ErrnoException).code !== 'ENOTEMPTY' &&
        (err as NodeJS.ErrnoException).code !== 'EEXIST'
      )
        noteError(err, full, result);
    }
    return;
  }
  if (st.mtime >= cutoff) return;
  try {
    await fs.unlink(full);
    result.files++;
    result.bytes += st.isFile() ? st.size : 0;
  } catch (err) {
    noteError(err, full, result);
  }
}

async function readdir(dir: string) {
  try {
    return await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return null; // vanished, not a folder, or unreadable
  }
}

function noteError(err: unknown, file: string, result: TempSweepResult): void {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return; // vanished meanwhile: someone else removed it
  result.errors++;
  if (result.errorSamples.length < 5) result.errorSamples.push(`${file}: ${code ?? String(err)}`);
}
