import { describe, expect, it } from 'vitest';
import {
  CancelledError,
  CorruptPdfError,
  CrashLoopError,
  InternalError,
  InvalidResultError,
  PayloadTooLargeError,
  QuotaExceededError,
  TimeoutError,
  toQuireError,
} from './quire-error';

describe('error hierarchy', () => {
  it('carries a stable code, an HTTP status and a retry flag per class', () => {
    expect(new PayloadTooLargeError('big')).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      httpStatus: 413,
      retryable: false,
    });
    expect(new QuotaExceededError('full')).toMatchObject({
      code: 'QUOTA_EXCEEDED',
      httpStatus: 413,
      retryable: false,
    });
    expect(new TimeoutError('slow')).toMatchObject({ code: 'TIMEOUT', retryable: true });
    expect(new CorruptPdfError('bad').deadLetterOnFail).toBe(false);
    expect(new CrashLoopError('again').deadLetterOnFail).toBe(true);
  });

  it('sends only the safe message and details to clients, keeping the cause internal', () => {
    const cause = new Error('ENOENT /secret/path');
    const err = new CorruptPdfError('the PDF is damaged', { cause, details: { page: 3 } });
    expect(err.toJSON()).toEqual({
      code: 'PDF_CORRUPT',
      message: 'the PDF is damaged',
      details: { page: 3 },
    });
    expect(err.cause).toBe(cause);
    expect(err.name).toBe('CorruptPdfError');
  });

  it('wraps anything else as a retryable InternalError with the original as cause', () => {
    const original = new RangeError('boom');
    const wrapped = toQuireError(original);
    expect(wrapped).toBeInstanceOf(InternalError);
    expect(wrapped.cause).toBe(original);
    const typed = new TimeoutError('x');
    expect(toQuireError(typed)).toBe(typed);
  });

  it('says why a cancellation happened; only a shutdown is retried', () => {
    const requested = CancelledError.because('requested');
    expect(requested).toMatchObject({ code: 'CANCELLED', reason: 'requested', retryable: false });
    expect(requested.message).toBe('cancelled by request');
    expect(CancelledError.because('lease-lost')).toMatchObject({ reason: 'lease-lost', retryable: false });
    expect(CancelledError.because('shutdown')).toMatchObject({ reason: 'shutdown', retryable: true });
    // Engines cancel without knowing why: no reason, final.
    expect(new CancelledError('rendering was cancelled')).toMatchObject({
      reason: undefined,
      retryable: false,
    });
  });

  it('treats a result that breaks its schema as a final internal error, dead-lettered', () => {
    const err = new InvalidResultError('result of compress does not match its schema');
    expect(err).toMatchObject({
      code: 'INTERNAL',
      httpStatus: 500,
      retryable: false,
      deadLetterOnFail: true,
    });
    expect(err).not.toBeInstanceOf(InternalError);
  });
});
