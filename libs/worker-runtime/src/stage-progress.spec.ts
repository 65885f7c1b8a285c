import { describe, expect, it } from 'vitest';
import { baseName, padded } from './output-names';
import { scaledDeadline, StageProgress } from './stage-progress';
import type { ProgressUpdate } from './progress-reporter';

describe('StageProgress', () => {
  const stages = [
    { stage: 'render', weight: 40, message: 'rendering' },
    { stage: 'ocr', weight: 60, message: 'recognising' },
  ];

  it('maps a fraction of a stage onto the whole job and never goes backwards', () => {
    const seen: ProgressUpdate[] = [];
    const progress = new StageProgress({ progress: (p) => seen.push(p) }, stages);
    progress.report('render', 0.5);
    progress.report('ocr', 0.5, 'page 3', { current: 3, total: 6 });
    progress.report('render', 1); // late report of an earlier stage
    progress.report('ocr', 7); // fractions are clamped
    expect(seen.map((p) => p.percent)).toEqual([20, 70, 70, 100]);
    expect(seen[0]).toMatchObject({ stage: 'render', message: 'rendering' });
    expect(seen[1]).toMatchObject({ stage: 'ocr', message: 'page 3', current: 3, total: 6 });
  });

  it('refuses a stage it does not know', () => {
    const progress = new StageProgress({ progress: () => undefined }, stages);
    expect(() => progress.report('zip', 1)).toThrow(/unknown progress stage zip/);
  });
});

describe('scaledDeadline', () => {
  it('grows with pages and the factor, up to the cap', () => {
    const deadline = scaledDeadline(1_000, 100, 5_000);
    expect(deadline(10)).toBe(2_000);
    expect(deadline(10, 2)).toBe(3_000);
    expect(deadline(1_000)).toBe(5_000);
  });
});

describe('output names', () => {
  it('makes an upload name safe for a storage key and never empty', () => {
    expect(baseName('my report (final).pdf')).toBe('my_report_final_');
    expect(baseName('../..pdf')).toBe('document');
    expect(baseName(undefined, 'merged')).toBe('merged');
    expect(padded(7, 120)).toBe('007');
  });
});
