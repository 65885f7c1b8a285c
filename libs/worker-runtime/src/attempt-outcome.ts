import { CancelledError, InvalidResultError } from '@quire/errors';
import { jobResultSchemas, type JobType } from '@quire/job-model';
import { describeIssues } from './zod-issues';

/**
 * How an attempt that did not complete ends, decided from why it stopped (the abort reason, else the error thrown),
 * here and nowhere else:
 * - `cancelled`: the client cancelled the job (CancelledError `requested`): mark it cancelled;
 * - `lease-lost`: another worker holds the job now (CancelledError `lease-lost`): record nothing, the owner does;
 * - `error`: anything else, shutdown included: handed to the retry decision (libs/messaging), which retries,
 *   fails or dead-letters it by its error class.
 */
export type AttemptStop = 'cancelled' | 'lease-lost' | 'error';

export function attemptStop(reason: unknown): AttemptStop {
  if (reason instanceof CancelledError) {
    if (reason.reason === 'requested') return 'cancelled';
    if (reason.reason === 'lease-lost') return 'lease-lost';
  }
  return 'error';
}

/**
 * The handler's result checked against its job type's result schema; returns what is stored (the parsed value).
 * A mismatch is a bug of the worker, not of the input: InvalidResultError, not retried, naming the fields.
 */
export function checkedResult(type: JobType, result: unknown): Record<string, unknown> {
  const parsed = jobResultSchemas[type].safeParse(result);
  if (parsed.success) return parsed.data;
  throw new InvalidResultError(
    `the ${type} worker returned a result that does not match its schema: ${describeIssues(parsed.error.issues)}`,
    { cause: parsed.error },
  );
}
