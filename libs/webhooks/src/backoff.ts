/**
 * When to try a failed callback again: exponential (base × 2^(attempt-1)), capped, with "equal jitter" (half fixed,
 * half random) so receivers that come back after an outage are not hit by every delivery at the same instant.
 */
export function nextRetryDelayMs(
  attempt: number,
  opts: { baseMs: number; maxMs: number },
  random: () => number = Math.random,
): number {
  const exp = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}
