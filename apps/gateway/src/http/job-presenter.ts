import { z } from 'zod';
import {
  jobResultSchemas,
  storedOutputSchema,
  type JobEntity,
  type JobType,
  type StoredOutput,
} from '@quire/job-model';

/** The job JSON lives in @quire/job-model: the webhook dispatcher sends the same document. */
export { presentJob, presentResult } from '@quire/job-model';

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
