import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * When the outbox relay last published a message of a tenant to a queue: between tenants equally served, the one
 * served longest ago goes first (round robin that survives across relay passes and replicas; see OutboxRepository).
 */
@Entity({ name: 'outbox_turn' })
export class OutboxTurnEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' })
  tenantId!: string;

  @PrimaryColumn({ type: 'varchar', length: 64 })
  queue!: string;

  @Column({ name: 'last_published_at', type: 'timestamptz' })
  lastPublishedAt!: Date;
}
