/**
 * The one error hierarchy of Quire. Every error that crosses a module boundary is a QuireError:
 * - `code`: stable, machine-readable, safe to show to clients and to use as a metric label;
 * - `httpStatus`: what the gateway answers when this error reaches an HTTP request;
 * - `retryable`: what the consumer runtime does when it ends a job attempt;
 * - `message`: safe for clients; `cause` (internal) is logged, never sent.
 */
export abstract class QuireError extends Error {
  abstract readonly code: string;
  abstract readonly httpStatus: number;
  abstract readonly retryable: boolean;
  /** A non-retryable failure that still belongs in the queue's dead-letter queue (poison jobs). */
  get deadLetterOnFail(): boolean {
    return false;
  }
  /** Extra, client-safe fields (e.g. the offending field name, allowed values). */
  readonly details: Record<string, unknown> | undefined;

  constructor(message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.details = options.details;
  }

  /** The body the gateway sends: `{ error: { code, message, details? } }`. */
  toJSON(): { code: string; message: string; details?: Record<string, unknown> } {
    return this.details
      ? { code: this.code, message: this.message, details: this.details }
      : { code: this.code, message: this.message };
  }
}

// ---- client errors: never retried ----

export class ValidationError extends QuireError {
  readonly code = 'VALIDATION_FAILED';
  readonly httpStatus = 400;
  readonly retryable = false;
}

export class EmptyUploadError extends QuireError {
  readonly code = 'EMPTY_FILE';
  readonly httpStatus = 400;
  readonly retryable = false;
}

export class UnauthorizedError extends QuireError {
  readonly code = 'UNAUTHORIZED';
  readonly httpStatus = 401;
  readonly retryable = false;
}

export class ForbiddenError extends QuireError {
  readonly code = 'FORBIDDEN';
  readonly httpStatus = 403;
  readonly retryable = false;
}

export class NotFoundError extends QuireError {
  readonly code = 'NOT_FOUND';
  readonly httpStatus = 404;
  readonly retryable = false;
}

export class ConflictError extends QuireError {
  readonly code = 'CONFLICT';
  readonly httpStatus = 409;
  readonly retryable = false;
}

export class GoneError extends QuireError {
  readonly code = 'GONE';
  readonly httpStatus = 410;
  readonly retryable = false;
}

export class PayloadTooLargeError extends QuireError {
  readonly code = 'PAYLOAD_TOO_LARGE';
  readonly httpStatus = 413;
  readonly retryable = false;
}

/**
 * A tenant's stored bytes (inputs and results of its jobs that have not expired) would exceed its storage quota.
 * 413 like an oversize upload, with its own code: retrying the same request does not help until the tenant deletes
 * finished jobs or retention expires them.
 */
export class QuotaExceededError extends QuireError {
  readonly code = 'QUOTA_EXCEEDED';
  readonly httpStatus = 413;
  readonly retryable = false;
}

export class UnsupportedMediaTypeError extends QuireError {
  readonly code = 'UNSUPPORTED_MEDIA_TYPE';
  readonly httpStatus = 415;
  readonly retryable = false;
}

// ---- document errors: the input itself is the problem; never retried ----

export class EncryptedPdfError extends QuireError {
  readonly code = 'PDF_ENCRYPTED';
  readonly httpStatus = 422;
  readonly retryable = false;
  constructor(message = 'password required: the PDF is encrypted', options?: { cause?: unknown }) {
    super(message, options);
  }
}

export class CorruptPdfError extends QuireError {
  readonly code = 'PDF_CORRUPT';
  readonly httpStatus = 422;
  readonly retryable = false;
}

export class LimitExceededError extends QuireError {
  readonly code = 'LIMIT_EXCEEDED';
  readonly httpStatus = 422;
  readonly retryable = false;
}

// ---- transient/infrastructure errors: retried per the worker's policy ----

export class TimeoutError extends QuireError {
  readonly code = 'TIMEOUT';
  readonly httpStatus = 504;
  readonly retryable = true;
}

/**
 * The engine child process died (signal, abort, memory cap) while working on one document. A crash on a given
 * document is deterministic in practice, so it is not retried: the job fails with this reason at once.
 */
export class EngineCrashError extends QuireError {
  readonly code = 'ENGINE_CRASHED';
  readonly httpStatus = 422;
  readonly retryable = false;
}

/**
 * The engine exceeded its per-document hard deadline (a hang on a malformed file). Not retried for the same reason
 * as EngineCrashError; the job fails "after the time limit" while the worker keeps serving.
 */
export class EngineTimeoutError extends QuireError {
  readonly code = 'ENGINE_TIMEOUT';
  readonly httpStatus = 422;
  readonly retryable = false;
}

