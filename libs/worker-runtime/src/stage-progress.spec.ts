import { describe, expect, it } from 'vitest';
import type { ProgressUpdate } from './progress-reporter';
import { scaledDeadline, StageProgress } from './stage-progress';

const STAGES = [
  { stage: 'initialization', weight: 5, message: 'Preparing' },
  { stage: 'conversion', weight: 80, message: 'Rendering pages' },
  { stage: 'finalization', weight: 15, message: 'Storing' },
] as const;

function tracker() {
  const updates: ProgressUpdate[] = [];
  return { updates, progress: new StageProgress({ progress: (u) => updates.push(u) }, STAGES) };
}

describe('StageProgress', () => {
  it('maps a fraction of a stage onto the whole job by the stage weights', () => {
    const { updates, progress } = tracker();
    progress.report('initialization', 0);
    progress.report('conversion', 0.5, 'page 5 of 10', { current: 5, total: 10 });
    progress.report('finalization', 1);
    expect(updates).toEqual([
      { stage: 'initialization', percent: 0, message: 'Preparing' },
      { stage: 'conversion', percent: 45, message: 'page 5 of 10', current: 5, total: 10 },
      { stage: 'finalization', percent: 100, message: 'Storing' },
    ]);
  });

  it('never goes backwards and clamps fractions to the stage', () => {
    const { updates, progress } = tracker();
    progress.report('conversion', 0.9);
    progress.report('conversion', 0.2);
    progress.report('conversion', 7);
    progress.report('initialization', -1);
    expect(updates.map((u) => u.percent)).toEqual([77, 77, 85, 85]);
  });

  it('refuses a stage it does not know', () => {
    expect(() => tracker().progress.report('packaging', 0)).toThrow('unknown progress stage packaging');
  });
});

describe('scaledDeadline', () => {
  it('grows with the pages (and a factor) up to its cap', () => {
    const deadline = scaledDeadline(10_000, 500, 60_000);
    expect(deadline(0)).toBe(10_000);
    expect(deadline(10)).toBe(15_000);
    expect(deadline(10, 2)).toBe(20_000);
    expect(deadline(1_000)).toBe(60_000);
  });
});
