import { Check, Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { JobStatus } from '../state-machine';

/** Client-visible progress (docs/architecture.md §6, the seeds' schema). */
export interface JobProgress {
  percent: number;
  stage: string;
  message: string;
  current?: number;
  total?: number;
  details?: Record<string, unknown>;
}

/** The pages a chunk job covers (docs/architecture.md (fan-out)): `index` of `of` chunks, pages `first`–`last`. */
export interface JobChunk {
  index: number;
  of: number;
  first: number;
  last: number;
}

export interface JobError {
  code: string;
  message: string;
}

/** One uploaded file of a job, as stored. */
export interface JobInput {
  key: string;
  name: string;
  bytes: number;
  contentType: string;
}

@Entity({ name: 'job' })
@Check('job_status_chk', `"status" IN ('pending','processing','retrying','completed','failed','cancelled')`)
@Index('job_tenant_created_idx', ['tenantId', 'createdAt', 'id'])
@Index('job_status_heartbeat_idx', ['status', 'heartbeatAt'])
@Index('job_retention_idx', ['status', 'finishedAt'], { where: '"expired_at" IS NULL' })
@Index('job_tenant_submitter_idx', ['tenantId', 'submittedBy', 'createdAt'])
// Counts a tenant's unfinished jobs for its concurrent-job quota (TenantQuotaRepository).
@Index('job_tenant_active_idx', ['tenantId'], {
  where: `"status" IN ('pending','processing','retrying') AND "parent_id" IS NULL`,
})
@Index('job_parent_idx', ['parentId'], { where: '"parent_id" IS NOT NULL' })
@Index('job_tenant_idempotency_uq', ['tenantId', 'idempotencyKey'], {
  unique: true,
  where: '"idempotency_key" IS NOT NULL',
})
export class JobEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'tenant_id', type: 'uuid' })
  tenantId!: string;

  @Column({ type: 'varchar', length: 64 })
  type!: string;

  @Column({ type: 'varchar', length: 64 })
  queue!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: JobStatus;

  @Column({ type: 'jsonb' })
  params!: Record<string, unknown>;

  @Column({ type: 'jsonb' })
  inputs!: JobInput[];

  @Column({ type: 'jsonb' })
  progress!: JobProgress;

  @Column({ type: 'int', default: 0 })
  attempts!: number;

  @Column({ type: 'jsonb', nullable: true })
  error!: JobError | null;

  @Column({ type: 'jsonb', nullable: true })
  result!: Record<string, unknown> | null;

  @Column({ name: 'lease_id', type: 'uuid', nullable: true })
  leaseId!: string | null;

  @Column({ name: 'heartbeat_at', type: 'timestamptz', nullable: true })
  heartbeatAt!: Date | null;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', nullable: true })
  nextAttemptAt!: Date | null;

  @Column({ name: 'cancel_requested', type: 'boolean', default: false })
  cancelRequested!: boolean;

  @Column({ name: 'correlation_id', type: 'varchar', length: 128 })
  correlationId!: string;

  @Column({ name: 'idempotency_key', type: 'varchar', length: 255, nullable: true })
  idempotencyKey!: string | null;

  /**
   * Who submitted the job when the caller is a person from the company's identity provider (the token's user
   * claim); null for API-key callers. A `user` token sees only the jobs it submitted.
   */
  @Column({ name: 'submitted_by', type: 'varchar', length: 255, nullable: true })
  submittedBy!: string | null;

  /** A chunk job's parent (docs/architecture.md (fan-out)); null for a job a client submitted. */
  @Column({ name: 'parent_id', type: 'uuid', nullable: true })
  parentId!: string | null;

  /** A chunk job's page range. */
  @Column({ type: 'jsonb', nullable: true })
  chunk!: JobChunk | null;

  /** A parent split into chunk jobs: how many (null when the job runs whole). */
  @Column({ name: 'chunks_total', type: 'int', nullable: true })
  chunksTotal!: number | null;

  /** Where callbacks of this job go (docs/architecture.md (webhooks)); null: the tenant's default, if any. */
  @Column({ name: 'callback_url', type: 'varchar', length: 2048, nullable: true })
  callbackUrl!: string | null;

  /** Progress callbacks too (`callbackEvents: ["progress"]`); terminal states are always called back. */
  @Column({ name: 'callback_progress', type: 'boolean', default: false })
  callbackProgress!: boolean;

  /** W3C traceparent of the submission's span: every attempt's spans continue this trace (tracing). */
  @Column({ type: 'varchar', length: 55, nullable: true })
  traceparent!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;

  /** Set by cleanup-expired-jobs when the job's files were deleted under the retention policy (row kept). */
  @Column({ name: 'expired_at', type: 'timestamptz', nullable: true })
  expiredAt!: Date | null;
}
