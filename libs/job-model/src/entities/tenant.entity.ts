import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** The tenant that owns scheduled and admin-run maintenance jobs. Admin keys can read its jobs. */
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

export type ApiKeyRole = 'user' | 'admin';

/** API keys are stored as SHA-256 hashes (keys are 256-bit random, so a slow hash adds nothing); `prefix` identifies a key in listings. */
@Entity({ name: 'api_key' })
@Index('api_key_hash_uq', ['keyHash'], { unique: true })
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
}
