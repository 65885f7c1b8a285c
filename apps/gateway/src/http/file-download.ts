import { pipeline } from 'node:stream/promises';
import type { Response } from 'express';
import { GoneError } from '@quire/errors';
import type { BlobStore } from '@quire/storage';
import { contentTypeOf } from './zip-download';

/**
 * Streams one stored file as an attachment. `pipeline` ties the file stream to the response: a client that
 * disconnects mid-way destroys the stream (and closes its file descriptor) at once, instead of leaving it paused
 * and open until the process exits, which kept deleted results using disk.
 */
export async function streamStoredFile(
  res: Response,
  storage: BlobStore,
  file: { name: string; key: string },
): Promise<void> {
  const stat = await storage.stat(file.key);
  if (!stat) throw new GoneError(`the output "${file.name}" is no longer available (expired or deleted)`);
  const stream = await storage.read(file.key);
  res.status(200);
  res.setHeader('Content-Type', contentTypeOf(file.name));
  res.setHeader('Content-Length', String(stat.bytes));
  res.setHeader('Content-Disposition', `attachment; filename="${file.name.replace(/"/g, '')}"`);
  try {
    await pipeline(stream, res);
  } catch (err) {
    // The client went away: nothing to answer, and the file stream is destroyed already.
    if ((err as { code?: unknown }).code === 'ERR_STREAM_PREMATURE_CLOSE') return;
    throw err;
  }
}
