import { describe, expect, it } from 'vitest';
import {
  CorruptPdfError,
  CrashLoopError,
  InternalError,
  PayloadTooLargeError,
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
});
