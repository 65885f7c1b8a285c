/**
 * A whole Quire stack for the sweep, as `npm start` runs it: its own PostgreSQL and RabbitMQ, the gateway and one
 * process of every worker, each a real `node --import tsx apps/<name>/src/main.ts`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runMigrations } from '@quire/job-model';
import { findFreePort, onProcessExit, startPostgres, startRabbitMQ } from '@quire/dev-infra';
import type { WatchedProcess } from './process-watch';
import { WORKER_OF_QUEUE } from './sweep-plan';

const REPO_ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

/**
 * Memory each worker's process tree (the worker and its engine children) may use: the pod limits of
 * k8s/base/workers, the figure a worker must stay under in production.
 */
export const WORKER_CAP_MB: Readonly<Record<string, number>> = {
  'compression-worker': 2048,
  'conversion-worker': 2048,
  'ocr-worker': 3072,
  'ai-extraction-worker': 3072,
  'redaction-worker': 3072,
};

export interface SweepStack {
  url: string;
  key: string;
  workers: WatchedProcess[];
  gatewayPid: number;
  /** The last output of every app (for a report on a crash). */
  output(name: string): string;
  stop(): Promise<void>;
}

function waitHealthy(
  url: string,
  child: ChildProcess,
  timeoutMs: number,
  name: string,
  out: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return (async () => {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`${name} exited while starting:\n${out().slice(-4000)}`);
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
        await res.arrayBuffer();
        if (res.ok) return;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) throw new Error(`${name} did not become healthy:\n${out().slice(-4000)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
}

export async function startSweepStack(
  options: { workers?: readonly string[]; log?: (l: string) => void } = {},
): Promise<SweepStack> {
  const log = options.log ?? (() => undefined);
  const base = await fsp.mkdtemp(path.join(os.tmpdir(), 'quire-sweep-'));
  const postgres = await startPostgres({
    dataDir: path.join(base, 'pg'),
    port: await findFreePort(),
    fast: true,
  });
  const broker = await startRabbitMQ({
    dataDir: path.join(base, 'rabbit'),
    port: await findFreePort(),
    managementPort: await findFreePort(),
    distPort: await findFreePort(),
    nodeName: `quire-sweep-${randomBytes(3).toString('hex')}@localhost`,
  });
  await runMigrations(postgres.url);
  const key = `qk_sweep_${randomBytes(12).toString('hex')}`;
  const common: Record<string, string> = {
    QUIRE_DATABASE_URL: postgres.url,
    QUIRE_AMQP_URL: broker.amqpUrl,
    QUIRE_STORAGE_DIR: path.join(base, 'storage'),
    QUIRE_TEMP_DIR: path.join(base, 'tmp'),
    LOG_LEVEL: 'warn',
    // A retryable failure (an engine timeout on a hostile file) is retried as in production, just sooner.
    QUIRE_RETRY_DELAYS_MS: '500,1000,2000',
  };
  const children = new Map<string, ChildProcess>();
  const outputs = new Map<string, string>();
  const start = (name: string, env: Record<string, string>): ChildProcess => {
    const child = spawn(process.execPath, ['--import', 'tsx', `apps/${name}/src/main.ts`], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...common, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    outputs.set(name, '');
    const keep = (b: Buffer) => outputs.set(name, ((outputs.get(name) ?? '') + b.toString()).slice(-100_000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const unregister = onProcessExit(() => child.kill('SIGKILL'));
    child.once('exit', unregister);
    children.set(name, child);
    return child;
  };
  const stop = async () => {
    await Promise.all(
      [...children.values()].map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.kill('SIGTERM');
            setTimeout(() => c.kill('SIGKILL'), 15_000).unref();
          }),
      ),
    );
    await Promise.allSettled([postgres.stop(), broker.stop()]);
    await fsp.rm(base, { recursive: true, force: true });
  };
  try {
    const gatewayPort = await findFreePort();
    const gateway = start('gateway', {
      PORT: String(gatewayPort),
      QUIRE_BOOTSTRAP_API_KEY: key,
      // The sweep is one tenant sending thousands of jobs on purpose: the fair-sharing quotas are not under test.
      QUIRE_TENANT_SUBMIT_RATE: '100000',
      QUIRE_TENANT_MAX_ACTIVE_JOBS: '100000',
    });
    const workerNames = options.workers ?? Object.values(WORKER_OF_QUEUE);
    const ports = new Map<string, number>();
    for (const name of workerNames) {
      ports.set(name, await findFreePort());
      start(name, { PORT: String(ports.get(name)) });
    }
    const url = `http://127.0.0.1:${gatewayPort}`;
    await waitHealthy(`${url}/healthz`, gateway, 180_000, 'gateway', () => outputs.get('gateway') ?? '');
    for (const name of workerNames)
      await waitHealthy(
        `http://127.0.0.1:${ports.get(name)}/healthz`,
        children.get(name)!,
        180_000,
        name,
        () => outputs.get(name) ?? '',
      );
    log(`stack up: gateway ${url}, workers ${workerNames.join(', ')}`);
    return {
      url,
      key,
      gatewayPid: gateway.pid ?? -1,
      workers: workerNames.map((name) => ({
        name,
        pid: children.get(name)!.pid ?? -1,
        capMb: WORKER_CAP_MB[name] ?? 0,
      })),
      output: (name) => outputs.get(name) ?? '',
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
