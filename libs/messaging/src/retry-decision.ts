import type { QuireError } from '@quire/errors';
import type { QueuePolicy } from './policy';

export type Disposition =
  | { kind: 'retry'; delayMs: number; tierMs: number; attempt: number }
  | { kind: 'fail'; deadLetter: boolean; reason: string };

/**
 * The one place that turns an attempt's error into ack / retry / dead-letter (ARCHITECTURE §5).
 * - non-retryable error → fail, no dead letter (the input is the problem; the job shows why);
 * - retryable error with attempts left → retry with the tier's delay ± jitter;
 * - retryable error, attempts exhausted → fail and dead-letter;
 * - unclassified (INTERNAL) → retried `unknownErrorRetries` times, then fail and dead-letter.
 * `attempt` is the 1-based number of the attempt that just failed.
 */
export function decideDisposition(
  error: QuireError,
  attempt: number,
  policy: QueuePolicy,
  random: () => number = Math.random,
): Disposition {
  const retryable =
    policy.retryCodes.includes(error.code) || (error.retryable && !policy.noRetryCodes.includes(error.code));
  if (!retryable) return { kind: 'fail', deadLetter: error.deadLetterOnFail, reason: error.message };
  const maxAttempts =
    error.code === 'INTERNAL'
      ? Math.min(policy.maxAttempts, 1 + policy.unknownErrorRetries)
      : policy.maxAttempts;
  if (attempt >= maxAttempts || policy.retryDelaysMs.length === 0) {
    return {
      kind: 'fail',
      deadLetter: true,
      reason: `${error.message} (gave up after ${attempt} attempt${attempt === 1 ? '' : 's'})`,
    };
  }
  const tierMs = policy.retryDelaysMs[Math.min(attempt - 1, policy.retryDelaysMs.length - 1)];
  const spread = tierMs * policy.jitter;
  const delayMs = Math.max(1, Math.round(tierMs - spread + random() * 2 * spread));
  return { kind: 'retry', delayMs, tierMs, attempt: attempt + 1 };
}
