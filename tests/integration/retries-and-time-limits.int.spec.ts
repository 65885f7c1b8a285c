/**
 * A real worker process (tests/integration/fixtures/scripted-worker.ts: the worker runtime every app uses, with a
 * small policy: retry tiers 300/600 ms, 3 attempts, soft/hard limits 2/4 s) against the real broker and database:
 * - a retryable failure goes down the retry tiers (`compression.retry.300ms`, then `compression.retry.600ms`), ends
 *   `failed` after the last attempt, and its message rests in `compression.dlq`; job_event shows every attempt;
 * - a handler that honours the soft-limit abort ends at the soft limit with TIMEOUT ("timed out after 2 s") and is
 *   retried;
 * - a handler that ignores it is ended at the hard limit with TIMEOUT ("hard time limit of 4 s exceeded") and is
 *   retried too, while the worker goes on consuming.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import amqp from 'amqplib';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyRepository, createDataSource, JobRepository, type JobEventEntity } from '@quire/job-model';
import { ATTEMPT_HEADER, REASON_HEADER, topologyNames } from '@quire/messaging';
import { createTestEnvironment, startApp, type StartedApp, type TestEnvironment } from '@quire/testing';
import { scriptedPolicy, type ScriptedBehaviour } from './fixtures/scripted-policy';

const SOFT_MS = scriptedPolicy.softTimeLimitMs;
const HARD_MS = scriptedPolicy.hardTimeLimitMs;
const [TIER_1, TIER_2] = scriptedPolicy.retryDelaysMs as [number, number];
const TIER_1_QUEUE = topologyNames.retryQueue('compression', TIER_1);
const TIER_2_QUEUE = topologyNames.retryQueue('compression', TIER_2);

let env: TestEnvironment;
let work: string;
let worker: StartedApp;
let ds: DataSource;
let jobs: JobRepository;
const ids = {} as Record<ScriptedBehaviour, string>;
const dead = new Map<string, amqp.GetMessage>();

async function submit(behaviour: ScriptedBehaviour, tenantId: string, ch: amqp.Channel): Promise<string> {
  const correlationId = `${behaviour}:${randomUUID()}`;
  const job = await jobs.createWithOutbox({
    tenantId,
    type: 'compress',
    params: {},
    inputs: [],
    correlationId,
  });
  ch.publish(
    topologyNames.jobsExchange,
    'compression',
    Buffer.from(JSON.stringify({ jobId: job.id, type: 'compress', correlationId })),
    { persistent: true, messageId: `m-${job.id}`, contentType: 'application/json' },
  );
  return job.id;
}

/** The attempt-level history: each claim and how it ended (creation and outbox rows left out). */
async function history(jobId: string) {
  const events: JobEventEntity[] = await jobs.events(jobId);
  return events
    .filter((e) => e.fromStatus !== null)
    .map((e) => ({ to: e.toStatus, attempt: e.attempt, code: e.error?.code ?? null, at: e.at.getTime() }));
}

/** Milliseconds from the claim of `attempt` to the event that ended it. */
async function attemptDuration(jobId: string, attempt: number): Promise<number> {
  const h = await history(jobId);
  const start = h.find((e) => e.to === 'processing' && e.attempt === attempt)!;
  const end = h.find((e) => e.to !== 'processing' && e.at >= start.at && e.attempt >= attempt)!;
  return end.at - start.at;
}

