import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { InternalError, QuireError } from '@quire/errors';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

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

/**
 * Where the shared corpus is (`QUIRE_CORPUS_DIR`, default `../shared/corpus` beside the repository) and whether
 * `folder` of it exists; says once, tagged, that the tests skip when it does not.
 */
export function sharedCorpus(
  folder: string,
  tag: string,
): { corpusDir: string; dir: string; present: boolean } {
  // eslint-disable-next-line no-restricted-properties -- test-only override of the corpus location
  const corpusDir = process.env.QUIRE_CORPUS_DIR ?? path.resolve(REPO_ROOT, '../shared/corpus');
  const dir = path.join(corpusDir, folder);
  const present = existsSync(dir);
  if (!present)
    console.warn(`[${tag}] skipped: no corpus at ${dir} (set QUIRE_CORPUS_DIR to point elsewhere)`);
  return { corpusDir, dir, present };
}
