import type { ZodIssue } from 'zod';

/** "preset: Invalid enum value. Expected 'lossless' | 'screen' …" — names the field and the allowed values. */
export function formatZodIssues(issues: ZodIssue[]): string {
  return issues
    .map((i) => {
      const field = i.path.join('.') || '(root)';
      if (i.code === 'unrecognized_keys') return `unknown field(s) ${i.keys.map((k) => `"${k}"`).join(', ')}`;
      if (i.code === 'invalid_enum_value')
        return `${field}: must be one of ${i.options.map((o) => `"${String(o)}"`).join(', ')} (got ${JSON.stringify(i.received)})`;
      if (i.code === 'invalid_union_discriminator')
        return `${field}: must be one of ${i.options.map((o) => `"${String(o)}"`).join(', ')}`;
      return `${field}: ${i.message}`;
    })
    .join('; ');
}
