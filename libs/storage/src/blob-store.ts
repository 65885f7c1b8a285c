import type { Readable } from 'node:stream';

/**
 * Where job inputs and outputs live. Keys are relative, slash-separated (`jobs/<jobId>/input/0.pdf`).
 * The local-filesystem driver is the only one today; an S3 driver would implement the same interface.
 */
export interface BlobStore {
  /** Streams `source` into `key`. With `maxBytes`, stops reading past the limit, removes the partial blob and throws PayloadTooLargeError. */
  write(key: string, source: Readable, options?: { maxBytes?: number }): Promise<{ bytes: number }>;
  /** A read stream of the blob; NotFoundError when absent. */
  read(key: string): Promise<Readable>;
  /** Size of the blob, or null when absent. */
  stat(key: string): Promise<{ bytes: number } | null>;
  /** Copies the blob to a local file (engines need paths). */
  copyToFile(key: string, destPath: string): Promise<void>;
  /** Stores a local file under `key`. */
  copyFromFile(srcPath: string, key: string): Promise<{ bytes: number }>;
  /** Keys under a prefix, recursively. */
  list(prefix: string): Promise<string[]>;
  /** Removes everything under a prefix; missing prefix is not an error. Returns bytes freed. */
  deletePrefix(prefix: string): Promise<{ bytes: number }>;
  /**
   * Leftovers of interrupted writes (`*.partial-*`, never visible through `list`) last modified before `olderThan`.
   * Files that vanish during the walk are skipped.
   */
  findStalePartials(olderThan: Date): Promise<Array<{ key: string; bytes: number; modifiedAt: Date }>>;
  /**
   * Removes one leftover found by `findStalePartials` if it is still older than `olderThan` (a write that resumed is
   * left alone). `removed` is false when it is gone already or was written to since. Other errors (locked,
   * permission) are thrown.
   */
  removeStalePartial(key: string, olderThan: Date): Promise<{ removed: boolean; bytes: number }>;
  /**
   * Folders directly under `prefix` (e.g. `jobs` → `jobs/<id>`) in which nothing, partial writes and the folders
   * themselves included, was modified since `olderThan`; with the files and bytes they hold.
   */
  findIdleFolders(
    prefix: string,
    olderThan: Date,
  ): Promise<Array<{ key: string; files: number; bytes: number; modifiedAt: Date }>>;
  /**
   * Removes one folder found by `findIdleFolders` if nothing in it was modified since `olderThan` (a folder written
   * to meanwhile is left alone: `removed` false).
   */
  removeIdleFolder(key: string, olderThan: Date): Promise<{ removed: boolean; files: number; bytes: number }>;
}
