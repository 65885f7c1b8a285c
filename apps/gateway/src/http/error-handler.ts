import type { ErrorRequestHandler } from 'express';
import {
  PayloadTooLargeError,
  QuireError,
  QuotaExceededError,
  RateLimitedError,
  ValidationError,
  describeCause,
  retryAfterOf,
} from '@quire/errors';
import type { Logger } from '@quire/logging';

/** A refused request body up to this size is read and dropped rather than cut off (see below). */
const DRAIN_REFUSED_BODY_BYTES = 1024 * 1024;

/**
 * The one place errors become HTTP responses: `{ error: { code, message } }` with the class's status.
 * Unknown errors are logged with their cause and answered with a safe 500.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    const error = normalize(err);
    if (error.httpStatus >= 500)
      logger.error('request failed', {
        code: error.code,
        cause: describeCause(error.cause ?? err),
        stack: (err as Error)?.stack,
      });
    else logger.info('request rejected', { code: error.code, reason: error.message });
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // An upload cut off mid-stream: close the connection so the client stops sending the rest.
    if (error instanceof PayloadTooLargeError) {
      res.setHeader('Connection', 'close');
      // Do not read the rest of an oversize upload: close the socket once the 413 is out.
      res.on('finish', () => setTimeout(() => res.req.socket?.destroy(), 100));
    }
    // 429 and 503 say when to come back, in whole seconds (RFC 9110 Retry-After).
    const retryAfterMs = retryAfterOf(error);
    if (retryAfterMs !== undefined)
      res.setHeader('Retry-After', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
    // A quota refusal comes before the body is read. A small body is drained, so the client (still writing it)
    // reads the answer instead of a reset connection; a large or unannounced one is cut off after the answer.
    if ((error instanceof RateLimitedError || error instanceof QuotaExceededError) && !res.req.complete) {
      const announced = Number(res.req.headers['content-length']);
      res.req.resume();
      if (!(announced <= DRAIN_REFUSED_BODY_BYTES)) {
        res.setHeader('Connection', 'close');
        res.on('finish', () => setTimeout(() => res.req.socket?.destroy(), 1_000));
      }
    }
    res.status(error.httpStatus).json({ error: error.toJSON() });
  };
}

function normalize(err: unknown): QuireError {
  if (err instanceof QuireError) return err;
  // body-parser / express errors carry a status and `type`.
  const e = err as { status?: number; type?: string; message?: string };
  if (e?.type === 'entity.parse.failed') return new ValidationError('request body is not valid JSON');
  if (e?.type === 'entity.too.large') return new PayloadTooLargeError('request body too large');
  return new InternalServerError(err);
}

class InternalServerError extends QuireError {
  readonly code = 'INTERNAL';
  readonly httpStatus = 500;
  readonly retryable = true;
  constructor(cause: unknown) {
    super('internal error', { cause });
  }
}
