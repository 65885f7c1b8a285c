import { describe, expect, it } from 'vitest';
import type { Job } from './job';
import { barLine, createProgressView, truncateVisible } from './progress';
import { paint } from './style';

const job = (over: Partial<Job>): Job => ({
  id: '0b6f0000-0000-4000-8000-000000000000',
  type: 'ocr',
  status: 'processing',
  progress: { percent: 50, stage: 'ocr', message: '', current: 3, total: 6 },
  attempts: 1,
  error: null,
  result: null,
  createdAt: '',
  inputs: [{ name: 'scan.pdf' }],
  ...over,
});

describe('progress output', () => {
  it('draws a bar with percent and the page counts, cut to the terminal width', () => {
    const line = barLine(job({}), 200, paint(false));
    expect(line).toBe(`0b6f0000 ocr scan.pdf ${'█'.repeat(12)}${'░'.repeat(12)}  50% ocr 3/6`);
    expect(barLine(job({}), 30, paint(false))).toHaveLength(30);
    expect(
      barLine(job({ status: 'failed', error: { code: 'X', message: 'bad page' } }), 200, paint(false)),
    ).toMatch(/failed: bad page$/);
  });

  it('cuts coloured text by visible width and resets the colour', () => {
    const red = paint(true).red('abcdef');
    expect(truncateVisible(red, 3)).toBe('\x1b[31mabc\x1b[0m');
  });

  it('writes plain lines, one per change, when stderr is not a terminal', () => {
    let text = '';
    const view = createProgressView(
      { write: (t: string) => (text += t), isTTY: false },
      { quiet: false, color: true },
    );
    view.update(job({ status: 'pending', progress: { percent: 0, stage: 'queued', message: '' } }));
    view.update(job({ progress: { percent: 10, stage: 'ocr', message: '' } }));
    view.update(job({ progress: { percent: 12, stage: 'ocr', message: '' } }));
    view.update(job({ status: 'completed', progress: { percent: 100, stage: 'done', message: '' } }));
    expect(text).not.toContain('\x1b');
    expect(text.trim().split('\n')).toEqual([
      '0b6f0000 ocr scan.pdf: pending',
      '0b6f0000 ocr scan.pdf: processing 10% ocr',
      '0b6f0000 ocr scan.pdf: completed',
    ]);
  });
});
