import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdvisoryLock, createDataSource, MaintenanceRepository } from '@quire/job-model';
import { createLogger } from '@quire/logging';
import { createTestDatabase, type TestDatabase } from '@quire/testing';
import { MaintenanceScheduler, type TickOutcome } from './scheduler';

const logger = createLogger('scheduler-int', 'error', { silent: true });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('scheduler: leader-elected with a PostgreSQL advisory lock', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let repo: MaintenanceRepository;

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = createDataSource(db.url, { poolSize: 6 });
    await ds.initialize();
    repo = new MaintenanceRepository(ds);
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  /** A replica: its own lock session, the real job creation through the outbox, a per-second schedule. */
  function replica(name: string, ticks: Array<{ replica: string; outcome: TickOutcome }>) {
    return new MaintenanceScheduler({
      schedules: [{ task: 'health-check', pattern: '* * * * * *' }],
      lock: new AdvisoryLock({
        databaseUrl: db.url,
        name: 'quire:maintenance-scheduler',
        applicationName: `sched-${name}`,
      }),
      createJob: async (task, idempotencyKey) => {
        const { job, created } = await repo.createSystemJob({
          type: task,
          params: {},
          correlationId: idempotencyKey,
          idempotencyKey,
        });
        return { jobId: job.id, created };
      },
      logger,
      leaderRetryMs: 200,
      onTick: (_task, outcome) => ticks.push({ replica: name, outcome }),
    });
  }

  async function scheduledJobs(): Promise<Array<{ key: string; n: number; outbox: number }>> {
    return ds.query(
      `SELECT j.idempotency_key AS key, count(*)::int AS n, (SELECT count(*)::int FROM outbox o WHERE o.job_id = min(j.id::text)::uuid) AS outbox
         FROM job j WHERE j.idempotency_key LIKE 'schedule:health-check:%' GROUP BY j.idempotency_key ORDER BY 1`,
    );
  }

  it('two replicas at once fire each tick exactly once; the other takes over when the leader stops or loses its session', async () => {
    const ticks: Array<{ replica: string; outcome: TickOutcome }> = [];
    const a = replica('a', ticks);
    const b = replica('b', ticks);
    await Promise.all([a.start(), b.start()]);
    expect([a.isLeader, b.isLeader].filter(Boolean)).toHaveLength(1);
    const leaderName = a.isLeader ? 'a' : 'b';

    await sleep(3_300);
    const firstRound = await scheduledJobs();
    expect(firstRound.length).toBeGreaterThanOrEqual(3);
    expect(firstRound.every((r) => r.n === 1 && r.outbox === 1)).toBe(true);
    // Only the leader acted on the ticks, and never found a tick already taken.
    expect(new Set(ticks.map((t) => t.replica))).toEqual(new Set([leaderName]));
    expect(ticks.filter((t) => t.outcome === 'fired')).toHaveLength(firstRound.length);
    // Tick keys are the scheduled whole seconds (a tick is only skipped if the event loop stalls past the next one).
    const seconds = firstRound.map((r) => Date.parse(r.key.split('health-check:')[1]) / 1000);
    expect(seconds.every((s, i) => Number.isInteger(s) && (i === 0 || s > seconds[i - 1]))).toBe(true);

    // The leader's session is killed behind its back (e.g. a network partition, a failover of the database): its
    // lock is gone. Whoever takes it next leads (the old leader may win it back with a new session); never both.
    await ds.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, [
      `sched-${leaderName}`,
    ]);
    await sleep(1_500);
    expect([a.isLeader, b.isLeader].filter(Boolean)).toHaveLength(1);

    // Clean stop of the leader: the other replica takes over within a retry interval and keeps firing.
    const [current, standby] = a.isLeader ? [a, b] : [b, a];
    await current.close();
    const deadline = Date.now() + 3_000;
    while (!standby.isLeader && Date.now() < deadline) await sleep(50);
    expect(standby.isLeader).toBe(true);
    await sleep(2_100);
    await standby.close();

    const all = await scheduledJobs();
    expect(all.length).toBeGreaterThan(firstRound.length + 2);
    expect(all.every((r) => r.n === 1 && r.outbox === 1)).toBe(true);
    expect(ticks.filter((t) => t.outcome === 'duplicate' || t.outcome === 'error')).toEqual([]);
    expect(ticks.filter((t) => t.outcome === 'fired')).toHaveLength(all.length);
    expect(new Set(ticks.filter((t) => t.outcome === 'fired').map((t) => t.replica))).toEqual(
      new Set(['a', 'b']),
    );
  });

  it('the lock is released on close and held by one session at a time', async () => {
    const one = new AdvisoryLock({ databaseUrl: db.url, name: 'quire:test-lock' });
    const two = new AdvisoryLock({ databaseUrl: db.url, name: 'quire:test-lock' });
    const other = new AdvisoryLock({ databaseUrl: db.url, name: 'quire:other-lock' });
    try {
      expect(await one.tryAcquire()).toBe(true);
      expect(await two.tryAcquire()).toBe(false);
      expect(await other.tryAcquire()).toBe(true);
      expect(await one.tryAcquire()).toBe(true); // re-check by the holder
      expect(await one.verify()).toBe(true);
      await one.release();
      expect(one.held).toBe(false);
      expect(await two.tryAcquire()).toBe(true);
    } finally {
      await Promise.all([one.release(), two.release(), other.release()]);
    }
  });
});
