import { z } from 'zod';

/** What the CLI reads of the job JSON (docs/architecture.md §7); fields it does not know pass through to --json. */
export const jobSchema = z
  .object({
    id: z.string(),
    type: z.string(),
    status: z.string(),
    progress: z
      .object({
        percent: z.number().catch(0),
        stage: z.string().catch(''),
        message: z.string().catch(''),
        current: z.number().optional(),
        total: z.number().optional(),
      })
      .passthrough()
      .catch({ percent: 0, stage: '', message: '' }),
    attempts: z.number().catch(0),
    error: z.object({ code: z.string(), message: z.string() }).passthrough().nullable().catch(null),
    result: z.record(z.unknown()).nullable().catch(null),
    createdAt: z.string().catch(''),
    inputs: z
      .array(z.object({ name: z.string() }).passthrough())
      .optional()
      .catch(undefined),
  })
  .passthrough();

export type Job = z.infer<typeof jobSchema>;

export const TERMINAL_STATUSES = new Set(['completed', 'failed', 'cancelled']);

export function isTerminal(job: Pick<Job, 'status'>): boolean {
  return TERMINAL_STATUSES.has(job.status);
}

export function parseJob(value: unknown): Job {
  const parsed = jobSchema.safeParse(value);
  if (!parsed.success)
    throw new Error(`the server sent something that is not a job: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}
