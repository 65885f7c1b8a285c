import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryColumn,
  PrimaryGeneratedColumn,
} from 'typeorm';

/** Job events a callback is sent for: every terminal state, and progress when the job asked for it. */
export const CALLBACK_EVENTS = ['completed', 'failed', 'cancelled', 'progress'] as const;
export type CallbackEvent = (typeof CALLBACK_EVENTS)[number];

/**
 * A tenant's callback settings (docs/architecture.md (webhooks)): the default callback URL of its jobs and its
 * signing secret, sealed (AES-256-GCM under QUIRE_WEBHOOK_SECRET_KEY; never stored in clear). After a rotation the
 * previous secret still signs until `previous_valid_until`, so receivers can switch without losing callbacks.
 */
@Entity({ name: 'tenant_webhook' })
export class TenantWebhookEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' })
  tenantId!: string;

  @Column({ name: 'callback_url', type: 'varchar', length: 2048, nullable: true })
  callbackUrl!: string | null;

  @Column({ name: 'secret_sealed', type: 'text', nullable: true })
  secretSealed!: string | null;

  @Column({ name: 'previous_secret_sealed', type: 'text', nullable: true })
  previousSecretSealed!: string | null;

  @Column({ name: 'previous_valid_until', type: 'timestamptz', nullable: true })
  previousValidUntil!: Date | null;

  @Column({ name: 'secret_rotated_at', type: 'timestamptz', nullable: true })
  secretRotatedAt!: Date | null;
}

export const DELIVERY_STATUSES = ['pending', 'sending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * The callback outbox: one row per callback to send, written in the same statement as the job's state change (so a
 * crash loses none) and worked off by the dispatcher. `snapshot` is the job row at that change (the body is the
 * job JSON as it was then, even if the job is retried later). A job's pending progress callback is one row, updated
 * in place by newer progress (the partial unique index), so a slow receiver is not sent every intermediate value.
 */
@Entity({ name: 'webhook_delivery' })
@Check('webhook_delivery_status_chk', `"status" IN ('pending','sending','delivered','failed')`)
@Index('webhook_delivery_due_idx', ['nextAttemptAt'], { where: `"status" IN ('pending','sending')` })
@Index('webhook_delivery_job_idx', ['jobId'])
@Index('webhook_delivery_progress_uq', ['jobId'], {
  unique: true,
  where: `"event" = 'progress' AND "status" = 'pending'`,
})
export class WebhookDeliveryEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'job_id', type: 'uuid' })
  jobId!: string;

  @Column({ name: 'tenant_id', type: 'uuid' })
  tenantId!: string;

  @Column({ type: 'varchar', length: 16 })
  event!: CallbackEvent;

  @Column({ type: 'varchar', length: 2048 })
  url!: string;

  @Column({ type: 'jsonb' })
  snapshot!: Record<string, unknown>;

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  status!: DeliveryStatus;

  @Column({ type: 'int', default: 0 })
  attempts!: number;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', default: () => 'now()' })
  nextAttemptAt!: Date;

  /** While `sending`: after this time the row is taken back (its dispatcher died mid-delivery). */
  @Column({ name: 'locked_until', type: 'timestamptz', nullable: true })
  lockedUntil!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;
}

/** Every delivery attempt, as the job's callbacks show it (GET /v1/jobs/{id}/callbacks). */
@Entity({ name: 'webhook_attempt' })
@Index('webhook_attempt_delivery_idx', ['deliveryId'])
export class WebhookAttemptEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'delivery_id', type: 'bigint' })
  deliveryId!: string;

  @Column({ type: 'int' })
  attempt!: number;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt!: Date;

  @Column({ name: 'duration_ms', type: 'int' })
  durationMs!: number;

  @Column({ name: 'status_code', type: 'int', nullable: true })
  statusCode!: number | null;

  @Column({ type: 'varchar', length: 1024, nullable: true })
  error!: string | null;
}
