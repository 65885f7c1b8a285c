import type { ZodIssue } from 'zod';

/** "outputs.0.bytes: Expected number, received string; unknown field(s) "surprise"": the first `max` issues, by path. */
export function describeIssues(issues: readonly ZodIssue[], max = 5): string {
  const described = issues.slice(0, max).map((issue) => {
    const field = issue.path.join('.') || '(root)';
    if (issue.code === 'unrecognized_keys')
      return `${field}: unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    return `${field}: ${issue.message}`;
  });
  if (issues.length > max) described.push(`and ${issues.length - max} more`);
  return described.join('; ');
}
