import { Check, Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** The tenant that owns scheduled and operator-run maintenance jobs. Operator keys can read its jobs. */
export const SYSTEM_TENANT = 'system';

@Entity({ name: 'tenant' })
@Index('tenant_name_uq', ['name'], { unique: true })
export class TenantEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'varchar', length: 128 })
  name!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

/**
 * - `user`: submits and reads its own tenant's jobs;
 * - `admin`: a tenant admin: also its own tenant's dead letters (list, replay);
 * - `operator`: the platform operator: every tenant's dead letters, queue-wide operations (purge, queue depths,
 *   health) and maintenance runs. Created only from the command line (`npm run api-key:create -- --role operator`)
 *   or as the `QUIRE_BOOTSTRAP_API_KEY`.
 */
export const API_KEY_ROLES = ['user', 'admin', 'operator'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

/**
 * API keys are stored as SHA-256 hashes (keys are 256-bit random, so a slow hash adds nothing); `prefix` identifies a
 * key in listings. A key stops working when it is revoked (`revoked_at`) or past its `expires_at`.
 */
@Entity({ name: 'api_key' })
@Index('api_key_hash_uq', ['keyHash'], { unique: true })
@Check('api_key_role_chk', `"role" IN ('user','admin','operator')`)
export class ApiKeyEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'tenant_id', type: 'uuid' })
  tenantId!: string;

  @Column({ name: 'key_hash', type: 'char', length: 64 })
  keyHash!: string;

  @Column({ type: 'varchar', length: 16 })
  prefix!: string;

  @Column({ type: 'varchar', length: 16 })
  role!: ApiKeyRole;

  @Column({ type: 'varchar', length: 128, default: '' })
  name!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  /** Null: the key does not expire. */
  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;
}
