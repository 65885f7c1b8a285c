import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { NotFoundError, PayloadTooLargeError, ValidationError } from '@quire/errors';
import type { BlobStore } from './blob-store';

const SAFE_KEY = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

/** BlobStore on a local (or shared, e.g. NFS/RWX volume) directory. Writes go to a temp name and are renamed, so readers never see partial blobs. */
export class LocalBlobStore implements BlobStore {
  constructor(private readonly rootDir: string) {}

  /** Absolute path of a key (validated: no `..`, no absolute keys). */
  pathOf(key: string): string {
    if (!SAFE_KEY.test(key) || key.split('/').some((part) => part === '..' || part === '.')) {
      throw new ValidationError(`invalid storage key: ${key}`);
    }
    return path.join(this.rootDir, key);
  }

  async write(
    key: string,
    source: Readable,
    options: { maxBytes?: number } = {},
  ): Promise<{ bytes: number }> {
    const dest = this.pathOf(key);
    await fs.mkdir(path.dirname(dest), { recursive: true });
    const tmp = `${dest}.partial-${process.pid}-${Date.now()}`;
    let bytes = 0;
    const max = options.maxBytes;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        bytes += chunk.length;
        if (max !== undefined && bytes > max) {
          cb(
            new PayloadTooLargeError(`file exceeds the size limit of ${max} bytes`, {
              details: { limitBytes: max },
            }),
          );
          return;
        }
        cb(null, chunk);
      },
    });
    try {
      // A source that failed while we awaited mkdir has already emitted its error; report it, do not hang.
      if (source.errored) throw source.errored;
      await pipeline(source, counter, createWriteStream(tmp));
      await fs.rename(tmp, dest);
      return { bytes };
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
  }

  async read(key: string): Promise<Readable> {
    const p = this.pathOf(key);
    try {
      await fs.access(p);
    } catch (err) {
      throw new NotFoundError(`blob not found: ${key}`, { cause: err });
    }
    return createReadStream(p);
  }

  async stat(key: string): Promise<{ bytes: number } | null> {
    try {
      const s = await fs.stat(this.pathOf(key));
      return s.isFile() ? { bytes: s.size } : null;
    } catch {
      return null;
    }
  }

  async copyToFile(key: string, destPath: string): Promise<void> {
    try {
      await fs.copyFile(this.pathOf(key), destPath);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT')
        throw new NotFoundError(`blob not found: ${key}`, { cause: err });
      throw err;
    }
  }

  async copyFromFile(srcPath: string, key: string): Promise<{ bytes: number }> {
    const dest = this.pathOf(key);
    await fs.mkdir(path.dirname(dest), { recursive: true });
    const tmp = `${dest}.partial-${process.pid}-${Date.now()}`;
    await fs.copyFile(srcPath, tmp);
    await fs.rename(tmp, dest);
    return { bytes: (await fs.stat(dest)).size };
  }

  async list(prefix: string): Promise<string[]> {
    const base = this.pathOf(prefix);
    const out: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await fs.readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const entry of entries) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) await walk(full);
        else if (!entry.name.includes('.partial-'))
          out.push(path.relative(this.rootDir, full).split(path.sep).join('/'));
      }
    };
    await walk(base);
    return out.sort();
  }

  async findStalePartials(olderThan: Date): Promise<Array<{ key: string; bytes: number; modifiedAt: Date }>> {
    const out: Array<{ key: string; bytes: number; modifiedAt: Date }> = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await fs.readdir(dir, { withFileTypes: true });
      } catch {
        return; // vanished or unreadable: nothing to report
      }
      for (const entry of entries) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) {
          await walk(full);
        } else if (entry.isFile() && entry.name.includes('.partial-')) {
          const s = await fs.stat(full).catch(() => null);
          if (s && s.mtime < olderThan) {
            out.push({
              key: path.relative(this.rootDir, full).split(path.sep).join('/'),
              bytes: s.size,
              modifiedAt: s.mtime,
            });
          }
        }
      }
    };
    await walk(this.rootDir);
    return out;
  }

  async removeStalePartial(key: string, olderThan: Date): Promise<{ removed: boolean; bytes: number }> {
    if (!key.split('/').pop()?.includes('.partial-'))
      throw new ValidationError(`not a partial write: ${key}`);
    const p = this.pathOf(key);
    try {
      const s = await fs.stat(p);
      if (!s.isFile() || s.mtime >= olderThan) return { removed: false, bytes: 0 };
      await fs.unlink(p);
      return { removed: true, bytes: s.size };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { removed: false, bytes: 0 };
      throw err;
    }
  }

  async findIdleFolders(
    prefix: string,
    olderThan: Date,
  ): Promise<Array<{ key: string; files: number; bytes: number; modifiedAt: Date }>> {
    let entries;
    try {
      entries = await fs.readdir(this.pathOf(prefix), { withFileTypes: true });
    } catch {
      return []; // no such prefix yet
    }
    const out: Array<{ key: string; files: number; bytes: number; modifiedAt: Date }> = [];
    for (const entry of entries) {
      if (!entry.isDirectory()) continue;
      const key = `${prefix}/${entry.name}`;
      const usage = await folderUsage(this.pathOf(key));
      if (usage && usage.newest < olderThan) out.push({ key, ...usage, modifiedAt: usage.newest });
    }
    return out;
  }

  async removeIdleFolder(
    key: string,
    olderThan: Date,
  ): Promise<{ removed: boolean; files: number; bytes: number }> {
    const dir = this.pathOf(key);
    const usage = await folderUsage(dir);
    if (!usage || usage.newest >= olderThan) return { removed: false, files: 0, bytes: 0 };
    await fs.rm(dir, { recursive: true, force: true });
    return { removed: true, files: usage.files, bytes: usage.bytes };
  }

  async deletePrefix(prefix: string): Promise<{ bytes: number }> {
    const target = this.pathOf(prefix);
    let bytes = 0;
    for (const key of await this.list(prefix)) bytes += (await this.stat(key))?.bytes ?? 0;
    await fs.rm(target, { recursive: true, force: true });
    return { bytes };
  }
}

/**
 * Files, bytes and the newest modification time (of any file or folder, the folder itself included) under `dir`;
 * null when it is gone. Entries that vanish during the walk are skipped.
 */
async function folderUsage(dir: string): Promise<{ files: number; bytes: number; newest: Date } | null> {
  const top = await fs.stat(dir).catch(() => null);
  if (!top?.isDirectory()) return null;
  let files = 0;
  let bytes = 0;
  let newest = top.mtime;
  const walk = async (current: string): Promise<void> => {
    const entries = await fs.readdir(current, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const full = path.join(current, entry.name);
      const s = await fs.stat(full).catch(() => null);
      if (!s) continue;
      if (s.mtime > newest) newest = s.mtime;
      if (s.isDirectory()) await walk(full);
      else if (s.isFile()) {
        files++;
        bytes += s.size;
      }
    }
  };
  await walk(dir);
  return { files, bytes, newest };
}
