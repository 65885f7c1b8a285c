import type { JobEntity } from '../entities/job.entity';

/** Maps a raw `job` row (snake_case, from RETURNING *) to the entity shape. */
export function mapJobRow(row: Record<string, unknown>): JobEntity {
  return {
    id: row.id as string,
    tenantId: row.tenant_id as string,
    type: row.type as string,
    queue: row.queue as string,
    status: row.status as JobEntity['status'],
    params: row.params as JobEntity['params'],
    inputs: row.inputs as JobEntity['inputs'],
    progress: row.progress as JobEntity['progress'],
    attempts: row.attempts as number,
    error: (row.error ?? null) as JobEntity['error'],
    result: (row.result ?? null) as JobEntity['result'],
    leaseId: (row.lease_id ?? null) as string | null,
    heartbeatAt: (row.heartbeat_at ?? null) as Date | null,
    nextAttemptAt: (row.next_attempt_at ?? null) as Date | null,
    cancelRequested: row.cancel_requested as boolean,
    correlationId: row.correlation_id as string,
    idempotencyKey: (row.idempotency_key ?? null) as string | null,
    submittedBy: (row.submitted_by ?? null) as string | null,
    parentId: (row.parent_id ?? null) as string | null,
    chunk: (row.chunk ?? null) as JobEntity['chunk'],
    chunksTotal: (row.chunks_total ?? null) as number | null,
    callbackUrl: (row.callback_url ?? null) as string | null,
    callbackProgress: (row.callback_progress ?? false) as boolean,
    traceparent: (row.traceparent ?? null) as string | null,
    createdAt: row.created_at as Date,
    updatedAt: row.updated_at as Date,
    startedAt: (row.started_at ?? null) as Date | null,
    finishedAt: (row.finished_at ?? null) as Date | null,
    expiredAt: (row.expired_at ?? null) as Date | null,
  };
}