/** Options of the retryable errors that can say when to come back (an HTTP `Retry-After`). */
export interface RetryAfterOptions {
  cause?: unknown;
  details?: Record<string, unknown>;
  /** The earliest moment a retry makes sense, in ms from now; the retry decision waits at least this long. */
  retryAfterMs?: number;
}

export class DependencyUnavailableError extends QuireError {
  readonly code = 'DEPENDENCY_UNAVAILABLE';
  readonly httpStatus = 503;
  readonly retryable = true;
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options: RetryAfterOptions = {}) {
    super(message, options);
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** The broker confirmed a message but no queue is bound for it yet (its worker has never declared its topology). */
export class UnroutableMessageError extends DependencyUnavailableError {}

/** Too many requests: ours to the gateway (429 + `Retry-After`), or a remote service's to us (an LLM's 429). */
export class RateLimitedError extends QuireError {
  readonly code = 'RATE_LIMITED';
  readonly httpStatus = 429;
  readonly retryable = true;
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options: RetryAfterOptions = {}) {
    super(message, options);
    this.retryAfterMs = options.retryAfterMs;
  }
}

/**
 * A model answered, but not with what was asked: malformed JSON, or JSON that violates the requested schema. Not
 * retried by the queue: the pipeline that asked decides (it asks once more, then reports failed checks).
 */
export class ModelOutputError extends QuireError {
  readonly code = 'MODEL_OUTPUT_INVALID';
  readonly httpStatus = 502;
  readonly retryable = false;
}

/** A remote service refused the request itself (bad credentials, unknown model, request too large): not retried. */
export class DependencyRejectedError extends QuireError {
  readonly code = 'DEPENDENCY_REJECTED';
  readonly httpStatus = 502;
  readonly retryable = false;
}

/** The `retryAfterMs` an error carries, if any. */
export function retryAfterOf(error: QuireError): number | undefined {
  return error instanceof RateLimitedError || error instanceof DependencyUnavailableError
    ? error.retryAfterMs
    : undefined;
}

/** The job's workers died while holding it, again and again (a poison job): failed and dead-lettered, not retried. */
export class CrashLoopError extends QuireError {
  readonly code = 'WORKER_CRASH_LOOP';
  readonly httpStatus = 500;
  readonly retryable = false;
  override get deadLetterOnFail(): boolean {
    return true;
  }
}

/**
 * Why a job attempt was stopped from outside (the consumer runtime maps each to an outcome in one place):
 * - `requested`: the client cancelled the job; it ends `cancelled`;
 * - `lease-lost`: another worker took the job over (or it ended elsewhere); this attempt may record nothing more;
 * - `shutdown`: this worker stopped and the attempt outlived the grace period; the job is retried, elsewhere.
 */
export type CancelReason = 'requested' | 'lease-lost' | 'shutdown';

const CANCEL_MESSAGES: Readonly<Record<CancelReason, string>> = {
  requested: 'cancelled by request',
  'lease-lost': 'lease lost: the job was taken over by another worker or ended elsewhere',
  shutdown: 'the worker shut down before the job finished',
};

export class CancelledError extends QuireError {
  readonly code = 'CANCELLED';
  readonly httpStatus = 409;
  /** Why the work was stopped; undefined when an operation was aborted without being told why (engines, tests). */
  readonly reason: CancelReason | undefined;

  constructor(
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown>; reason?: CancelReason } = {},
  ) {
    super(message, options);
    this.reason = options.reason;
  }

  /** A job's attempt stopped for `reason`, with the standard message. */
  static because(reason: CancelReason, options: { cause?: unknown } = {}): CancelledError {
    return new CancelledError(CANCEL_MESSAGES[reason], { ...options, reason });
  }

  /** Only an attempt interrupted by shutdown is retried: nothing is wrong with the job itself. */
  get retryable(): boolean {
    return this.reason === 'shutdown';
  }
}

/**
 * A worker's result does not match its job type's result schema (libs/job-model): a bug of ours, not of the input.
 * The same input would give the same result, so it is not retried; like any internal failure that gives up, it is
 * dead-lettered so operators see it.
 */
export class InvalidResultError extends QuireError {
  readonly code = 'INTERNAL';
  readonly httpStatus = 500;
  readonly retryable = false;
  override get deadLetterOnFail(): boolean {
    return true;
  }
}

/** Anything we did not classify. Retried once (docs/architecture.md §5), then dead-lettered. */
export class InternalError extends QuireError {
  readonly code = 'INTERNAL';
  readonly httpStatus = 500;
  readonly retryable = true;
  constructor(message = 'internal error', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Wraps anything thrown into a QuireError, keeping the original as `cause` (never `new Error(e.message)`). */
export function toQuireError(err: unknown): QuireError {
  if (err instanceof QuireError) return err;
  return new InternalError('internal error', { cause: err });
}

/** Short description of an unknown thrown value, for logs. */
export function describeCause(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