/** Messages published into a queue, per the management API (its statistics lag a few seconds). */
async function publishedInto(queue: string): Promise<number> {
  const { vhost, managementUrl, user, password } = env.vhost;
  const res = await fetch(
    `${managementUrl}/api/queues/${encodeURIComponent(vhost)}/${encodeURIComponent(queue)}`,
    { headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` } },
  );
  if (!res.ok) return 0;
  const body = (await res.json()) as { message_stats?: { publish?: number } };
  return body.message_stats?.publish ?? 0;
}

beforeAll(async () => {
  env = await createTestEnvironment();
  work = await mkdtemp(path.join(os.tmpdir(), 'quire-retries-'));
  worker = await startApp(
    'scripted-worker',
    {
      ...env.env,
      QUIRE_TEMP_DIR: path.join(work, 'tmp'),
      QUIRE_HEARTBEAT_MS: '300',
      QUIRE_STALE_AFTER_MS: '10000',
      LOG_LEVEL: 'info',
    },
    { entry: 'tests/integration/fixtures/scripted-worker.ts' },
  );
  ds = createDataSource(env.database.url, { poolSize: 3 });
  await ds.initialize();
  jobs = new JobRepository(ds);
  const tenant = await new ApiKeyRepository(ds).ensureTenant('retries');

  const conn = await amqp.connect(env.vhost.amqpUrl);
  try {
    const ch = await conn.createConfirmChannel();
    for (const behaviour of ['dependency-down', 'honour-abort', 'ignore-abort'] as const)
      ids[behaviour] = await submit(behaviour, tenant.id, ch);
    await ch.waitForConfirms();

    // Every job ends `failed` within its three attempts: at most 3 × hard limit + both tiers, plus slack.
    const deadline = Date.now() + 3 * HARD_MS + TIER_1 + TIER_2 + 30_000;
    for (const id of Object.values(ids)) {
      for (;;) {
        const job = await jobs.findById(id);
        if (job?.status === 'failed') break;
        if (Date.now() > deadline)
          throw new Error(`job ${id} still ${job?.status}; worker output:\n${worker.output().slice(-4000)}`);
        await sleep(200);
      }
    }
    // The dead-letter queue, drained into a map by job id.
    await sleep(300);
    for (let msg = await ch.get(topologyNames.deadLetterQueue('compression'), { noAck: true }); msg;) {
      dead.set((JSON.parse(msg.content.toString('utf8')) as { jobId: string }).jobId, msg);
      msg = await ch.get(topologyNames.deadLetterQueue('compression'), { noAck: true });
    }
  } finally {
    await conn.close();
  }
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await ds?.destroy();
  await env?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

/** Every attempt in job_event: claimed, then retried (1, 2) or failed (3), all with `code`. */
function attemptsEndingIn(code: string) {
  return [
    { to: 'processing', attempt: 1, code: null },
    { to: 'retrying', attempt: 1, code },
    { to: 'processing', attempt: 2, code: null },
    { to: 'retrying', attempt: 2, code },
    { to: 'processing', attempt: 3, code: null },
    { to: 'failed', attempt: 3, code },
  ];
}

describe('a retryable failure in a real worker', () => {
  it('goes through both retry tiers, fails after the last attempt and is dead-lettered', async () => {
    const id = ids['dependency-down'];
    const job = await jobs.findById(id);
    expect(job).toMatchObject({ status: 'failed', attempts: 3 });
    expect(job?.error?.code).toBe('DEPENDENCY_UNAVAILABLE');
    expect(job?.error?.message).toMatch(/unavailable \(gave up after 3 attempts\)/);

    const h = await history(id);
    expect(h.map(({ to, attempt, code }) => ({ to, attempt, code }))).toEqual(
      attemptsEndingIn('DEPENDENCY_UNAVAILABLE'),
    );
    // Each retry waited out its tier (±10 % jitter) before the next claim.
    expect(h[2].at - h[1].at).toBeGreaterThanOrEqual(TIER_1 * 0.9 - 50);
    expect(h[4].at - h[3].at).toBeGreaterThanOrEqual(TIER_2 * 0.9 - 50);

    const message = dead.get(id);
    expect(message).toBeDefined();
    expect(message?.properties.headers?.[ATTEMPT_HEADER]).toBe(3);
    expect(String(message?.properties.headers?.[REASON_HEADER])).toMatch(/gave up after 3 attempts/);
  });

  it('the messages really passed through the retry tier queues', async () => {
    // Every job here is retried twice: once through each tier. The broker's statistics lag a few seconds.
    const deadline = Date.now() + 20_000;
    let counts = { tier1: 0, tier2: 0 };
    while (Date.now() < deadline) {
      counts = { tier1: await publishedInto(TIER_1_QUEUE), tier2: await publishedInto(TIER_2_QUEUE) };
      if (counts.tier1 >= 3 && counts.tier2 >= 3) break;
      await sleep(1_000);
    }
    expect(counts).toEqual({ tier1: 3, tier2: 3 });
  });
});

describe("the consumer's time limits", () => {
  it('a handler that honours the soft-limit abort ends at the soft limit with TIMEOUT, and is retried', async () => {
    const id = ids['honour-abort'];
    const h = await history(id);
    expect(h.map(({ to, attempt, code }) => ({ to, attempt, code }))).toEqual(attemptsEndingIn('TIMEOUT'));
    const events = await jobs.events(id);
    expect(events.find((e) => e.toStatus === 'retrying')?.error?.message).toBe(
      `timed out after ${SOFT_MS / 1000} s`,
    );
    const duration = await attemptDuration(id, 1);
    expect(duration).toBeGreaterThanOrEqual(SOFT_MS - 100);
    expect(duration).toBeLessThan(HARD_MS - 500);
    expect(dead.has(id)).toBe(true);
  });

  it('a handler that ignores it is ended at the hard limit with TIMEOUT, and the worker goes on', async () => {
    const id = ids['ignore-abort'];
    const h = await history(id);
    expect(h.map(({ to, attempt, code }) => ({ to, attempt, code }))).toEqual(attemptsEndingIn('TIMEOUT'));
    const events = await jobs.events(id);
    expect(events.find((e) => e.toStatus === 'retrying')?.error?.message).toBe(
      `hard time limit of ${HARD_MS / 1000} s exceeded`,
    );
    for (const attempt of [1, 2, 3]) {
      const duration = await attemptDuration(id, attempt);
      expect(duration).toBeGreaterThanOrEqual(HARD_MS - 100);
      expect(duration).toBeLessThan(HARD_MS + 2_000);
    }
    expect(dead.has(id)).toBe(true);
    // The abandoned handlers still sleep inside the process; the worker is still healthy and consuming.
    const ready = (await (await fetch(`${worker.url}/readyz`)).json()) as { consuming: boolean };
    expect(ready.consuming).toBe(true);
  });
});
