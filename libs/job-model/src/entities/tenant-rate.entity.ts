import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One fixed-window request counter per tenant and scope (e.g. `submit`), shared by every gateway replica: each
 * request is one atomic `INSERT … ON CONFLICT … DO UPDATE … RETURNING` (see TenantQuotaRepository).
 */
@Entity({ name: 'tenant_rate' })
export class TenantRateEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' })
  tenantId!: string;

  @PrimaryColumn({ type: 'varchar', length: 32 })
  scope!: string;

  /** Start of the current window (database clock, so replicas agree). */
  @Column({ name: 'window_start', type: 'timestamptz' })
  windowStart!: Date;

  /** Requests counted in the current window, the refused ones included. */
  @Column({ type: 'int' })
  count!: number;
}
