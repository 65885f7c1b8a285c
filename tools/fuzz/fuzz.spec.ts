/**
 * The lean mutation-fuzz run of the test command (the full one: `npx tsx tools/fuzz/run.ts`): 100 iterations with a
 * fixed seed over every engine wrapper the handlers call, with the built-in fixture seeds (no corpus needed). Each
 * call ends in a result or a typed error within its deadline.
 */
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENGINE_TARGETS, formatFuzzReport, runFuzz } from './fuzz-run';
import { mutate, Rng, MUTATIONS } from './mutate';

describe('mutations', () => {
  it('replay exactly from a seed', () => {
    const input = Buffer.from(
      '%PDF-1.4\n1 0 obj << /Length 12 /Count 3 >> stream\nxxxxxxxxxxxx\nendstream endobj\n%%EOF',
    );
    const run = (seed: number) => {
      const rng = new Rng(seed);
      return MUTATIONS.map((m) => mutate(rng, input, input, m).bytes.toString('latin1'));
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
  });
});

describe('mutation fuzz, lean run', () => {
  it('100 mutated inputs through every engine wrapper: results or typed errors, in time', async () => {
    const report = await runFuzz({
      seed: 20261129,
      iterations: 100,
      budgetMs: 240_000,
      targets: ENGINE_TARGETS,
      findingsDir: path.join(os.tmpdir(), 'quire-fuzz-findings'),
    });
    console.info(`[fuzz] ${formatFuzzReport(report)}`);
    expect(report.findings).toEqual([]);
    expect(report.iterations).toBeGreaterThan(0);
  }, 300_000);
});
