import { describe, expect, it } from 'vitest';
import { ApiError, EXIT, exitCodeForJobStatus, exitCodeForStatus, worstExitCode } from './exit-codes';

describe('exit codes', () => {
  it('map HTTP statuses: auth, refused, server', () => {
    expect(exitCodeForStatus(401)).toBe(EXIT.auth);
    expect(exitCodeForStatus(403)).toBe(EXIT.auth);
    for (const s of [400, 404, 409, 410, 413, 415]) expect(exitCodeForStatus(s)).toBe(EXIT.rejected);
    for (const s of [429, 500, 502, 503]) expect(exitCodeForStatus(s)).toBe(EXIT.server);
    expect(new ApiError(401, 'UNAUTHORIZED', 'no').exitCode).toBe(EXIT.auth);
  });

  it('map job outcomes, a job still running being a timeout', () => {
    expect(exitCodeForJobStatus('completed')).toBe(EXIT.ok);
    expect(exitCodeForJobStatus('failed')).toBe(EXIT.failed);
    expect(exitCodeForJobStatus('cancelled')).toBe(EXIT.cancelled);
    expect(exitCodeForJobStatus('processing')).toBe(EXIT.timeout);
  });

  it('are distinct', () => {
    const codes = Object.values(EXIT);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('add up to the most serious one', () => {
    expect(worstExitCode([])).toBe(EXIT.ok);
    expect(worstExitCode([EXIT.ok, EXIT.cancelled, EXIT.ok])).toBe(EXIT.cancelled);
    expect(worstExitCode([EXIT.cancelled, EXIT.failed, EXIT.timeout])).toBe(EXIT.failed);
    expect(worstExitCode([EXIT.failed, EXIT.auth])).toBe(EXIT.auth);
    expect(worstExitCode([EXIT.rejected, EXIT.cancelled])).toBe(EXIT.rejected);
  });
});
