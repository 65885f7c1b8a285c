import type { Readable } from 'node:stream';
import type { Response } from 'express';
import { ZipFile } from 'yazl';

export interface ZipEntrySource {
  /** File name inside the archive. */
  name: string;
  /** Exact size of the stored file (from a stat), so the archive's size is known up front. */
  bytes: number;
}

/** Content type of an output file from its name (what clients and browsers need to open it). */
export function contentTypeOf(name: string): string {
  const ext = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase();
  switch (ext) {
    case 'pdf':
      return 'application/pdf';
    case 'png':
      return 'image/png';
    case 'jpg':
    case 'jpeg':
      return 'image/jpeg';
    case 'zip':
      return 'application/zip';
    case 'json':
      return 'application/json';
    default:
      return 'application/octet-stream';
  }
}

/**
 * Streams a ZIP of `entries` to the response without building it in memory or on disk: entries are stored (not
 * deflated: PDFs and images are compressed already), opened one at a time only when the archive reaches them, and
 * since every size is known the archive's exact length is sent as Content-Length. A client that disconnects stops
 * the reading; a source that fails mid-way ends the response early (headers are gone by then).
 */
export async function streamZip<E extends ZipEntrySource>(
  res: Response,
  archiveName: string,
  entries: readonly E[],
  open: (entry: E) => Promise<Readable>,
): Promise<void> {
  const zip = new ZipFile();
  /** Entry streams opened and not yet finished: all destroyed when the client goes, so no file stays open. */
  const openStreams = new Set<Readable>();
  let clientGone = false;
  let failed: Error | undefined;
  const mtime = new Date();
  for (const entry of entries) {
    zip.addReadStreamLazy(entry.name, { size: entry.bytes, compress: false, mtime }, (cb) => {
      open(entry).then(
        (stream) => {
          // Opened after the client left (the open was already under way): close it at once.
          if (clientGone) {
            stream.destroy();
            return cb(new Error('the client went away'), undefined as unknown as Readable);
          }
          openStreams.add(stream);
          stream.once('close', () => openStreams.delete(stream));
          cb(null, stream);
        },
        (err: unknown) => cb(err, undefined as unknown as Readable),
      );
    });
  }
  const finalSize = await new Promise<number>((resolve) =>
    zip.end(undefined, resolve as unknown as () => void),
  );
  res.status(200);
  res.setHeader('Content-Type', 'application/zip');
  if (finalSize >= 0) res.setHeader('Content-Length', String(finalSize));
  res.setHeader('Content-Disposition', `attachment; filename="${archiveName.replace(/"/g, '')}"`);
  const output = zip.outputStream as Readable;
  await new Promise<void>((resolve, reject) => {
    zip.on('error', (err: unknown) => {
      if (clientGone) return; // the open refused above, or a read cut short: nobody to tell
      failed = err instanceof Error ? err : new Error('the ZIP stream failed');
      output.unpipe(res);
      res.destroy(failed);
      resolve();
    });
    res.on('close', () => {
      if (res.writableFinished) return resolve();
      // Client gone: stop reading storage, and close every entry stream (their file descriptors) now.
      clientGone = true;
      output.unpipe(res);
      output.destroy();
      for (const stream of openStreams) stream.destroy();
      openStreams.clear();
      resolve();
    });
    res.on('finish', resolve);
    output.on('error', reject);
    output.pipe(res);
  });
  if (failed) throw failed;
}
