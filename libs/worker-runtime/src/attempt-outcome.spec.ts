import { describe, expect, it } from 'vitest';
import { CancelledError, InvalidResultError, TimeoutError, ValidationError } from '@quire/errors';
import { attemptStop, checkedResult } from './attempt-outcome';

describe('attemptStop: how an attempt that did not complete ends', () => {
  it('maps each cancellation reason to its outcome, and anything else to the retry decision', () => {
    expect(attemptStop(CancelledError.because('requested'))).toBe('cancelled');
    expect(attemptStop(CancelledError.because('lease-lost'))).toBe('lease-lost');
    // Shutdown is retried like any retryable error: the retry decision takes it.
    expect(attemptStop(CancelledError.because('shutdown'))).toBe('error');
    expect(attemptStop(new CancelledError('compression was cancelled'))).toBe('error');
    expect(attemptStop(new TimeoutError('timed out after 30 s'))).toBe('error');
    expect(attemptStop(new ValidationError('stored params no longer valid: preset'))).toBe('error');
    expect(attemptStop('a string')).toBe('error');
  });

  it('does not recognise a cancellation by its message', () => {
    expect(attemptStop(new CancelledError('cancelled by request'))).toBe('error');
  });
});

describe('checkedResult', () => {
  const result = {
    format: 'png',
    dpi: 150,
    pageCount: 2,
    pages: 1,
    outputs: [
      {
        name: 'a-page-1.png',
        key: 'jobs/1/output/a-page-1.png',
        bytes: 10,
        page: 1,
        width: 100,
        height: 200,
        contentType: 'image/png',
      },
    ],
  };

  it('returns a result that matches its type’s schema, as parsed', () => {
    expect(checkedResult('convert-to-images', result)).toEqual(result);
  });

  it('fails a result that does not, naming the fields, as a final internal error', () => {
    const bad = { ...result, dpi: '150', outputs: [{ ...result.outputs[0], bytes: undefined }], extra: 1 };
    let thrown: unknown;
    try {
      checkedResult('convert-to-images', bad);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(InvalidResultError);
    const err = thrown as InvalidResultError;
    expect(err).toMatchObject({ code: 'INTERNAL', retryable: false });
    expect(err.message).toBe(
      'the convert-to-images worker returned a result that does not match its schema: ' +
        'dpi: Expected number, received string; outputs.0.bytes: Required; (root): unknown field(s) "extra"',
    );
  });

  it('holds the extraction types to their contract although no worker implements them yet', () => {
    expect(() => checkedResult('extract-invoice', { invoice: {}, method: 'layout' })).toThrow(
      InvalidResultError,
    );
  });
});
