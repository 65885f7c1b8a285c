import { z } from 'zod';
import {
  isJobType,
  jobResultSchemas,
  storedOutputSchema,
  type JobEntity,
  type JobType,
  type StoredOutput,
} from '@quire/job-model';

/**
 * The job JSON of the contract (docs/architecture.md §7), extended with `queue`, `params`, `nextAttemptAt`, `inputs`
 * and `links`. Storage keys never leave the gateway: outputs get download URLs instead.
 */
export function presentJob(job: JobEntity): Record<string, unknown> {
  const self = `/v1/jobs/${job.id}`;
  return {
    id: job.id,
    type: job.type,
    status: job.status,
    progress: {
      percent: job.progress.percent,
      stage: job.progress.stage,
      message: job.progress.message,
      ...(job.progress.current !== undefined ? { current: job.progress.current } : {}),
      ...(job.progress.total !== undefined ? { total: job.progress.total } : {}),
    },
    attempts: job.attempts,
    error: job.error ? { code: job.error.code, message: job.error.message } : null,
    result: job.result ? presentResult(job.id, job.type, job.result) : null,
    createdAt: job.createdAt.toISOString(),
    updatedAt: job.updatedAt.toISOString(),
    queue: job.queue,
    params: job.params,
    inputs: job.inputs.map((i) => ({ name: i.name, bytes: i.bytes, contentType: i.contentType })),
    cancelRequested: job.cancelRequested,
    nextAttemptAt: job.nextAttemptAt ? job.nextAttemptAt.toISOString() : null,
    startedAt: job.startedAt ? job.startedAt.toISOString() : null,
    finishedAt: job.finishedAt ? job.finishedAt.toISOString() : null,
    expiredAt: job.expiredAt ? job.expiredAt.toISOString() : null,
    links: {
      self,
      result: `${self}/result`,
      events: `${self}/events`,
      ...(job.status === 'completed' && !job.expiredAt ? { download: `${self}/download` } : {}),
    },
  };
}

/**
 * A stored result as clients see it: its type's result schema (`jobResultSchemas`), each output's storage `key`
 * replaced by its `url`. Workers check results against that schema before storing them; a row written before the
 * schemas existed that does not match is shown as stored, keys removed all the same.
 */
export function presentResult(
  jobId: string,
  type: string,
  stored: Record<string, unknown>,
): Record<string, unknown> {
  const parsed = isJobType(type) ? jobResultSchemas[type].safeParse(stored) : null;
  const result: Record<string, unknown> = parsed?.success ? parsed.data : stored;
  const outputs: unknown = result.outputs;
  if (!Array.isArray(outputs)) return result;
  return {
    ...result,
    outputs: outputs.map((output: unknown) => {
      if (typeof output !== 'object' || output === null) return output;
      const { key: _key, ...rest } = output as Partial<StoredOutput> & Record<string, unknown>;
      return typeof rest.name === 'string' ? { ...rest, url: outputUrl(jobId, rest.name) } : rest;
    }),
  };
}

function outputUrl(jobId: string, name: string): string {
  return `/v1/jobs/${jobId}/outputs/${encodeURIComponent(name)}`;
}

/** What a download needs of an output (rows written before the result schemas may lack the rest). */
const downloadableOutput = storedOutputSchema.pick({ name: true, key: true, bytes: true }).passthrough();

/** The stored output entries of a completed job (with their storage keys), for downloads. */
export function storedOutputs(job: JobEntity): Array<Pick<StoredOutput, 'name' | 'key' | 'bytes'>> {
  const outputs: unknown = job.result?.outputs;
  if (!Array.isArray(outputs)) return [];
  return outputs.flatMap((o: unknown) => {
    const parsed = downloadableOutput.safeParse(o);
    return parsed.success ? [parsed.data] : [];
  });
}

/**
 * The schema of a job type's result as the API presents it (OpenAPI): the stored schema with each output's `key`
 * replaced by `url`.
 */
export function presentedResultSchema(type: JobType): z.ZodType<unknown> {
  const stored: z.ZodObject<z.ZodRawShape, z.UnknownKeysParam> = jobResultSchemas[type];
  const outputs: unknown = stored.shape.outputs;
  if (!(outputs instanceof z.ZodArray) || !(outputs.element instanceof z.ZodObject)) return stored;
  const element = (outputs.element as z.AnyZodObject).omit({ key: true }).extend({
    url: z.string().describe('Download link of this output: /v1/jobs/{id}/outputs/{name}'),
  });
  // Same length rules as the stored list (e.g. exactly one output).
  const presented = new z.ZodArray({ ...(outputs as z.ZodArray<z.AnyZodObject>)._def, type: element });
  return stored.extend({ outputs: presented });
}
