/**
 * Fair publishing end to end (gateway + compression-worker processes, real PostgreSQL/RabbitMQ/Ghostscript;
 * docs/architecture.md §11 (tenancy and fair sharing)): one tenant's backlog does not go first. Order-based, not
 * time-based, so the machine's load cannot make it flaky: the worker is stopped while one tenant queues a backlog
 * and another tenant submits one job; when the worker comes back, the quiet job must be among the first it takes,
 * not behind the backlog (the broker queue is FIFO: without fair publishing it would run last). Held-back jobs
 * are plain `pending` jobs, cancellable, and none is lost.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyRepository, createDataSource } from '@quire/job-model';
import {
  createTestEnvironment,
  getFreePort,
  makeNumberedPdf,
  startApp,
  type StartedApp,
  type TestEnvironment,
} from '@quire/testing';
import { QuireClient } from './helpers';

// Enough to tell fair from FIFO by order (FIFO: the quiet job last), small enough for the test command.
const FLOOD = 30;

describe('fair publishing (gateway + compression-worker)', () => {
  let env: TestEnvironment;
  let work: string;
  let gateway: StartedApp;
  let worker: StartedApp | undefined;
  let ds: DataSource;
  let common: Record<string, string>;
  const keys = { flood: '', quiet: '' };
  const pdf = makeNumberedPdf(1);

  const startWorker = async () =>
    startApp('compression-worker', { ...common, PORT: String(await getFreePort()) });

  beforeAll(async () => {
    env = await createTestEnvironment();
    work = await mkdtemp(path.join(os.tmpdir(), 'quire-fairpub-'));
    ds = createDataSource(env.database.url, { poolSize: 2 });
    await ds.initialize();
    const repo = new ApiKeyRepository(ds);
    keys.flood = (await repo.createKey('fairpub-flood', 'user')).key;
    keys.quiet = (await repo.createKey('fairpub-quiet', 'user')).key;
    common = { ...env.env, QUIRE_TEMP_DIR: path.join(work, 'tmp'), LOG_LEVEL: 'warn' };
    [gateway, worker] = await Promise.all([
      startApp('gateway', { ...common, PORT: String(await getFreePort()) }),
      // Started once so the queue exists (a message to an undeclared queue is deferred), then stopped.
      startWorker(),
    ]);
  });
  afterAll(async () => {
    await Promise.all([gateway?.stop(), worker?.stop()]);
    await ds?.destroy();
    await env?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('a quiet tenant’s job is taken before a flooding tenant’s backlog; held-back jobs stay pending and cancellable', async () => {
    const flooder = new QuireClient(gateway.url, keys.flood);
    const quiet = new QuireClient(gateway.url, keys.quiet);
    // Let the worker declare its queue and take an unloaded job, then stop it: what follows queues up.
    const warm = await flooder.submit('compress', [{ name: 'one.pdf', data: pdf }], { preset: 'ebook' });
    expect(warm.status).toBe(202);
    expect((await flooder.waitTerminal(warm.body.id as string)).status).toBe('completed');
    await worker!.stop();
    worker = undefined;

    const floodIds: string[] = [];
    for (let i = 0; i < FLOOD; i++) {
      const res = await flooder.submit('compress', [{ name: `f${i}.pdf`, data: pdf }], { preset: 'ebook' });
      expect(res.status).toBe(202);
      floodIds.push(res.body.id as string);
    }
    const quietRes = await quiet.submit('compress', [{ name: 'quiet.pdf', data: pdf }], { preset: 'ebook' });
    expect(quietRes.status).toBe(202);
    const quietId = quietRes.body.id as string;

    // Only the cap (1 unclaimed message per tenant and queue) went to the broker; the rest waits in the outbox.
    const deadline = Date.now() + 10_000;
    let unsent = 0;
    while (Date.now() < deadline) {
      unsent = (
        await ds.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL`)
      )[0].n;
      if (unsent === FLOOD - 1) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(unsent).toBe(FLOOD - 1);
    // A held-back job is an ordinary pending job: visible as such, and cancellable.
    const heldBack = floodIds[FLOOD - 1];
    expect(await flooder.job(heldBack)).toMatchObject({ status: 'pending' });
    const cancel = await fetch(`${gateway.url}/v1/jobs/${heldBack}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${keys.flood}` },
    });
    expect(cancel.status).toBeLessThan(300);
    expect(await flooder.job(heldBack)).toMatchObject({ status: 'cancelled' });

    worker = await startWorker();
    expect((await quiet.waitTerminal(quietId, 120_000)).status).toBe('completed');
    const quietStarted = Date.parse((await quiet.job(quietId)).startedAt!);
    // Every other flood job completes too: nothing held back is lost.
    const rest = floodIds.filter((id) => id !== heldBack);
    const ended = [];
    for (const id of rest) ended.push(await flooder.waitTerminal(id, 180_000));
    expect(ended.map((j) => j.status)).toEqual(rest.map(() => 'completed'));
    const startedBeforeQuiet = ended.filter((j) => Date.parse(j.startedAt!) < quietStarted).length;
    // FIFO would run the quiet job after all of them; fair publishing after at most the flood’s one queued message
    // (plus one published while the quiet job's message was on its way).
    expect(startedBeforeQuiet).toBeLessThanOrEqual(2);
  }, 300_000);
});
