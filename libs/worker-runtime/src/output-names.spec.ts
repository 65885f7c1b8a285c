import { describe, expect, it } from 'vitest';
import { baseName, padded } from './output-names';

describe('output names', () => {
  it('turns an uploaded file name into a safe stem for storage keys', () => {
    expect(baseName('my report (final).pdf')).toBe('my_report_final_');
    expect(baseName('Scan_2024-01.05.PDF')).toBe('Scan_2024-01.05');
    expect(baseName('../../etc/passwd.pdf')).toBe('passwd');
    expect(baseName('.hidden.pdf')).toBe('hidden');
    expect(baseName('Ünïcödé.pdf')).toBe('n_c_d_');
  });

  it('never returns an empty stem, and caps its length', () => {
    expect(baseName(undefined)).toBe('document');
    expect(baseName('***.pdf', 'scan')).toBe('scan');
    expect(baseName('.pdf')).toBe('pdf');
    expect(baseName('....pdf')).toBe('document');
    expect(baseName('../..pdf')).toBe('document');
    expect(baseName(`${'a'.repeat(300)}.pdf`)).toHaveLength(100);
  });

  it('pads page numbers to the width of the total so names sort in page order', () => {
    expect(padded(3, 9)).toBe('3');
    expect(padded(3, 12)).toBe('03');
    expect(padded(42, 1000)).toBe('0042');
  });
});
