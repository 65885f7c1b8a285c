import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import { JobEntity, type JobChunk, type JobError } from '../entities/job.entity';
import { JobEventEntity } from '../entities/job-event.entity';
import { OutboxEntity } from '../entities/outbox.entity';
import { topologyNames } from '@quire/messaging';
import { mapJobRow } from './job-row';
import { terminalCallbackCte } from './webhook.repository';

/**
 * Fan-out of large documents (docs/architecture.md (fan-out)), the SQL side. A parent job above its type's page
 * threshold is split into chunk jobs: `job` rows with `parent_id` and a `chunk` page range, queued on the same
 * queue through the outbox (so the relay's per-tenant fairness applies to them), each claimed, retried and recovered
 * like any job. While they run the parent stays `processing` with no lease and no heartbeat (so neither a takeover
 * nor the stale sweep touches it) and `chunks_total` set. Every chunk's end is written in one transaction with
 * {@link settleParent}, which moves the parent on exactly once: progress while chunks remain; `failed` with the
 * chunk's reason (the other chunks cancelled) when one ended unsuccessfully; back to `pending` with its message
 * queued when all completed, so a worker merges their outputs in page order (the parent's second attempt).
 */

/** Pages to split a document of `pages` pages into, `chunkPages` at most each (the last one may be shorter). */
export function planChunks(pages: number, chunkPages: number): Array<Omit<JobChunk, 'of'>> {
  const size = Math.max(1, chunkPages);
  const chunks: Array<Omit<JobChunk, 'of'>> = [];
  for (let first = 1, index = 0; first <= pages; first += size, index++) {
    chunks.push({ index, first, last: Math.min(pages, first + size - 1) });
  }
  return chunks;
}

/**
 * Splits the parent held under `leaseId` into `ranges` chunk jobs (pending, with their events and outbox messages)
 * and releases its lease; the parent keeps `processing`. Null when the lease was lost or it is split already.
 */
export async function insertChunks(
  em: EntityManager,
  parentId: string,
  leaseId: string,
  ranges: ReadonlyArray<Omit<JobChunk, 'of'>>,
): Promise<JobEntity[] | null> {
  const rows = await em.query<[Record<string, unknown>[], number]>(
    `UPDATE job SET chunks_total = $3, lease_id = NULL, heartbeat_at = NULL, updated_at = now(),
            progress = jsonb_build_object('percent', 1, 'stage', 'chunks', 'message', $4::text,
                                          'current', 0, 'total', $3::int)
      WHERE id = $1 AND lease_id = $2 AND status = 'processing' AND chunks_total IS NULL
      RETURNING *`,
    [parentId, leaseId, ranges.length, `split into ${ranges.length} chunks; 0 done`],
  );
  const row = rows[0]?.[0];
  if (!row) return null;
  const parent = mapJobRow(row);
  const chunks: JobEntity[] = [];
  for (const range of ranges) {
    const id = randomUUID();
    const chunk: JobChunk = { ...range, of: ranges.length };
    await em.insert(JobEntity, {
      id,
      tenantId: parent.tenantId,
      type: parent.type,
      queue: parent.queue,
      status: 'pending',
      params: parent.params,
      // The parent's files (keys under the parent's folder: deleting a chunk's folder never touches them).
      inputs: parent.inputs,
      progress: { percent: 0, stage: 'queued', message: 'waiting for a worker' },
      correlationId: parent.correlationId,
      idempotencyKey: null,
      submittedBy: parent.submittedBy,
      parentId: parent.id,
      chunk,
    } as QueryDeepPartialEntity<JobEntity>);
    await em.insert(JobEventEntity, {
      jobId: id,
      fromStatus: null,
      toStatus: 'pending',
      attempt: 0,
      leaseId: null,
      error: null,
    });
    await em.insert(OutboxEntity, {
      jobId: id,
      exchange: topologyNames.jobsExchange,
      routingKey: parent.queue,
      payload: { jobId: id, type: parent.type, correlationId: parent.correlationId },
      properties: { messageId: `${id}:0`, correlationId: parent.correlationId, type: parent.type },
    });
    chunks.push(await em.findOneByOrFail(JobEntity, { id }));
  }
  return chunks;
}

/** A parent's chunks, in page order. */
export async function chunksOf(em: EntityManager, parentId: string): Promise<JobEntity[]> {
  const rows = await em.query<Record<string, unknown>[]>(
    `SELECT * FROM job WHERE parent_id = $1 ORDER BY (chunk->>'index')::int`,
    [parentId],
  );
  return rows.map(mapJobRow);
}

/** What {@link settleParent} did with the parent. */
export type ParentSettlement = 'none' | 'progress' | 'failed' | 'merge-queued';

/**
 * Inside the transaction that ended a chunk of `parentId`: locks the parent and moves it on, once. Acts only on a
 * parent still waiting for its chunks (`processing`, split, no lease): a cancelled or failed parent is left as it
 * is (its other chunks were cancelled with it).
 */
