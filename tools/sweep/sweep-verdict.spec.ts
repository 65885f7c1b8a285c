import { describe, expect, it } from 'vitest';
import { filesFor, onePerFolder, sweepTypes } from './sweep-plan';
import { reasonProblem, sweepViolations, type SweepReport } from './sweep-run';

describe('sweep verdicts', () => {
  it('accepts a coded, worded reason and refuses stacks, paths, INTERNAL and empty words', () => {
    expect(
      reasonProblem({ code: 'PDF_CORRUPT', message: 'the PDF is damaged: no pages could be read' }),
    ).toBeNull();
    expect(reasonProblem({ code: 'INTERNAL', message: 'internal error' })).toMatch(/INTERNAL/);
    expect(reasonProblem({ code: 'PDF_CORRUPT', message: 'TypeError: x\n    at f (/app/a.ts:1:2)' })).toMatch(
      /stack/,
    );
    expect(reasonProblem({ code: 'PDF_CORRUPT', message: 'cannot open /tmp/quire/x/input-0.pdf' })).toMatch(
      /path/,
    );
    expect(reasonProblem({ code: 'PDF_CORRUPT', message: '' })).toMatch(/no reason/);
    expect(reasonProblem({ message: 'a reason with words' })).toBe('no error code');
    expect(reasonProblem(null)).toBe('no error code');
  });

  it('sweeps every public type that takes PDF uploads, merge with two copies, images only where taken', () => {
    const types = sweepTypes();
    expect(types.map((t) => t.type)).toEqual(
      expect.arrayContaining(['compress', 'merge', 'split', 'convert-to-images', 'ocr', 'extract-text']),
    );
    expect(types.some((t) => t.type === 'statement-report' || t.type === 'health-check')).toBe(false);
    expect(types.find((t) => t.type === 'merge')?.copies).toBe(2);
    const files = ['/c/a.pdf', '/c/b.png'];
    expect(
      filesFor(
        types.find((t) => t.type === 'compress')!,
        files,
      ),
    ).toEqual(['/c/a.pdf']);
    expect(
      filesFor(
        types.find((t) => t.type === 'ocr')!,
        files,
      ),
    ).toEqual(files);
    expect(() => sweepTypes(['health-check'])).toThrow(/not a job type that takes PDFs/);
  });

  it('picks one file per sub-folder', () => {
    expect(onePerFolder(['/r/a/1.pdf', '/r/a/2.pdf', '/r/b/3.pdf'], '/r')).toEqual([
      '/r/a/1.pdf',
      '/r/b/3.pdf',
    ]);
  });

  it('reports outcome, memory and process violations', () => {
    const report: SweepReport = {
      files: 1,
      seconds: 1,
      rows: [
        {
          type: 'ocr',
          worker: 'ocr-worker',
          completed: 0,
          failed: 0,
          rejected: 0,
          violations: 1,
          peakRssMb: 4000,
          capMb: 3072,
          seconds: 1,
          slowestSeconds: 1,
          codes: {},
        },
      ],
      outcomes: [
        { type: 'ocr', file: 'x.pdf', kind: 'violation', status: 202, violation: 'not terminal', seconds: 1 },
      ],
      processViolations: ['ocr-worker exited or restarted during the sweep'],
    };
    expect(sweepViolations(report)).toEqual([
      'ocr x.pdf: not terminal',
      'ocr: ocr-worker peaked at 4000 MB, over its cap 3072 MB',
      'ocr-worker exited or restarted during the sweep',
    ]);
  });
});
