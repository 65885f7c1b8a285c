/**
 * Fault tests (short version of tools/chaos): a chaos run with kills and restarts that must all strike mid-run, the
 * broker down at submit time, a job that keeps killing its worker, cancel during processing, SIGTERM during a job.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestEnvironment,
  getFreePort,
  makeNumberedPdf,
  startApp,
  type StartedApp,
  type TestEnvironment,
} from '@quire/testing';
import { startRabbitMQ, type RabbitMQServer } from '@quire/dev-infra';
import { chaosViolations, formatReport, runChaos } from '@quire/chaos';
import { QuireClient } from './helpers';

const KEY = 'qk_e2e_faults_key_0123456789abcdef';
/** Big enough that Ghostscript works on it for a few seconds, so faults land mid-job. */
const SLOW_PDF = makeNumberedPdf(30, 700);

async function waitStatus(client: QuireClient, id: string, status: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await client.job(id);
    if (job.status === status) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} never reached ${status} (now ${job.status})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function filesUnder(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => path.join(e.parentPath, e.name));
  } catch {
    return [];
  }
}

describe('fault tolerance', () => {
  it('chaos: kill -9 workers holding jobs, restart RabbitMQ and PostgreSQL mid-run: every job completes once, with a valid output', async () => {
    // Sized so the planned faults (kill, broker restart, kill, database restart, kill; each after a job finished) all
    // strike while jobs are in flight, or the run fails: 20 documents of 8 pages, about a second of Ghostscript
    // each, on 2 workers; about 8 are done by the last fault. Then the rest drains without more kills.
    const report = await runChaos({
      jobs: 20,
      pages: 8,
      workers: 2,
      killEveryMs: 2000,
      keepKilling: false,
      restartBroker: true,
      restartDatabase: true,
      deadlineMs: 200_000,
      log: (l) => console.log(`[chaos] ${l}`),
    });
    console.log(`[chaos] ${formatReport(report)}`);
    expect(chaosViolations(report)).toEqual([]);
    // The run tops the queue up when a fast machine would drain it before the last planned fault.
    expect(report.submitted).toBeGreaterThanOrEqual(20);
    expect(report.terminal).toBe(report.submitted);
    expect(report.completed + report.failed).toBe(report.submitted);
    expect(report.takeovers).toBeGreaterThan(0);
    expect(report.faults.map((f) => f.kind)).toEqual(
      expect.arrayContaining(['worker-kill', 'broker-restart', 'database-restart']),
    );
    for (const fault of report.faults) expect(fault.processing).toBeGreaterThan(0);
  }, 260_000);

  describe('with one gateway and one worker', () => {
    let env: TestEnvironment;
    let work: string;
    let gateway: StartedApp;
    let worker: StartedApp;
    let client: QuireClient;
    let workerEnv: Record<string, string>;

    beforeAll(async () => {
      env = await createTestEnvironment();
      work = await mkdtemp(path.join(os.tmpdir(), 'quire-faults-'));
      const common = { ...env.env, QUIRE_TEMP_DIR: path.join(work, 'tmp'), LOG_LEVEL: 'info' };
      const port = await getFreePort();
      gateway = await startApp('gateway', { ...common, PORT: String(port), QUIRE_BOOTSTRAP_API_KEY: KEY });
      workerEnv = {
        ...common,
        QUIRE_HEARTBEAT_MS: '300',
        QUIRE_STALE_AFTER_MS: '1500',
        QUIRE_RETRY_DELAYS_MS: '1000,1000,1000',
      };
      worker = await startApp('compression-worker', { ...workerEnv, PORT: String(await getFreePort()) });
      client = new QuireClient(`http://127.0.0.1:${port}`, KEY);
    });
    afterAll(async () => {
      await worker?.stop();
      await gateway?.stop();
      await env?.cleanup();
      if (work) await rm(work, { recursive: true, force: true });
    });

    it('cancel during processing: the engine is stopped, the job is cancelled, the temp folder is empty', async () => {
      const res = await client.submit('compress', [{ name: 'slow.pdf', data: SLOW_PDF }], {
        preset: 'screen',
      });
      const id = String(res.body.id);
      await waitStatus(client, id, 'processing');
      const del = await fetch(`${client.baseUrl}/v1/jobs/${id}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${KEY}` },
      });
      expect(del.status).toBe(202);
      expect(await del.json()).toMatchObject({ status: 'processing', cancelRequested: true });
      const job = await waitStatus(client, id, 'cancelled', 30_000);
      expect(job.error?.code).toBe('CANCELLED');
      await new Promise((r) => setTimeout(r, 300));
      expect(await filesUnder(path.join(work, 'tmp'))).toEqual([]);
      // A cancelled job can be re-run, and then completes.
      const again = await fetch(`${client.baseUrl}/v1/jobs/${id}/retry`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}` },
      });
      expect(again.status).toBe(202);
      expect((await client.waitTerminal(id)).status).toBe('completed');
      // Deleting a finished job removes it.
      const gone = await fetch(`${client.baseUrl}/v1/jobs/${id}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${KEY}` },
      });
      expect(gone.status).toBe(204);
      expect((await client.get(`/v1/jobs/${id}`)).status).toBe(404);
    });

    it('cancels a pending job at once', async () => {
      const blocker = await client.submit('compress', [{ name: 'slow.pdf', data: SLOW_PDF }], {
        preset: 'screen',
      });
      const queued = await client.submit('compress', [{ name: 'a.pdf', data: makeNumberedPdf(1) }]);
      const del = await fetch(`${client.baseUrl}/v1/jobs/${String(queued.body.id)}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${KEY}` },
      });
      expect([200, 202]).toContain(del.status);
      expect((await client.waitTerminal(String(queued.body.id))).status).toBe('cancelled');
      await client.waitTerminal(String(blocker.body.id));
    });

    it('SIGTERM during a job: the worker finishes it, acks, and exits 0', async () => {
      const res = await client.submit('compress', [{ name: 'slow.pdf', data: SLOW_PDF }], {
        preset: 'ebook',
      });
      const id = String(res.body.id);
      await waitStatus(client, id, 'processing');
      const exit = await worker.stop(60_000);
      expect(exit).toEqual({ code: 0, signal: null });
      expect((await client.job(id)).status).toBe('completed');
      worker = await startApp('compression-worker', { ...workerEnv, PORT: String(await getFreePort()) });
    });

    it('a job that keeps killing its worker fails as a poison job and lands in the dead-letter queue', async () => {
      const res = await client.submit('compress', [{ name: 'poison.pdf', data: SLOW_PDF }], {
        preset: 'prepress',
      });
      const id = String(res.body.id);
      for (let round = 1; round <= 3; round++) {
        // Attempt `round` has started (a takeover after a kill shows as a new attempt).
        const deadline = Date.now() + 60_000;
        for (;;) {
          const j = await client.job(id);
          if (j.status === 'processing' && j.attempts === round) break;
          if (Date.now() > deadline)
            throw new Error(`attempt ${round} never started (${j.status}, ${j.attempts})`);
          await new Promise((r) => setTimeout(r, 100));
        }
        worker.kill('SIGKILL');
        await worker.exited;
        worker = await startApp('compression-worker', { ...workerEnv, PORT: String(await getFreePort()) });
      }
      const job = await client.waitTerminal(id, 60_000);
      expect(job).toMatchObject({ status: 'failed', error: { code: 'WORKER_CRASH_LOOP' } });
      const dl = await client.get('/v1/admin/dead-letters/compression');
      expect(dl.status).toBe(200);
      const items = (dl.body as { items: Array<{ jobId: string; reason: string }> }).items;
      expect(items.find((i) => i.jobId === id)?.reason).toMatch(/died 3 times/);
      // Replay puts it back to pending; the worker (no longer killed) completes it.
      const replay = await fetch(`${client.baseUrl}/v1/admin/dead-letters/compression/replay`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ jobId: id }),
      });
      expect(replay.status).toBe(200);
      expect(await replay.json()).toMatchObject({ replayed: [id] });
      expect((await client.waitTerminal(id, 120_000)).status).toBe('completed');
    });
  });

  describe('broker down at submit time', () => {
    let env: TestEnvironment;
    let broker: RabbitMQServer;
    let brokerOptions: Parameters<typeof startRabbitMQ>[0];
    let gateway: StartedApp;
    let worker: StartedApp;
    let work: string;

    beforeAll(async () => {
      env = await createTestEnvironment();
      work = await mkdtemp(path.join(os.tmpdir(), 'quire-brokerdown-'));
      brokerOptions = {
        dataDir: path.join(work, 'rabbit'),
        port: await getFreePort(),
        managementPort: await getFreePort(),
        distPort: await getFreePort(),
        nodeName: `quire-down-${randomBytes(3).toString('hex')}@localhost`,
      };
      broker = await startRabbitMQ(brokerOptions);
    });
    afterAll(async () => {
      await worker?.stop();
      await gateway?.stop();
      await broker?.stop();
      await env?.cleanup();
      if (work) await rm(work, { recursive: true, force: true });
    });

    it('accepts uploads (202) while RabbitMQ is down, reports not-ready, and runs the jobs once it is back', async () => {
      const common = {
        ...env.env,
        QUIRE_AMQP_URL: broker.amqpUrl,
        QUIRE_TEMP_DIR: path.join(work, 'tmp'),
        QUIRE_OUTBOX_SWEEP_MS: '500',
      };
      const port = await getFreePort();
      gateway = await startApp('gateway', { ...common, PORT: String(port), QUIRE_BOOTSTRAP_API_KEY: KEY });
      worker = await startApp('compression-worker', { ...common, PORT: String(await getFreePort()) });
      const client = new QuireClient(`http://127.0.0.1:${port}`, KEY);
      await broker.stop();
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await client.submit('compress', [{ name: `d${i}.pdf`, data: makeNumberedPdf(2) }]);
        expect(res.status).toBe(202);
        ids.push(String(res.body.id));
      }
      const ready = await fetch(`${client.baseUrl}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ checks: { broker: false, database: true } });
      expect((await fetch(`${worker.url}/readyz`)).status).toBe(503);
      broker = await startRabbitMQ(brokerOptions);
      for (const id of ids) expect((await client.waitTerminal(id, 120_000)).status).toBe('completed');
      expect((await fetch(`${client.baseUrl}/readyz`)).status).toBe(200);
    });
  });
});
