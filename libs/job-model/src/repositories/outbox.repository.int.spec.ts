/**
 * Fair publishing against a real PostgreSQL (docs/architecture.md §11 (tenancy and fair sharing)): the relay's drain
 * interleaves tenants, holds each tenant's unclaimed messages per queue to the cap (also with two relays at once),
 * is woken when a slot frees, and loses no row.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { createTestDatabase } from '@quire/testing';
import { createDataSource } from '../data-source';
import { ApiKeyRepository } from './api-key.repository';
import { JobRepository } from './job.repository';
import { OutboxRepository, type OutboxMessage } from './outbox.repository';
import { OutboxWakeup } from './outbox-wakeup';

describe('OutboxRepository fair publishing against PostgreSQL', () => {
  let ds: DataSource;
  let url: string;
  let drop: () => Promise<void>;
  let jobs: JobRepository;
  let keys: ApiKeyRepository;

  beforeAll(async () => {
    const db = await createTestDatabase();
    drop = db.drop;
    url = db.url;
    ds = createDataSource(db.url, { poolSize: 12 });
    await ds.initialize();
    jobs = new JobRepository(ds);
    keys = new ApiKeyRepository(ds);
  });
  afterAll(async () => {
    await ds?.destroy();
    await drop?.();
  });

  /** Every test starts from an empty outbox (rows of earlier tests are marked sent). */
  const clean = () =>
    ds.query(`UPDATE job SET status = 'completed' WHERE status IN ('pending', 'retrying', 'processing')`);

  const tenant = async (name: string) => (await keys.ensureTenant(`${name}-${randomUUID()}`)).id;
  const submit = (tenantId: string, type: 'compress' | 'ocr' = 'compress') =>
    jobs.createWithOutbox({ tenantId, type, params: {}, inputs: [], correlationId: randomUUID() });

  /** Drains once, "publishing" everything admitted; returns the published rows in order. */
  const drainOnce = async (outbox: OutboxRepository, limit = 100) => {
    const published: OutboxMessage[] = [];
    await outbox.drain(limit, (rows) => {
      published.push(...rows);
      return Promise.resolve({ sent: rows.map((r) => r.id) });
    });
    return published;
  };

  it('interleaves the tenants of a queue instead of publishing one tenant backlog first', async () => {
    await clean();
    const [a, b, c] = await Promise.all([tenant('a'), tenant('b'), tenant('c')]);
    const owner = new Map<string, string>();
    for (const [t, n] of [
      [a, 5],
      [b, 2],
      [c, 1],
    ] as const)
      for (let i = 0; i < n; i++) owner.set((await submit(t)).id, t === a ? 'a' : t === b ? 'b' : 'c');
    // A cap high enough to admit everything: only the order is under test.
    const published = await drainOnce(new OutboxRepository(ds, { cap: 100 }));
    expect(published.map((m) => owner.get(m.jobId))).toEqual(['a', 'b', 'c', 'a', 'b', 'a', 'a', 'a']);
  });

  it('holds each tenant to the cap of unclaimed messages per queue, and publishes the next when one is claimed', async () => {
    await clean();
    const [flood, quiet] = await Promise.all([tenant('flood'), tenant('quiet')]);
    const floodJobs = [];
    for (let i = 0; i < 6; i++) floodJobs.push(await submit(flood));
    const outbox = new OutboxRepository(ds, { cap: 2 });

    const first = await drainOnce(outbox);
    expect(first.map((m) => m.jobId)).toEqual([floodJobs[0].id, floodJobs[1].id]);
    expect(await drainOnce(outbox)).toEqual([]); // the cap is full: the rest waits in the outbox

    // Another tenant is not held back by the flood, and another queue of the flooding tenant neither.
    const quietJob = await submit(quiet);
    const floodOcr = await submit(flood, 'ocr');
    expect((await drainOnce(outbox)).map((m) => m.jobId).sort()).toEqual([quietJob.id, floodOcr.id].sort());

    // Held-back jobs are plain `pending` jobs.
    expect(await jobs.findById(floodJobs[5].id)).toMatchObject({ status: 'pending' });

    // A worker claims one: exactly one slot frees.
    expect(await jobs.claim(floodJobs[0].id, randomUUID(), 30_000)).not.toBeNull();
    expect((await drainOnce(outbox)).map((m) => m.jobId)).toEqual([floodJobs[2].id]);
    expect(await drainOnce(outbox)).toEqual([]);

    // A per-queue override widens the cap of that queue only.
    const wider = new OutboxRepository(ds, { cap: 2, capByQueue: { compression: 4 } });
    expect((await drainOnce(wider)).map((m) => m.jobId)).toEqual([floodJobs[3].id, floodJobs[4].id]);
  });

  it('counts a due retry as unclaimed, not one still waiting out its delay', async () => {
    await clean();
    const t = await tenant('retry');
    const outbox = new OutboxRepository(ds, { cap: 1 });
    const retried = await submit(t);
    await drainOnce(outbox);
    const lease = randomUUID();
    await jobs.claim(retried.id, lease, 30_000);
    // The worker put the message in a retry queue for a minute: the slot is free meanwhile.
    await jobs.scheduleRetry(retried.id, lease, { code: 'X', message: 'x' }, new Date(Date.now() + 60_000));
    const next = await submit(t);
    expect((await drainOnce(outbox)).map((m) => m.jobId)).toEqual([next.id]);
    // Once due, the retry's message is back in the queue and counts.
    await jobs.claim(next.id, randomUUID(), 30_000);
    await ds.query(`UPDATE job SET next_attempt_at = now() - interval '1 second' WHERE id = $1`, [
      retried.id,
    ]);
    const third = await submit(t);
    expect(await drainOnce(outbox)).toEqual([]);
    await jobs.claim(retried.id, randomUUID(), 30_000);
    expect((await drainOnce(outbox)).map((m) => m.jobId)).toEqual([third.id]);
  });

  it('drops the message of a job cancelled while held back, without spending a slot', async () => {
    await clean();
    const t = await tenant('cancel');
    const outbox = new OutboxRepository(ds, { cap: 1 });
    const [j1, j2, j3] = [await submit(t), await submit(t), await submit(t)];
    expect((await drainOnce(outbox)).map((m) => m.jobId)).toEqual([j1.id]);
    expect(await jobs.requestCancel(j2.id, t)).toMatchObject({
      immediate: true,
      job: { status: 'cancelled' },
    });
    await jobs.claim(j1.id, randomUUID(), 30_000);
    expect((await drainOnce(outbox)).map((m) => m.jobId)).toEqual([j3.id]);
    const unsent = await ds.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM outbox WHERE job_id = $1 AND sent_at IS NULL`,
      [j2.id],
    );
    expect(unsent[0].n).toBe(0);
  });

  it('keeps deferring an unroutable row without holding back the tenant rows of other queues', async () => {
    await clean();
    const t = await tenant('defer');
    const outbox = new OutboxRepository(ds, { cap: 1 });
    const lost = await submit(t);
    await ds.query(`UPDATE outbox SET routing_key = 'not-deployed' WHERE job_id = $1`, [lost.id]);
    const ok = await submit(t, 'ocr');
    const seen: string[] = [];
    await outbox.drain(100, (rows) => {
      seen.push(...rows.map((r) => r.jobId));
      return Promise.resolve({
        sent: rows.filter((r) => r.jobId !== lost.id).map((r) => r.id),
        deferred: rows.filter((r) => r.jobId === lost.id).map((r) => r.id),
      });
    });
    expect(seen.sort()).toEqual([lost.id, ok.id].sort());
    expect(await drainOnce(outbox)).toEqual([]); // deferred: not handed out again yet
    const row = await ds.query<Array<{ not_before: Date | null }>>(
      `SELECT not_before FROM outbox WHERE job_id = $1`,
      [lost.id],
    );
    expect(row[0].not_before).not.toBeNull();
  });

  it('with two relays and a worker claiming meanwhile: the cap holds, and every job is published exactly once', async () => {
    await clean();
    const cap = 2;
    const tenants = await Promise.all(Array.from({ length: 4 }, (_, i) => tenant(`many${i}`)));
    const tenantOf = new Map<string, string>();
    for (let i = 0; i < 10; i++)
      for (const t of tenants) {
        const job = await submit(t);
        tenantOf.set(job.id, t);
      }
    // A second process's pool: its transactions and locks are its own.
    const other = createDataSource(url, { poolSize: 4 });
    await other.initialize();
    try {
      const relays = [new OutboxRepository(ds, { cap }), new OutboxRepository(other, { cap })];
      const published: string[] = [];
      const unclaimed = new Map<string, Set<string>>(tenants.map((t) => [t, new Set<string>()]));
      let worst = 0;
      let running = true;
      const relayLoop = async (outbox: OutboxRepository) => {
        while (running) {
          await outbox.drain(3, async (rows) => {
            for (const r of rows) {
              const waiting = unclaimed.get(tenantOf.get(r.jobId)!)!;
              waiting.add(r.jobId);
              worst = Math.max(worst, waiting.size);
              published.push(r.jobId);
            }
            await new Promise((res) => setTimeout(res, 5)); // publisher confirms take time
            return { sent: rows.map((r) => r.id) };
          });
          await new Promise((res) => setTimeout(res, 1));
        }
      };
      const worker = async () => {
        try {
          await claimAll();
        } finally {
          running = false;
        }
      };
      const claimAll = async () => {
        while (published.length < tenantOf.size || [...unclaimed.values()].some((s) => s.size > 0)) {
          const next = [...unclaimed.values()].flatMap((s) => [...s])[0];
          if (!next) {
            await new Promise((res) => setTimeout(res, 2));
            continue;
          }
          // Counted as claimed before the claim commits, so the check below can only under-count.
          unclaimed.get(tenantOf.get(next)!)!.delete(next);
          expect(await jobs.claim(next, randomUUID(), 30_000)).not.toBeNull();
        }
      };
      await Promise.all([relayLoop(relays[0]), relayLoop(relays[1]), worker()]);
      expect(worst).toBeLessThanOrEqual(cap);
      expect(published.length).toBe(tenantOf.size);
      expect(new Set(published).size).toBe(tenantOf.size);
      // None of this test's rows is left behind (an earlier test's deferred row may still wait for its time).
      const left = await ds.query<Array<{ n: number }>>(
        `SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL AND job_id = ANY($1::uuid[])`,
        [[...tenantOf.keys()]],
      );
      expect(left[0]?.n).toBe(0);
    } finally {
      await other.destroy();
    }
  }, 60_000);

  it('with a dispatch window, publishes only into a free worker slot, and a newcomer goes before the busy tenant', async () => {
    await clean();
    const [flood, quiet] = await Promise.all([tenant('wflood'), tenant('wquiet')]);
    const floodJobs = [];
    for (let i = 0; i < 4; i++) floodJobs.push(await submit(flood));
    const outbox = new OutboxRepository(ds, { cap: 3, windowByQueue: { compression: 1 } });
    expect((await drainOnce(outbox)).map((m) => m.jobId)).toEqual([floodJobs[0].id]);
    const lease = randomUUID();
    await jobs.claim(floodJobs[0].id, lease, 30_000);
    // The one worker slot is running the flood's job: nothing more goes to the broker, the newcomer waits too.
    const quietJob = await submit(quiet);
    expect(await drainOnce(outbox)).toEqual([]);
    // The slot frees: the newcomer goes first, although the flood's next job is older.
    await jobs.complete(floodJobs[0].id, lease, {});
    expect((await drainOnce(outbox)).map((m) => m.jobId)).toEqual([quietJob.id]);
    expect(await drainOnce(outbox)).toEqual([]);
  });

  it('takes turns between equally served tenants across relay passes', async () => {
    await clean();
    const [a, b] = await Promise.all([tenant('turn-a'), tenant('turn-b')]);
    const owner = new Map<string, string>();
    for (let i = 0; i < 3; i++) owner.set((await submit(a)).id, 'a');
    for (let i = 0; i < 3; i++) owner.set((await submit(b)).id, 'b');
    const outbox = new OutboxRepository(ds, { cap: 1, windowByQueue: { compression: 1 } });
    const order: string[] = [];
    for (let i = 0; i < 6; i++) {
      const [m] = await drainOnce(outbox);
      order.push(owner.get(m.jobId)!);
      const lease = randomUUID();
      await jobs.claim(m.jobId, lease, 30_000);
      await jobs.complete(m.jobId, lease, {});
    }
    expect(order).toEqual(['a', 'b', 'a', 'b', 'a', 'b']);
  });

  it('wakes every listening relay when a job is claimed', async () => {
    await clean();
    const t = await tenant('wake');
    const job = await submit(t);
    const wakes: number[] = [];
    const listeners = [0, 1].map(
      (i) => new OutboxWakeup({ databaseUrl: url, onWake: () => wakes.push(i), retryMs: 100 }),
    );
    await Promise.all(listeners.map((l) => l.start()));
    try {
      wakes.length = 0; // each wakes once on connecting
      await jobs.claim(job.id, randomUUID(), 30_000);
      const deadline = Date.now() + 5_000;
      while (wakes.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(wakes.sort()).toEqual([0, 1]);
      // A heartbeat or progress write is not a freed slot.
      wakes.length = 0;
      await ds.query(`UPDATE job SET heartbeat_at = now() WHERE id = $1`, [job.id]);
      await new Promise((r) => setTimeout(r, 200));
      expect(wakes).toEqual([]);
    } finally {
      await Promise.all(listeners.map((l) => l.close()));
    }
  });
});
