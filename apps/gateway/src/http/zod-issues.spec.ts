import { describe, expect, it } from 'vitest';
import { jobParamSchemas } from '@quire/job-model';
import { formatZodIssues } from './zod-issues';

describe('formatZodIssues', () => {
  it('names the field and the allowed values', () => {
    const r = jobParamSchemas.compress.safeParse({ preset: 'tiny' });
    expect(r.success).toBe(false);
    if (!r.success)
      expect(formatZodIssues(r.error.issues)).toBe(
        'preset: must be one of "lossless", "screen", "ebook", "printer", "prepress" (got "tiny")',
      );
  });
  it('names unknown keys', () => {
    const r = jobParamSchemas.compress.safeParse({ preset: 'ebook', dpi: 3 });
    if (!r.success) expect(formatZodIssues(r.error.issues)).toBe('unknown field(s) "dpi"');
    expect(r.success).toBe(false);
  });
  it('validates page ranges with the shared parser', () => {
    const r = jobParamSchemas['extract-text'].safeParse({ pages: '3-1' });
    expect(r.success).toBe(false);
    if (!r.success)
      expect(formatZodIssues(r.error.issues)).toContain('pages: range "3-1" ends before it starts');
  });
});
