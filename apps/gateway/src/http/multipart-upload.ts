import type { Request } from 'express';
import busboy from 'busboy';
import { PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError, QuireError } from '@quire/errors';
import type { JobInput } from '@quire/job-model';
import { jobKeys, type BlobStore } from '@quire/storage';
import { SniffingStream, type FileKind } from './sniff';

export interface UploadLimits {
  maxFileBytes: number;
  maxTotalBytes: number;
  maxFiles: number;
}

export interface ReceivedUpload {
  files: JobInput[];
  /** The `params` part parsed as JSON (undefined when absent). */
  params: unknown;
  /** The `options` part (platform options such as the callback URL) parsed as JSON (undefined when absent). */
  options: unknown;
}

/**
 * Streams a multipart request (`file` parts, in order, and an optional `params` JSON part) straight into storage
 * under the job's input folder. Limits are enforced while streaming: an oversize file is cut off, never buffered.
 * On any error the files already stored are removed.
 */
export async function receiveUpload(
  req: Request,
  opts: { jobId: string; storage: BlobStore; limits: UploadLimits; accepted: readonly FileKind[] },
): Promise<ReceivedUpload> {
  const contentType = req.header('content-type') ?? '';
  if (!/^multipart\/form-data/i.test(contentType)) {
    throw new UnsupportedMediaTypeError('expected multipart/form-data with a "file" part');
  }
  const { storage, limits, jobId } = opts;
  // The client may have gone while the route awaited the key lookup or the idempotency check: its `aborted` and
  // `close` have fired already and nothing would ever end the parsing below.
  if (req.destroyed || req.readableAborted) throw clientGone();
  let bb: busboy.Busboy;
  try {
    bb = busboy({
      headers: req.headers,
      limits: {
        fileSize: limits.maxFileBytes,
        files: limits.maxFiles,
        fields: 4,
        fieldSize: 64 * 1024,
        parts: limits.maxFiles + 4,
      },
    });
  } catch (err) {
    throw new ValidationError('malformed multipart request', { cause: err });
  }

  const files: JobInput[] = [];
  const writes: Promise<void>[] = [];
  const sniffers: SniffingStream[] = [];
  let params: unknown;
  let options: unknown;
  let totalBytes = 0;
  let index = 0;
  /** Every file stream opened so far: on failure the unfinished ones are destroyed so their storage writes settle. */
  const sniffs: SniffingStream[] = [];

  try {
    await new Promise<void>((resolve, reject) => {
      let failed = false;
      const fail = (err: unknown) => {
        if (failed) return;
        failed = true;
        req.unpipe(bb);
        const error = err instanceof Error ? err : new ValidationError(String(err));
        // Busboy may already have started the next file, whose write would wait forever for data that no longer
        // comes (the request is unpiped): end them all, or the cleanup below never settles and nothing is answered.
        for (const s of sniffs) if (!s.destroyed) s.destroy(error);
        // The parser is done with too: free it and its current part now rather than when the request is collected.
        // Not synchronously: this may run inside one of busboy's own events, which still uses its state after.
        setImmediate(() => bb.destroy());
        // Over a limit: answer at once and let the error handler close the connection (cut off, not buffered).
        // A request that has ended or is gone has nothing left to drain (its `end`/`close` will not come again).
        if (error instanceof PayloadTooLargeError || req.readableEnded || req.destroyed) return reject(error);
        // Otherwise read and discard the rest (bounded by the total limit) so the client, still sending, gets the
        // 4xx instead of a reset connection.
        let discarded = 0;
        const onData = (chunk: Buffer) => {
          discarded += chunk.length;
          if (discarded > limits.maxTotalBytes) done();
        };
        const done = () => {
          req.off('data', onData);
          reject(error);
        };
        req.on('data', onData);
        req.once('end', done);
        req.once('close', done);
        req.resume();
      };

      bb.on('file', (name, stream, info) => {
        if (failed) {
          stream.on('error', () => undefined); // destroyed with the parser; nothing left to report
          return void stream.resume();
        }
        if (name !== 'file') {
          stream.on('error', () => undefined);
          stream.resume();
          return fail(
            new ValidationError(`unexpected file part "${name}": upload files in parts named "file"`),
          );
        }
        const i = index++;
        const label = `file #${i + 1}${info.filename ? ` (${info.filename})` : ''}`;
        const sniff = new SniffingStream(opts.accepted, label);
        sniffs.push(sniff);
        // The sniffer can fail before storage has attached its pipeline (it awaits mkdir first).
        sniff.on('error', fail);
        sniffers.push(sniff);
        // Busboy destroys a file stream it cannot finish (request cut off, parser destroyed on failure) with an
        // error; `pipe` does not forward it, and unheard it would be an uncaught exception.
        stream.on('error', (err: Error) => {
          if (!sniff.destroyed) sniff.destroy(err);
          fail(err);
        });
        stream.on('limit', () => {
          const err = new PayloadTooLargeError(
            `${label} exceeds the upload limit of ${limits.maxFileBytes} bytes`,
            {
              details: { limitBytes: limits.maxFileBytes },
            },
          );
          sniff.destroy(err);
          fail(err);
        });
        stream.on('data', (chunk: Buffer) => {
          totalBytes += chunk.length;
          if (totalBytes > limits.maxTotalBytes) {
            const err = new PayloadTooLargeError(
              `upload exceeds the total limit of ${limits.maxTotalBytes} bytes`,
              {
                details: { limitBytes: limits.maxTotalBytes },
              },
            );
            sniff.destroy(err);
            fail(err);
          }
        });
        const key = jobKeys.input(jobId, i, 'upload');
        const entry: JobInput = {
          key,
          name: sanitizeName(info.filename, i),
          bytes: 0,
          contentType: 'application/octet-stream',
        };
        files[i] = entry;
        const write = storage.write(key, stream.pipe(sniff)).then(
          ({ bytes }) => {
            entry.bytes = bytes;
            entry.contentType =
              sniff.detected?.kind === 'pdf'
                ? 'application/pdf'
                : `image/${sniff.detected?.ext ?? 'octet-stream'}`;
          },
          (err: unknown) => {
            fail(err);
            throw err;
          },
        );
        // The rejection is consumed later (Promise.all on close, allSettled on failure), possibly after this tick:
        // mark it handled now, or Node treats it as unhandled and kills the gateway.
        write.catch(() => undefined);
        writes.push(write);
      });
      bb.on('field', (name, value) => {
        if (name !== 'params' && name !== 'options')
          return fail(
            new ValidationError(
              `unexpected form field "${name}": only "file", "params" and "options" are accepted`,
            ),
          );
        try {
          if (name === 'params') params = JSON.parse(value);
          else options = JSON.parse(value);
        } catch {
          return fail(new ValidationError(`"${name}" is not valid JSON`));
        }
      });
      bb.on('filesLimit', () =>
        fail(
          new PayloadTooLargeError(`too many files: at most ${limits.maxFiles} per request`, {
            details: { maxFiles: limits.maxFiles },
          }),
        ),
      );
      bb.on('fieldsLimit', () => fail(new ValidationError('too many form fields')));
      bb.on('partsLimit', () => fail(new ValidationError('too many multipart parts')));
      bb.on('error', (err) => fail(new ValidationError('malformed multipart request', { cause: err })));
      bb.on('close', () => {
        Promise.all(writes).then(() => {
          if (!failed) resolve();
        }, fail);
      });
      req.on('aborted', () => fail(clientGone()));
      // Closed before its end: the client disconnected, or the server's idle/request timeout destroyed the socket.
      req.on('close', () => {
        if (!req.readableEnded) fail(clientGone());
      });
      req.pipe(bb);
    });
    await Promise.allSettled(writes);
  } catch (err) {
    // Once the request is unpiped, a file stream that was mid-way never ends: destroy every in-flight write so none
    // can hold the response, and never wait more than a few seconds for them.
    const reason = err instanceof Error ? err : new ValidationError(String(err));
    for (const sniff of sniffers) if (!sniff.writableFinished) sniff.destroy(reason);
    const settled = Promise.allSettled(writes);
    let timer: NodeJS.Timeout | undefined;
    const inTime = await Promise.race([
      settled.then(() => true),
      new Promise<false>((r) => (timer = setTimeout(() => r(false), 5_000))),
    ]);
    clearTimeout(timer);
    const removeAll = () => storage.deletePrefix(jobKeys.root(jobId)).catch(() => undefined);
    await removeAll();
    // A write that finishes after that would leave a file no job row points to: remove it again once they settle.
    if (!inTime) void settled.then(removeAll);
    throw err instanceof QuireError
      ? err
      : new ValidationError('malformed multipart request', { cause: err });
  }
  return { files, params, options };
}

function clientGone(): ValidationError {
  return new ValidationError('upload aborted by the client');
}

function sanitizeName(filename: string | undefined, index: number): string {
  const base = (filename ?? '').split(/[\\/]/).pop() ?? '';
  const clean = base.replace(/[^\w.\- ]+/g, '_').slice(0, 200);
  return clean || `file-${index + 1}.pdf`;
}
