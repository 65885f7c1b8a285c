import type { JobEntity } from '@quire/job-model';

interface StoredOutput {
  name: string;
  key?: string;
  bytes: number;
  [extra: string]: unknown;
}

/**
 * The job JSON of the contract (ARCHITECTURE §7), extended with `queue`, `params`, `nextAttemptAt`, `inputs`
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
    result: job.result ? presentResult(job.id, job.result) : null,
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

function presentResult(jobId: string, result: Record<string, unknown>): Record<string, unknown> {
  const outputs = result.outputs as StoredOutput[] | undefined;
  if (!Array.isArray(outputs)) return result;
  return {
    ...result,
    outputs: outputs.map(({ key: _key, ...rest }) => ({
      ...rest,
      url: `/v1/jobs/${jobId}/outputs/${encodeURIComponent(rest.name)}`,
    })),
  };
}

/** The stored output entries of a completed job (with their storage keys), for downloads. */
export function storedOutputs(job: JobEntity): Array<{ name: string; key: string; bytes: number }> {
  const outputs = job.result?.outputs as StoredOutput[] | undefined;
  if (!Array.isArray(outputs)) return [];
  return outputs.filter((o): o is StoredOutput & { key: string } => typeof o.key === 'string');
}
