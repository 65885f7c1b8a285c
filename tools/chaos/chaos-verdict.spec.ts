import { describe, expect, it } from 'vitest';
import { chaosViolations, type ChaosReport } from './chaos-run';

const clean: ChaosReport = {
  submitted: 3,
  terminal: 3,
  lost: 0,
  duplicateCompletions: 0,
  redeliveries: 1,
  takeovers: 1,
  completed: 3,
  failed: 0,
  cancelled: 0,
  kills: 2,
  seconds: 60,
  failures: {},
  faults: [
    { kind: 'worker-kill', at: 1, unfinished: 3, processing: 2 },
    { kind: 'broker-restart', at: 3, unfinished: 2, processing: 1 },
    { kind: 'database-restart', at: 9, unfinished: 2, processing: 2 },
  ],
  plannedFaults: ['worker-kill', 'broker-restart', 'database-restart'],
  invalidOutputs: [],
  unexpectedFailures: [],
};

describe('the chaos verdict', () => {
  it('passes a run where every job completed once, with takeovers and every fault mid-run', () => {
    expect(chaosViolations(clean)).toEqual([]);
  });

  it('fails a run whose jobs are all terminal but failed (the old "nothing lost" check passed it)', () => {
    const violations = chaosViolations({
      ...clean,
      completed: 0,
      failed: 3,
      failures: { INTERNAL: 3 },
      unexpectedFailures: ['a: INTERNAL', 'b: INTERNAL', 'c: INTERNAL'],
    });
    expect(violations).toEqual(['unexpected failures: a: INTERNAL; b: INTERNAL; c: INTERNAL']);
  });

  it('fails without takeovers, with invalid outputs, or when a fault struck an idle system', () => {
    expect(
      chaosViolations({
        ...clean,
        takeovers: 0,
        invalidOutputs: ['a: qpdf counts 3 pages, not 8'],
        faults: clean.faults.map((f) => (f.kind === 'database-restart' ? { ...f, processing: 0 } : f)),
      }),
    ).toEqual([
      'invalid outputs: a: qpdf counts 3 pages, not 8',
      'no takeover: no kill struck a worker holding a job',
      'no database-restart struck while a job was being processed',
    ]);
    expect(chaosViolations({ ...clean, faults: clean.faults.slice(0, 2) })).toEqual([
      'no database-restart struck while a job was being processed',
    ]);
  });
});
