import { jobResultSchemas, type StoredOutput } from '../catalog/job-results';
import { isJobType } from '../catalog/job-catalog';
import type { JobEntity } from '../entities/job.entity';
import type { CallbackEvent } from '../entities/webhook.entity';

/**
 * The job JSON of the contract (docs/architecture.md §7), extended with `queue`, `params`, `nextAttemptAt`, `inputs`,
 * `correlationId`, the callback settings and `links`. Storage keys never leave the platform: outputs get download
 * URLs instead. The gateway answers with it and the webhook dispatcher sends it (docs/architecture.md (webhooks)).
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
    correlationId: job.correlationId,
    callbackUrl: job.callbackUrl,
    callbackEvents: callbackEventsOf(job),
    links: {
      self,
      result: `${self}/result`,
      events: `${self}/events`,
      callbacks: `${self}/callbacks`,
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

/** The events this job's callbacks are sent for: always the terminal ones, progress when asked. */
export function callbackEventsOf(job: Pick<JobEntity, 'callbackProgress'>): CallbackEvent[] {
  return job.callbackProgress
    ? ['completed', 'failed', 'cancelled', 'progress']
    : ['completed', 'failed', 'cancelled'];
}
