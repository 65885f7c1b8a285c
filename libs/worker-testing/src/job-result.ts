import { expect } from 'vitest';
import { jobResultSchemas, type JobResult, type JobType } from '@quire/job-model';

/**
 * Asserts that a handler's result matches its type's result schema exactly as the consumer will check it before
 * completing the job (the compiler checks the shape; this checks values and fields that spreads slip through).
 */
export function expectValidResult<T extends JobType>(type: T, result: JobResult<T>): void {
  const parsed = jobResultSchemas[type].safeParse(result);
  expect(parsed.success ? [] : parsed.error.issues, `${type} result against its schema`).toEqual([]);
}
