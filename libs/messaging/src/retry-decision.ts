import { retryAfterOf, type QuireError } from '@quire/errors';
import type { QueuePolicy } from './policy';
import { retryQueueTtl } from './topology';

export type Disposition =
  | { kind: 'retry'; delayMs: number; tierMs: number; attempt: number }
  | { kind: 'fail'; deadLetter: boolean; reason: string };

/**
 * The one place that turns an attempt's error into ack / retry / dead-letter (docs/architecture.md §5).
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
  const tiers = policy.retryDelaysMs;
  const tierIndex = Math.min(attempt - 1, tiers.length - 1);
  const tierMs = tiers[tierIndex];
  const spread = tierMs * policy.jitter;
  const delayMs = Math.max(1, Math.round(tierMs - spread + random() * 2 * spread));
  const retryAfterMs = retryAfterOf(error);
  if (retryAfterMs !== undefined && retryAfterMs > delayMs)
    return honourRetryAfter(tiers, tierIndex, retryAfterMs, attempt);
  return { kind: 'retry', delayMs, tierMs, attempt: attempt + 1 };
}

/**
 * A remote service said when to come back (`Retry-After`): wait at least that long. A message's delay cannot
 * exceed its tier queue's TTL, so the first tier (from the usual one up) that can hold the wait is used; past the
 * longest tier, the longest tier's ceiling.
 */
function honourRetryAfter(
  tiers: readonly number[],
  fromIndex: number,
  retryAfterMs: number,
  attempt: number,
): Disposition {
  const candidates = [...tiers.slice(fromIndex)].sort((a, b) => a - b);
  const tierMs = candidates.find((t) => retryQueueTtl(t) >= retryAfterMs) ?? candidates.at(-1)!;
  return {
    kind: 'retry',
    delayMs: Math.min(retryAfterMs, retryQueueTtl(tierMs)),
    tierMs,
    attempt: attempt + 1,
  };
}
