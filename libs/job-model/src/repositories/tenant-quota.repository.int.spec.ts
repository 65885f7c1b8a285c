/**
 * Fair-sharing counters against real PostgreSQL, from two DataSources on one database (two gateway replicas):
 * the submission window, the concurrent-job quota and the storage figure are one figure for both.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { createTestDatabase } from '@quire/testing';
import { createDataSource } from '../data-source';
import { ApiKeyRepository } from './api-key.repository';
import { JobRepository } from './job.repository';
import { ActiveJobQuotaError, TenantQuotaRepository } from './tenant-quota.repository';

describe('TenantQuotaRepository across two replicas (one PostgreSQL)', () => {
  let replicas: DataSource[];
  let drop: () => Promise<void>;
  let tenantA: string;
  let tenantB: string;

  beforeAll(async () => {
    const db = await createTestDatabase();
    drop = db.drop;
    replicas = [createDataSource(db.url, { poolSize: 8 }), createDataSource(db.url, { poolSize: 8 })];
    await Promise.all(replicas.map((ds) => ds.initialize()));
    const keys = new ApiKeyRepository(replicas[0]);
    tenantA = (await keys.ensureTenant('flooder')).id;
    tenantB = (await keys.ensureTenant('quiet')).id;
  });
  afterAll(async () => {
    await Promise.all((replicas ?? []).map((ds) => ds.destroy()));
    await drop?.();
  });

  const quotas = (i: number) => new TenantQuotaRepository(replicas[i % 2]);
  const jobs = (i: number) => new JobRepository(replicas[i % 2]);
  const submit = (i: number, tenantId: string, maxActiveJobs?: number, bytes = 0) =>
    jobs(i).createWithOutbox({
      tenantId,
      type: 'compress',
      params: { preset: 'ebook' },
      inputs: bytes ? [{ key: `k${i}`, name: 'a.pdf', bytes, contentType: 'application/pdf' }] : [],
      correlationId: randomUUID(),
      maxActiveJobs,
    });

  it('counts every request of a tenant once in one shared window, whichever replica takes it', async () => {
    const windowMs = 4_000;
    const counted = await Promise.all(
      Array.from({ length: 40 }, (_, i) => quotas(i).countRequest(tenantA, 'submit', windowMs)),
    );
    const counts = counted.map((c) => c.count).sort((a, b) => a - b);
    // Normally 1..40; if the window turned during the burst, the counts restart at 1 in the new one.
    const restart = counts.filter((c) => c === 1).length;
    if (restart === 1) expect(counts).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    for (const c of counted) {
      expect(c.resetInMs).toBeGreaterThan(0);
      expect(c.resetInMs).toBeLessThanOrEqual(windowMs);
    }
    // Another tenant and another scope have windows of their own.
    expect((await quotas(1).countRequest(tenantB, 'submit', windowMs)).count).toBe(1);
    expect((await quotas(0).countRequest(tenantA, 'other', windowMs)).count).toBe(1);
  });

  it('starts a new window at zero once the old one ended', async () => {
    const windowMs = 1_000;
    const first = await quotas(0).countRequest(tenantB, 'short', windowMs);
    await quotas(1).countRequest(tenantB, 'short', windowMs);
    await new Promise((r) => setTimeout(r, first.resetInMs + 50));
    expect((await quotas(1).countRequest(tenantB, 'short', windowMs)).count).toBe(1);
  });

  it('admits exactly the quota of unfinished jobs when both replicas submit at once', async () => {
    const limit = 5;
    const outcomes = await Promise.allSettled(
      Array.from({ length: 16 }, (_, i) => submit(i, tenantA, limit)),
    );
    const accepted = outcomes.filter((o) => o.status === 'fulfilled');
    const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
    expect(accepted).toHaveLength(limit);
    expect(refused).toHaveLength(16 - limit);
    for (const err of refused) expect(err).toBeInstanceOf(ActiveJobQuotaError);
    expect(refused[0]).toMatchObject({ active: limit, limit });
    expect(await quotas(1).countActiveJobs(tenantA)).toBe(limit);
    // The other tenant is not affected by the first one's full quota.
    await expect(submit(0, tenantB, limit)).resolves.toMatchObject({ tenantId: tenantB });

    // A finished job frees its slot.
    const done = accepted[0].status === 'fulfilled' ? accepted[0].value : undefined;
    const lease = randomUUID();
    expect(await jobs(0).claim(done!.id, lease, 30_000)).not.toBeNull();
    expect(await quotas(0).countActiveJobs(tenantA)).toBe(limit); // processing still counts
    expect(await jobs(0).complete(done!.id, lease, { outputs: [] })).not.toBeNull();
    expect(await quotas(1).countActiveJobs(tenantA)).toBe(limit - 1);
    await expect(submit(1, tenantA, limit)).resolves.toMatchObject({ status: 'pending' });
    await expect(submit(0, tenantA, limit)).rejects.toBeInstanceOf(ActiveJobQuotaError);
  });

  it('counts the unfinished jobs with the partial index', async () => {
    // A test table is small enough for a sequential scan to win; what matters is that the index applies.
    const plan: Array<{ 'QUERY PLAN': string }> = await replicas[0].transaction(async (em) => {
      await em.query('SET LOCAL enable_seqscan = off');
      return em.query(
        `EXPLAIN SELECT count(*) FROM job
          WHERE tenant_id = $1 AND status IN ('pending','processing','retrying') AND parent_id IS NULL`,
        [tenantA],
      );
    });
    expect(plan.map((r) => r['QUERY PLAN']).join('\n')).toContain('job_tenant_active_idx');
  });

  it('sums the bytes of inputs and stored outputs of unexpired jobs, per tenant', async () => {
    const ds = replicas[0];
    const tenantC = (await new ApiKeyRepository(ds).ensureTenant('storage')).id;
    expect(await quotas(0).storedBytes(tenantC)).toBe(0);
    const a = await submit(0, tenantC, undefined, 1_000);
    const b = await submit(1, tenantC, undefined, 2_500);
    const lease = randomUUID();
    await jobs(0).claim(a.id, lease, 30_000);
    await jobs(0).complete(a.id, lease, {
      outputs: [
        { name: 'out.pdf', key: 'x/out.pdf', bytes: 300, contentType: 'application/pdf' },
        { name: 'out2.pdf', key: 'x/out2.pdf', bytes: 200, contentType: 'application/pdf' },
      ],
    });
    expect(await quotas(1).storedBytes(tenantC)).toBe(1_000 + 500 + 2_500);
    // Retention removed a job's files: it no longer counts.
    await ds.query(`UPDATE job SET expired_at = now() WHERE id = $1`, [b.id]);
    expect(await quotas(1).storedBytes(tenantC)).toBe(1_500);
    expect(await quotas(0).usage(tenantC)).toEqual({ activeJobs: 1, storedBytes: 1_500 }); // b is still pending;
    expect(await quotas(0).storedBytes(tenantB)).toBe(0);
  });

  it('a job split into chunks counts once against the tenant, its chunks not at all (docs/architecture.md (fan-out))', async () => {
    const tenant = (await new ApiKeyRepository(replicas[0]).ensureTenant('large-documents')).id;
    const big = await submit(0, tenant, 2, 1000);
    const lease = randomUUID();
    expect(await jobs(0).claim(big.id, lease, 30_000)).not.toBeNull();
    const chunks = await jobs(0).fanOut(big.id, lease, [
      { index: 0, first: 1, last: 50 },
      { index: 1, first: 51, last: 100 },
      { index: 2, first: 101, last: 120 },
    ]);
    expect(chunks?.map((c) => [c.parentId, c.chunk?.first, c.status])).toEqual([
      [big.id, 1, 'pending'],
      [big.id, 51, 'pending'],
      [big.id, 101, 'pending'],
    ]);
    // One unfinished job and one input's bytes, as before the split: a second job still fits a quota of 2.
    expect(await quotas(1).usage(tenant)).toEqual({ activeJobs: 1, storedBytes: 1000 });
    await expect(submit(1, tenant, 2)).resolves.toBeDefined();
    await expect(submit(0, tenant, 2)).rejects.toBeInstanceOf(ActiveJobQuotaError);
    const listed = await jobs(1).listForTenant(tenant, { limit: 10 });
    expect(listed.jobs.map((j) => j.id)).not.toContain(chunks?.[0]?.id);
    expect(listed.jobs).toHaveLength(2);
  });
});
