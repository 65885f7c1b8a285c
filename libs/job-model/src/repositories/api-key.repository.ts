import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { ApiKeyEntity, TenantEntity, type ApiKeyRole } from '../entities/tenant.entity';

export interface Principal {
  tenantId: string;
  tenantName: string;
  /** The API key's id; for a JWT caller, `jwt:` + the issuer's index and the user (for logs and audit only). */
  keyId: string;
  role: ApiKeyRole;
  /**
   * Set for a person signed in through the company's identity provider (a JWT's user claim): jobs they submit
   * carry it, and with role `user` they see only those jobs. API-key callers have none and see tenant-wide.
   */
  userId?: string;
}

/** Why a presented key was refused. The caller always gets the same 401; only the logs tell these apart. */
export type KeyRejection = 'unknown' | 'revoked' | 'expired';

export type KeyCheck =
  | { ok: true; principal: Principal }
  | { ok: false; reason: 'unknown' }
  | {
      ok: false;
      reason: 'revoked' | 'expired';
      keyId: string;
      keyPrefix: string;
      tenantId: string;
      at: Date;
    };

/** A key as listed by the command line (never its plaintext or hash). */
export interface ApiKeyListing {
  id: string;
  tenant: string;
  prefix: string;
  role: ApiKeyRole;
  name: string;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

export interface KeyOptions {
  /** Null or absent: the key never expires. */
  expiresAt?: Date | null;
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
    options: KeyOptions = {},
  ): Promise<{ key: string; id: string; tenantId: string; prefix: string }> {
    const key = generateApiKey();
    const { id, tenantId } = await this.ensureKey(tenantName, key, role, name, options);
    return { key, id, tenantId, prefix: keyPrefix(key) };
  }

  /**
   * Idempotent: registers a known plaintext key (the bootstrap key) unless its hash is already there. An existing
   * key keeps its revocation and expiry but takes `role`, so a bootstrap key registered by an older release as a
   * tenant admin becomes the platform operator's key it is meant to be.
   */
  async ensureKey(
    tenantName: string,
    key: string,
    role: ApiKeyRole,
    name = '',
    options: KeyOptions = {},
  ): Promise<{ id: string; tenantId: string }> {
    const tenant = await this.ensureTenant(tenantName);
    const keyHash = hashApiKey(key);
    await this.ds.query(
      `INSERT INTO api_key (id, tenant_id, key_hash, prefix, role, name, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (key_hash) DO UPDATE SET role = EXCLUDED.role WHERE api_key.role <> EXCLUDED.role`,
      [randomUUID(), tenant.id, keyHash, keyPrefix(key), role, name, options.expiresAt ?? null],
    );
    const row = await this.ds.getRepository(ApiKeyEntity).findOneByOrFail({ keyHash });
    return { id: row.id, tenantId: row.tenantId };
  }

  /** The principal of a valid key; unknown, revoked and expired keys say which they are (for the logs only). */
  async check(key: string): Promise<KeyCheck> {
    const rows = await this.ds.query<
      Array<{
        id: string;
        role: ApiKeyRole;
        prefix: string;
        tenant_id: string;
        tenant_name: string;
        revoked_at: Date | null;
        expires_at: Date | null;
        expired: boolean;
      }>
    >(
      // Expiry is judged by the database clock, like every other time in the job model.
      `SELECT k.id, k.role, k.prefix, k.tenant_id, t.name AS tenant_name, k.revoked_at, k.expires_at,
              (k.expires_at IS NOT NULL AND k.expires_at <= now()) AS expired
         FROM api_key k JOIN tenant t ON t.id = k.tenant_id
        WHERE k.key_hash = $1`,
      [hashApiKey(key)],
    );
    const r = rows[0];
    if (!r) return { ok: false, reason: 'unknown' };
    const refused = { keyId: r.id, keyPrefix: r.prefix, tenantId: r.tenant_id };
    if (r.revoked_at) return { ok: false, reason: 'revoked', ...refused, at: r.revoked_at };
    if (r.expired && r.expires_at) return { ok: false, reason: 'expired', ...refused, at: r.expires_at };
    return {
      ok: true,
      principal: { keyId: r.id, role: r.role, tenantId: r.tenant_id, tenantName: r.tenant_name },
    };
  }

  /** The principal of a valid key, else null (unknown, revoked or expired). */
  async findPrincipal(key: string): Promise<Principal | null> {
    const checked = await this.check(key);
    return checked.ok ? checked.principal : null;
  }

  /** Revokes a key by id; false when there is no such key or it was revoked already. */
  async revoke(keyId: string): Promise<boolean> {
    const res = await this.ds.query<[unknown[], number]>(
      `UPDATE api_key SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`,
      [keyId],
    );
    return res[1] > 0;
  }

  /** Keys, oldest first; of one tenant, and/or those whose id or prefix is `idOrPrefix`. */
  async list(filter: { tenant?: string; idOrPrefix?: string } = {}): Promise<ApiKeyListing[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.tenant) where.push(`t.name = $${params.push(filter.tenant)}`);
    if (filter.idOrPrefix) {
      const p = `$${params.push(filter.idOrPrefix)}`;
      where.push(`(k.id::text = ${p} OR k.prefix = ${p})`);
    }
    const rows = await this.ds.query<
      Array<{
        id: string;
        tenant: string;
        prefix: string;
        role: ApiKeyRole;
        name: string;
        created_at: Date;
        expires_at: Date | null;
        revoked_at: Date | null;
      }>
    >(
      `SELECT k.id, t.name AS tenant, k.prefix, k.role, k.name, k.created_at, k.expires_at, k.revoked_at
         FROM api_key k JOIN tenant t ON t.id = k.tenant_id
        ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY k.created_at, k.id`,
      params,
    );
    return rows.map((r) => ({
      id: r.id,
      tenant: r.tenant,
      prefix: r.prefix,
      role: r.role,
      name: r.name,
      createdAt: r.created_at,
      expiresAt: r.expires_at,
      revokedAt: r.revoked_at,
    }));
  }
}

/** The first characters of a key, stored to recognise it in listings and logs (not enough to use it). */
export function keyPrefix(key: string): string {
  return key.slice(0, 10);
}
