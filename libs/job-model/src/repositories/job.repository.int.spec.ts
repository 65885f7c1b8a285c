import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { createTestDatabase } from '@quire/testing';
import { createDataSource } from '../data-source';
import { ApiKeyRepository } from './api-key.repository';
import { JobRepository } from './job.repository';
import { OutboxRepository } from './outbox.repository';

describe('JobRepository against PostgreSQL', () => {
  let ds: DataSource;
  let drop: () => Promise<void>;
  let jobs: JobRepository;
  let tenantId: string;

  beforeAll(async () => {
    const db = await createTestDatabase();
    drop = db.drop;
    ds = createDataSource(db.url, { poolSize: 12 });
    await ds.initialize();
    jobs = new JobRepository(ds);
    tenantId = (await new ApiKeyRepository(ds).ensureTenant('acme')).id;
  });
  afterAll(async () => {
    await ds?.destroy();
    await drop?.();
  });

  const newJob = () =>
    jobs.createWithOutbox({
      tenantId,
      type: 'compress',
      params: { preset: 'ebook' },
      inputs: [],
      correlationId: randomUUID(),
    });

  it('migrations match the entities (no drift)', async () => {
    const pending = await ds.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('finishedRates: completed and failed jobs per minute and queue over a window, recent ones only', async () => {
    const none = { completedPerMinute: 0, failedPerMinute: 0 };
    const before = (await jobs.finishedRates(60_000)).get('compression') ?? none;
    const before5 = (await jobs.finishedRates(300_000)).get('compression') ?? none;
    const finish = async (ok: boolean) => {
      const job = await newJob();
      const lease = randomUUID();
      await jobs.claim(job.id, lease, 30_000);
      if (ok) await jobs.complete(job.id, lease, { ok: true });
      else await jobs.fail(job.id, lease, { code: 'PDF_CORRUPT', message: 'broken' });
      return job.id;
    };
    await Promise.all([finish(true), finish(true), finish(false)]);
    const old = await finish(true);
    await ds.query(`UPDATE job SET finished_at = now() - interval '10 minutes' WHERE id = $1`, [old]);
    const after = (await jobs.finishedRates(60_000)).get('compression');
    expect(after).toEqual({
      completedPerMinute: before.completedPerMinute + 2,
      failedPerMinute: before.failedPerMinute + 1,
    });
    // Over five minutes the same jobs are a fifth of the rate.
    expect((await jobs.finishedRates(300_000)).get('compression')?.failedPerMinute).toBeCloseTo(
      before5.failedPerMinute + 1 / 5,
      2,
    );
  });

  it('creates the job, its first event and its outbox row together', async () => {
    const job = await newJob();
    expect(job).toMatchObject({ status: 'pending', queue: 'compression', attempts: 0 });
    expect((await jobs.events(job.id)).map((e) => [e.fromStatus, e.toStatus])).toEqual([[null, 'pending']]);
    expect(await new OutboxRepository(ds).countUnsent()).toBeGreaterThanOrEqual(1);
  });

  it('lets exactly one of many concurrent claims win, and completes once', async () => {
    const job = await newJob();
    const leases = Array.from({ length: 8 }, () => randomUUID());
    const claims = await Promise.all(leases.map((l) => jobs.claim(job.id, l, 30_000)));
    const winners = claims.filter((c) => c !== null);
    expect(winners).toHaveLength(1);
    const lease = winners[0]?.job.leaseId ?? '';
    const others = leases.filter((l) => l !== lease);
    const completions = await Promise.all(
      [lease, ...others].map((l) => jobs.complete(job.id, l, { ok: true })),
    );
    expect(completions.filter((c) => c !== null)).toHaveLength(1);
    expect(await jobs.complete(job.id, lease, { again: true })).toBeNull();
    const events = await jobs.events(job.id);
    expect(events.filter((e) => e.toStatus === 'completed')).toHaveLength(1);
    expect((await jobs.findById(job.id))!.result).toEqual({ ok: true });
  });

  it('takes over a job whose heartbeat is stale and fences the old lease', async () => {
    const job = await newJob();
    const oldLease = randomUUID();
    expect(await jobs.claim(job.id, oldLease, 30_000)).not.toBeNull();
    expect(await jobs.claim(job.id, randomUUID(), 30_000)).toBeNull(); // live worker holds it
    await ds.query(`UPDATE job SET heartbeat_at = now() - interval '1 minute' WHERE id = $1`, [job.id]);
    const newLease = randomUUID();
    const taken = await jobs.claim(job.id, newLease, 30_000);
    expect(taken).toMatchObject({
      takeover: true,
      takeovers: 1,
      job: { status: 'processing', attempts: 2, leaseId: newLease },
    });
    expect(await jobs.heartbeat(job.id, oldLease)).toEqual({ ok: false, cancelRequested: false });
    expect(await jobs.complete(job.id, oldLease, {})).toBeNull();
    expect(await jobs.complete(job.id, newLease, { by: 'new' })).not.toBeNull();
  });

  it('records retrying with next_attempt_at and the last error, then fails', async () => {
    const job = await newJob();
    const l1 = randomUUID();
    await jobs.claim(job.id, l1, 30_000);
    const next = new Date(Date.now() + 60_000);
    const retrying = await jobs.scheduleRetry(job.id, l1, { code: 'TIMEOUT', message: 'slow' }, next);
    expect(retrying).toMatchObject({ status: 'retrying', error: { code: 'TIMEOUT' } });
    expect(retrying!.nextAttemptAt!.getTime()).toBe(next.getTime());
    const l2 = randomUUID();
    expect(await jobs.claim(job.id, l2, 30_000)).toMatchObject({
      takeover: false,
      job: { attempts: 2, error: null },
    });
    const failed = await jobs.fail(job.id, l2, { code: 'PDF_CORRUPT', message: 'the PDF is damaged' });
    expect(failed).toMatchObject({ status: 'failed', error: { message: 'the PDF is damaged' } });
    expect((await jobs.events(job.id)).map((e) => e.toStatus)).toEqual([
      'pending',
      'processing',
      'retrying',
      'processing',
      'failed',
    ]);
  });

  it('cancels pending jobs at once, flags processing ones, and requeues failed ones with a new outbox row', async () => {
    const pending = await newJob();
    expect(await jobs.requestCancel(pending.id, tenantId)).toMatchObject({
      immediate: true,
      job: { status: 'cancelled' },
    });
    const running = await newJob();
    const lease = randomUUID();
    await jobs.claim(running.id, lease, 30_000);
    expect(await jobs.requestCancel(running.id, tenantId)).toMatchObject({
      immediate: false,
      job: { status: 'processing', cancelRequested: true },
    });
    expect(await jobs.heartbeat(running.id, lease)).toEqual({ ok: true, cancelRequested: true });
    expect(await jobs.markCancelled(running.id, lease)).toMatchObject({ status: 'cancelled' });
    expect(await jobs.requestCancel(running.id, randomUUID())).toBeNull();

    // Fair publishing would hold back this tenant's other pending rows; this test is about requeue.
    const outbox = new OutboxRepository(ds, { cap: 1000 });
    await outbox.drain(1000, (rows) => Promise.resolve({ sent: rows.map((r) => r.id) }));
    const again = await jobs.requeue(running.id, tenantId);
    expect(again).toMatchObject({ status: 'pending', cancelRequested: false, error: null });
    expect(await outbox.countUnsent()).toBe(1);
    expect(await jobs.requeue(running.id, tenantId)).toBeNull(); // already pending
    expect(await jobs.deleteFinished(pending.id, tenantId)).toBe(true);
    expect(await jobs.findById(pending.id)).toBeNull();
  });

  /** Unsent outbox rows of a job (the relay would publish them). */
  const unsentFor = async (jobId: string) =>
    (
      await ds.query<Array<{ n: number }>>(
        `SELECT count(*)::int AS n FROM outbox WHERE job_id = $1 AND sent_at IS NULL`,
        [jobId],
      )
    )[0].n;
  const markAllSent = () => ds.query(`UPDATE outbox SET sent_at = now() WHERE sent_at IS NULL`);

  it('recoverStale: a stuck job with attempts left goes back to retrying and is queued again; a live one is left alone', async () => {
    const job = await newJob();
    const lease = randomUUID();
    await jobs.claim(job.id, lease, 30_000);
    await markAllSent();
    // Its heartbeat is fresh: a live worker holds it.
    expect(await jobs.recoverStale(job.id, { staleAfterMs: 60_000, maxAttempts: 4 })).toBeNull();
    await ds.query(`UPDATE job SET heartbeat_at = now() - interval '10 minutes' WHERE id = $1`, [job.id]);
    const recovered = await jobs.recoverStale(job.id, { staleAfterMs: 60_000, maxAttempts: 4 });
    expect(recovered).toMatchObject({
      outcome: 'retrying',
      job: {
        status: 'retrying',
        leaseId: null,
        attempts: 1,
        error: { code: 'WORKER_LOST', message: 'worker stopped responding during attempt 1 of 4; retrying' },
      },
    });
    expect(await unsentFor(job.id)).toBe(1);
    const events = await jobs.events(job.id);
    expect(events.at(-1)).toMatchObject({
      fromStatus: 'processing',
      toStatus: 'retrying',
      attempt: 1,
      leaseId: lease,
      error: { code: 'WORKER_LOST' },
    });
    // Not stale any more: a second sweep does nothing; the old lease is fenced; a worker claims it again.
    expect(await jobs.recoverStale(job.id, { staleAfterMs: 60_000, maxAttempts: 4 })).toBeNull();
    expect(await jobs.complete(job.id, lease, {})).toBeNull();
    expect(await jobs.claim(job.id, randomUUID(), 30_000)).toMatchObject({ job: { attempts: 2 } });
  });

  it('recoverStale: after the last attempt the job fails with a readable reason; a requested cancel wins', async () => {
    const last = await newJob();
    await jobs.claim(last.id, randomUUID(), 30_000);
    await ds.query(
      `UPDATE job SET attempts = 3, heartbeat_at = now() - interval '10 minutes' WHERE id = $1`,
      [last.id],
    );
    await markAllSent();
    expect(await jobs.recoverStale(last.id, { staleAfterMs: 60_000, maxAttempts: 3 })).toMatchObject({
      outcome: 'failed',
      job: {
        status: 'failed',
        error: { code: 'WORKER_LOST', message: 'worker stopped responding during attempt 3 of 3' },
      },
    });
    expect((await jobs.findById(last.id))!.finishedAt).toBeInstanceOf(Date);
    expect(await unsentFor(last.id)).toBe(0);

    const cancelled = await newJob();
    await jobs.claim(cancelled.id, randomUUID(), 30_000);
    await jobs.requestCancel(cancelled.id, tenantId);
    await ds.query(`UPDATE job SET heartbeat_at = now() - interval '10 minutes' WHERE id = $1`, [
      cancelled.id,
    ]);
    expect(await jobs.recoverStale(cancelled.id, { staleAfterMs: 60_000, maxAttempts: 4 })).toMatchObject({
      outcome: 'cancelled',
      job: { status: 'cancelled', error: { code: 'CANCELLED' } },
    });
    expect((await jobs.events(cancelled.id)).map((e) => e.toStatus)).toEqual([
      'pending',
      'processing',
      'cancelled',
    ]);
  });

  it('republish queues a pending or retrying job’s message again, and nothing else', async () => {
    const pending = await newJob();
    await markAllSent();
    expect(await jobs.republish(pending.id)).toMatchObject({ id: pending.id, status: 'pending' });
    expect(await unsentFor(pending.id)).toBe(1);
    const running = await newJob();
    await jobs.claim(running.id, randomUUID(), 30_000);
    await markAllSent();
    expect(await jobs.republish(running.id)).toBeNull();
    expect(await unsentFor(running.id)).toBe(0);
    expect((await jobs.events(pending.id)).map((e) => e.toStatus)).toEqual(['pending']);
    const byId = await jobs.findByIds([pending.id, running.id, randomUUID(), 'not-a-uuid']);
    expect([...byId.keys()].sort()).toEqual([pending.id, running.id].sort());
  });

  it('lists a tenant’s jobs newest first with a cursor, never another tenant’s', async () => {
    const other = (await new ApiKeyRepository(ds).ensureTenant('other')).id;
    await jobs.createWithOutbox({
      tenantId: other,
      type: 'compress',
      params: {},
      inputs: [],
      correlationId: 'x',
    });
    const all: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await jobs.listForTenant(tenantId, { limit: 2, ...(cursor ? { cursor } : {}) });
      all.push(...page.jobs.map((j) => j.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    const rows = await ds.query<Array<{ id: string }>>(
      `SELECT id FROM job WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC`,
      [tenantId],
    );
    expect(all).toEqual(rows.map((r) => r.id));
    expect(await jobs.findForTenant(all[0], other)).toBeNull();
  });

  it('pages through jobs created within one millisecond without skipping any (the cursor keeps microseconds)', async () => {
    const tenant = (await new ApiKeyRepository(ds).ensureTenant('same-millisecond')).id;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const job = await jobs.createWithOutbox({
        tenantId: tenant,
        type: 'compress',
        params: {},
        inputs: [],
        correlationId: randomUUID(),
      });
      ids.push(job.id);
      await ds.query(
        `UPDATE job SET created_at = timestamptz '2026-01-01 00:00:00.123+00' + make_interval(secs => $2::double precision / 1e6) WHERE id = $1`,
        [job.id, i * 10],
      );
    }
    const listed: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await jobs.listForTenant(tenant, { limit: 2, ...(cursor ? { cursor } : {}) });
      listed.push(...page.jobs.map((j) => j.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(listed).toEqual([...ids].reverse());
  });

  it('scopes reads and lists to the submitting person when asked, tenant-wide otherwise', async () => {
    const scoped = (await new ApiKeyRepository(ds).ensureTenant('people')).id;
    const submit = (submittedBy?: string) =>
      jobs.createWithOutbox({
        tenantId: scoped,
        type: 'compress',
        params: {},
        inputs: [],
        correlationId: randomUUID(),
        ...(submittedBy ? { submittedBy } : {}),
      });
    const alice = await submit('alice');
    const bob = await submit('bob');
    const byKey = await submit();
    expect(alice.submittedBy).toBe('alice');
    expect(byKey.submittedBy).toBeNull();
    const ids = async (submittedBy?: string) =>
      (await jobs.listForTenant(scoped, { limit: 10, ...(submittedBy ? { submittedBy } : {}) })).jobs
        .map((j) => j.id)
        .sort();
    expect(await ids('alice')).toEqual([alice.id]);
    expect(await ids('bob')).toEqual([bob.id]);
    expect(await ids()).toEqual([alice.id, bob.id, byKey.id].sort());
    expect(await jobs.findForTenant(alice.id, scoped, 'alice')).toMatchObject({ id: alice.id });
    expect(await jobs.findForTenant(alice.id, scoped, 'bob')).toBeNull();
    expect(await jobs.findForTenant(byKey.id, scoped, 'bob')).toBeNull();
    expect(await jobs.findForTenant(bob.id, scoped)).toMatchObject({ id: bob.id });
  });

  it('hands each outbox row to exactly one of two concurrent relays', async () => {
    // No fairness cap here (outbox.repository.int.spec.ts covers it): every row must go out exactly once.
    const outbox = new OutboxRepository(ds, { cap: 1000 });
    await Promise.all(Array.from({ length: 10 }, () => newJob()));
    const seen: string[] = [];
    const relay = () =>
      outbox.drain(1000, async (rows) => {
        await new Promise((r) => setTimeout(r, 50));
        seen.push(...rows.map((r) => r.id));
        return { sent: rows.map((r) => r.id) };
      });
    await Promise.all([relay(), relay()]);
    expect(new Set(seen).size).toBe(seen.length);
    expect(await outbox.countUnsent()).toBe(0);
  });

  it('fan-out: a failed chunk fails its parent once with its reason and cancels the rest; retry starts afresh', async () => {
    const parent = await newJob();
    const lease = randomUUID();
    await jobs.claim(parent.id, lease, 30_000);
    const chunks = (await jobs.fanOut(parent.id, lease, [
      { index: 0, first: 1, last: 50 },
      { index: 1, first: 51, last: 100 },
      { index: 2, first: 101, last: 120 },
    ]))!;
    expect(await jobs.fanOut(parent.id, lease, [{ index: 0, first: 1, last: 1 }])).toBeNull();
    const [c0, c1, c2] = chunks;
    const l0 = randomUUID();
    await jobs.claim(c0.id, l0, 30_000);
    await jobs.complete(c0.id, l0, { ok: true });
    expect((await jobs.findById(parent.id))!.progress).toMatchObject({ current: 1, total: 3 });
    const l1 = randomUUID();
    await jobs.claim(c1.id, l1, 30_000);
    await jobs.fail(c1.id, l1, { code: 'CORRUPT_PDF', message: 'the PDF is damaged' });
    const failed = (await jobs.findById(parent.id))!;
    expect([failed.status, failed.error]).toEqual([
      'failed',
      { code: 'CORRUPT_PDF', message: 'pages 51–100: the PDF is damaged' },
    ]);
    expect((await jobs.findById(c2.id))!.status).toBe('cancelled');
    expect((await jobs.events(parent.id)).filter((e) => e.toStatus === 'failed')).toHaveLength(1);
    const again = (await jobs.requeue(parent.id))!;
    expect([again.status, again.chunksTotal]).toEqual(['pending', null]);
    expect(await jobs.chunksOf(parent.id)).toEqual([]);
  });

  it('fan-out: the last chunk to complete queues the parent for its merge, once', async () => {
    const parent = await newJob();
    const lease = randomUUID();
    await jobs.claim(parent.id, lease, 30_000);
    const chunks = (await jobs.fanOut(parent.id, lease, [
      { index: 0, first: 1, last: 2 },
      { index: 1, first: 3, last: 3 },
    ]))!;
    const leases = chunks.map(() => randomUUID());
    await Promise.all(chunks.map((c, i) => jobs.claim(c.id, leases[i], 30_000)));
    await Promise.all(chunks.map((c, i) => jobs.complete(c.id, leases[i], { ok: i })));
    const waiting = (await jobs.findById(parent.id))!;
    expect([waiting.status, waiting.leaseId, waiting.progress.stage]).toEqual(['pending', null, 'merge']);
    const events = (await jobs.events(parent.id)).map((e) => [e.fromStatus, e.toStatus]);
    expect(events.filter(([from, to]) => from === 'processing' && to === 'pending')).toHaveLength(1);
  });
});