export async function settleParent(em: EntityManager, parentId: string): Promise<ParentSettlement> {
  const parents = await em.query<Record<string, unknown>[]>(`SELECT * FROM job WHERE id = $1 FOR UPDATE`, [
    parentId,
  ]);
  const parent = parents[0] ? mapJobRow(parents[0]) : undefined;
  if (!parent || parent.status !== 'processing' || parent.leaseId !== null || parent.chunksTotal === null)
    return 'none';
  const chunks = await chunksOf(em, parentId);
  const unsuccessful = chunks.find((c) => c.status === 'failed' || c.status === 'cancelled');
  if (unsuccessful) {
    const range = unsuccessful.chunk ? `pages ${unsuccessful.chunk.first}–${unsuccessful.chunk.last}: ` : '';
    const error: JobError = {
      code: unsuccessful.error?.code ?? 'CHUNK_FAILED',
      message: `${range}${unsuccessful.error?.message ?? `a chunk ended ${unsuccessful.status}`}`,
    };
    await endParent(em, parentId, 'failed', error);
    await cancelChunks(em, parentId);
    return 'failed';
  }
  const done = chunks.filter((c) => c.status === 'completed').length;
  if (done < chunks.length) {
    const percent = Math.max(1, Math.floor((done / chunks.length) * 95));
    await em.query(
      `UPDATE job SET updated_at = now(), progress = jsonb_build_object('percent', $2::int, 'stage', 'chunks',
              'message', $3::text, 'current', $4::int, 'total', $5::int)
        WHERE id = $1`,
      [parentId, percent, `${done} of ${chunks.length} chunks done`, done, chunks.length],
    );
    return 'progress';
  }
  // All completed: back to the queue, where any replica claims the parent and merges (its own attempt, so a crash
  // during the merge is retried and recovered like any attempt).
  await em.query(
    `WITH upd AS (
       UPDATE job SET status = 'pending', updated_at = now(),
              progress = jsonb_build_object('percent', 96, 'stage', 'merge', 'message', $2::text)
        WHERE id = $1 AND status = 'processing' AND lease_id IS NULL
       RETURNING id, attempts)
     INSERT INTO job_event (job_id, from_status, to_status, attempt, lease_id, error)
     SELECT id, 'processing', 'pending', attempts, NULL, NULL FROM upd`,
    [parentId, `all ${chunks.length} chunks done; waiting for a worker to merge them`],
  );
  const events = await em.count(JobEventEntity, { where: { jobId: parentId } });
  await em.insert(OutboxEntity, {
    jobId: parentId,
    exchange: topologyNames.jobsExchange,
    routingKey: parent.queue,
    payload: { jobId: parentId, type: parent.type, correlationId: parent.correlationId },
    properties: {
      messageId: `${parentId}:${events}`,
      correlationId: parent.correlationId,
      type: parent.type,
    },
  });
  return 'merge-queued';
}

/** Ends a waiting (lease-less) parent: `failed` with `error`, or `cancelled`; one event. */
export async function endParent(
  em: EntityManager,
  parentId: string,
  to: 'failed' | 'cancelled',
  error: JobError,
): Promise<JobEntity | null> {
  const rows = await em.query<Record<string, unknown>[]>(
    `WITH upd AS (
       UPDATE job SET status = $2, error = $3::jsonb, finished_at = now(), updated_at = now()
        WHERE id = $1 AND status = 'processing' AND lease_id IS NULL AND chunks_total IS NOT NULL
       RETURNING *),
     ev AS (
       INSERT INTO job_event (job_id, from_status, to_status, attempt, lease_id, error)
       SELECT id, 'processing', status, attempts, NULL, $4::jsonb FROM upd)${terminalCallbackCte('upd')}
     SELECT * FROM upd`,
    [parentId, to, JSON.stringify(error), to === 'failed' ? JSON.stringify(error) : null],
  );
  return rows[0] ? mapJobRow(rows[0]) : null;
}

/**
 * Cancels a parent's unfinished chunks: queued ones (`pending`, `retrying`) at once, running ones by
 * `cancel_requested` (their worker aborts at its next heartbeat or checkpoint and records `cancelled`). Returns the
 * ids of the running ones, for a cancel broadcast.
 */
export async function cancelChunks(em: EntityManager, parentId: string): Promise<string[]> {
  await em.query(
    `WITH prev AS (
       SELECT id, status FROM job WHERE parent_id = $1 AND status IN ('pending', 'retrying') FOR UPDATE),
     upd AS (
       UPDATE job j SET status = 'cancelled', finished_at = now(), next_attempt_at = NULL, updated_at = now(),
              error = jsonb_build_object('code', 'CANCELLED', 'message', 'cancelled with its parent job')
         FROM prev WHERE j.id = prev.id
       RETURNING j.id, j.attempts, prev.status AS from_status)
     INSERT INTO job_event (job_id, from_status, to_status, attempt, lease_id, error)
     SELECT id, from_status, 'cancelled', attempts, NULL, NULL FROM upd`,
    [parentId],
  );
  const running = await em.query<[Array<{ id: string }>, number]>(
    `UPDATE job SET cancel_requested = true, updated_at = now()
      WHERE parent_id = $1 AND status = 'processing' RETURNING id`,
    [parentId],
  );
  return (running[0] ?? []).map((r) => r.id);
}
