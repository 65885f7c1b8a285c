import path from 'node:path';
import { expect } from 'vitest';
import { InternalError, QuireError } from '@quire/errors';

/** One run of a handler over one corpus file: how long it took and what it threw, if anything. */
export interface CorpusOutcome {
  type: string;
  file: string;
  ms: number;
  error?: unknown;
}

/**
 * The robustness rule for a handler over the shared corpus: every run ends within `perRunLimitMs` with a result or a
 * typed, non-retryable, client-readable error (never INTERNAL, never a path of ours). Prints the outcome counts per
 * job type and the slowest runs, and returns the counts.
 */
export function expectCleanCorpusOutcomes(
  outcomes: readonly CorpusOutcome[],
  options: { corpusDir: string; perRunLimitMs: number; tag: string; privatePath: RegExp },
): Record<string, Record<string, number>> {
  for (const o of outcomes) {
    const label = `${o.type} ${path.relative(options.corpusDir, o.file)}`;
    expect(o.ms, `${label} took ${o.ms} ms`).toBeLessThan(options.perRunLimitMs);
    if (o.error === undefined) continue;
    const err = o.error as Error;
    expect(err, `${label}: ${err?.name}: ${err?.message}`).toBeInstanceOf(QuireError);
    expect(err, `${label}: ${err.message}`).not.toBeInstanceOf(InternalError);
    expect((err as QuireError).retryable, `${label}: ${(err as QuireError).code} ${err.message}`).toBe(false);
    expect(err.message.length, label).toBeGreaterThan(10);
    expect(err.message, `${label} leaks a path`).not.toMatch(options.privatePath);
  }
  const summary: Record<string, Record<string, number>> = {};
  for (const o of outcomes) {
    const key = o.error === undefined ? 'completed' : (o.error as QuireError).code;
    summary[o.type] ??= {};
    summary[o.type][key] = (summary[o.type][key] ?? 0) + 1;
  }
  const types = Object.keys(summary).length;
  console.info(
    `[${options.tag}] ${outcomes.length / types} files × ${types} job types:`,
    JSON.stringify(summary),
  );
  const slowest = [...outcomes].sort((a, b) => b.ms - a.ms).slice(0, 3);
  console.info(
    `[${options.tag}] slowest:`,
    slowest.map((s) => `${s.type} ${path.relative(options.corpusDir, s.file)} ${s.ms} ms`).join('; '),
  );
  return summary;
}
