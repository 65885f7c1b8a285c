import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Messages written in the same transaction as the job row; the gateway's relay publishes them with confirms. */
@Entity({ name: 'outbox' })
@Index('outbox_unsent_idx', ['id'], { where: '"sent_at" IS NULL' })
// Whether a job still has a message waiting in the outbox (fair publishing counts held-back jobs apart).
@Index('outbox_job_unsent_idx', ['jobId'], { where: '"sent_at" IS NULL' })
export class OutboxEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'job_id', type: 'uuid' })
  jobId!: string;

  @Column({ type: 'varchar', length: 128 })
  exchange!: string;

  @Column({ name: 'routing_key', type: 'varchar', length: 128 })
  routingKey!: string;

  @Column({ type: 'jsonb' })
  payload!: Record<string, unknown>;

  @Column({ type: 'jsonb' })
  properties!: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt!: Date | null;

  @Column({ name: 'publish_attempts', type: 'int', default: 0 })
  publishAttempts!: number;

  /** Set when no queue took the message: the relay leaves the row alone until then. */
  @Column({ name: 'not_before', type: 'timestamptz', nullable: true })
  notBefore!: Date | null;
}
