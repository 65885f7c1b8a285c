import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { createTestDatabase } from '@quire/testing';
import { createDataSource } from '../data-source';
import { ApiKeyRepository, hashApiKey } from './api-key.repository';

describe('ApiKeyRepository against PostgreSQL', () => {
  let ds: DataSource;
  let drop: () => Promise<void>;
  let keys: ApiKeyRepository;

  beforeAll(async () => {
    const db = await createTestDatabase();
    drop = db.drop;
    ds = createDataSource(db.url, { poolSize: 3 });
    await ds.initialize();
    keys = new ApiKeyRepository(ds);
  });
  afterAll(async () => {
    await ds?.destroy();
    await drop?.();
  });

  it('tells unknown, revoked and expired keys apart (for the logs) and accepts a valid one', async () => {
    const valid = await keys.createKey('acme', 'admin', 'ci');
    expect(await keys.check(valid.key)).toMatchObject({
      ok: true,
      principal: { keyId: valid.id, role: 'admin', tenantName: 'acme', tenantId: valid.tenantId },
    });
    expect(await keys.check('qk_not_a_key_at_all')).toEqual({ ok: false, reason: 'unknown' });

    const revoked = await keys.createKey('acme', 'user');
    expect(await keys.revoke(revoked.id)).toBe(true);
    expect(await keys.revoke(revoked.id)).toBe(false);
    expect(await keys.check(revoked.key)).toMatchObject({
      ok: false,
      reason: 'revoked',
      keyId: revoked.id,
      keyPrefix: revoked.key.slice(0, 10),
    });
    expect(await keys.findPrincipal(revoked.key)).toBeNull();

    const expired = await keys.createKey('acme', 'user', '', { expiresAt: new Date(Date.now() - 1_000) });
    expect(await keys.check(expired.key)).toMatchObject({ ok: false, reason: 'expired', keyId: expired.id });
    const later = await keys.createKey('acme', 'user', '', { expiresAt: new Date(Date.now() + 3_600_000) });
    expect(await keys.check(later.key)).toMatchObject({ ok: true });
  });

  it('the bootstrap key becomes the operator even if an older release registered it as an admin, and stays revoked', async () => {
    const plain = 'qk_bootstrap_0123456789abcdefghij';
    await keys.ensureKey('default', plain, 'admin', 'bootstrap');
    const { id } = await keys.ensureKey('default', plain, 'operator', 'bootstrap');
    expect(await keys.findPrincipal(plain)).toMatchObject({ keyId: id, role: 'operator' });
    await keys.revoke(id);
    await keys.ensureKey('default', plain, 'operator', 'bootstrap');
    expect(await keys.check(plain)).toMatchObject({ ok: false, reason: 'revoked' });
  });

  it('lists keys by tenant, id or prefix, never their hash; the role column takes only the three roles', async () => {
    const created = await keys.createKey('listed', 'operator', 'ops');
    const listed = await keys.list({ tenant: 'listed' });
    expect(listed).toEqual([
      {
        id: created.id,
        tenant: 'listed',
        prefix: created.prefix,
        role: 'operator',
        name: 'ops',
        createdAt: expect.any(Date) as Date,
        expiresAt: null,
        revokedAt: null,
      },
    ]);
    expect(await keys.list({ idOrPrefix: created.prefix })).toHaveLength(1);
    expect(await keys.list({ idOrPrefix: created.id })).toHaveLength(1);
    await expect(
      ds.query(`UPDATE api_key SET role = 'root' WHERE key_hash = $1`, [hashApiKey(created.key)]),
    ).rejects.toThrow(/api_key_role_chk/);
  });
});
