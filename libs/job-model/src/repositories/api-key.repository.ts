import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { ApiKeyEntity, TenantEntity, type ApiKeyRole } from '../entities/tenant.entity';

export interface Principal {
  tenantId: string;
  tenantName: string;
  keyId: string;
  role: ApiKeyRole;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** A new random key: `qk_` + 43 base64url characters (256 bits). */
export function generateApiKey(): string {
  return `qk_${randomBytes(32).toString('base64url')}`;
}

/** The only access to tenants and API keys. Keys are stored hashed; the plaintext is shown once at creation. */
export class ApiKeyRepository {
  constructor(private readonly ds: DataSource) {}

  async ensureTenant(name: string): Promise<TenantEntity> {
    await this.ds.query(`INSERT INTO tenant (id, name) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, [
      randomUUID(),
      name,
    ]);
    return this.ds.getRepository(TenantEntity).findOneByOrFail({ name });
  }

  /** Creates a key for a tenant (created if missing) and returns the plaintext, which is not stored. */
  async createKey(
    tenantName: string,
    role: ApiKeyRole,
    name = '',
  ): Promise<{ key: string; id: string; tenantId: string }> {
    const key = generateApiKey();
    const { id, tenantId } = await this.ensureKey(tenantName, key, role, name);
    return { key, id, tenantId };
  }

  /** Idempotent: registers a known plaintext key (the bootstrap key) unless its hash is already there. */
  async ensureKey(
    tenantName: string,
    key: string,
    role: ApiKeyRole,
    name = '',
  ): Promise<{ id: string; tenantId: string }> {
    const tenant = await this.ensureTenant(tenantName);
    const keyHash = hashApiKey(key);
    await this.ds.query(
      `INSERT INTO api_key (id, tenant_id, key_hash, prefix, role, name) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (key_hash) DO NOTHING`,
      [randomUUID(), tenant.id, keyHash, key.slice(0, 10), role, name],
    );
    const row = await this.ds.getRepository(ApiKeyEntity).findOneByOrFail({ keyHash });
    return { id: row.id, tenantId: row.tenantId };
  }

  async findPrincipal(key: string): Promise<Principal | null> {
    const rows = await this.ds.query<
      Array<{ id: string; role: ApiKeyRole; tenant_id: string; tenant_name: string }>
    >(
      `SELECT k.id, k.role, k.tenant_id, t.name AS tenant_name
         FROM api_key k JOIN tenant t ON t.id = k.tenant_id
        WHERE k.key_hash = $1 AND k.revoked_at IS NULL`,
      [hashApiKey(key)],
    );
    const r = rows[0];
    return r ? { keyId: r.id, role: r.role, tenantId: r.tenant_id, tenantName: r.tenant_name } : null;
  }

  async revoke(keyId: string): Promise<boolean> {
    const res = await this.ds.query<[unknown[], number]>(
      `UPDATE api_key SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`,
      [keyId],
    );
    return res[1] > 0;
  }
}
