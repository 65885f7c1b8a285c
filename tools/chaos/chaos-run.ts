/**
 * The fault run of issue "Nothing lost": submit N jobs, kill -9 workers mid-job again and again, restart RabbitMQ
 * once and PostgreSQL once, then prove from the database that every job is terminal, none is lost and none was
 * completed twice. Everything runs on its own PostgreSQL and RabbitMQ (restarting them must not disturb others).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { runMigrations } from '@quire/job-model';
import { makeNumberedPdf } from '@quire/pdf-fixtures';
import {
  findFreePort,
  startPostgres,
  startRabbitMQ,
  type PostgresServer,
  type RabbitMQServer,
} from '@quire/dev-stack';

export interface ChaosOptions {
  jobs: number;
  workers: number;
  /** Kill a random worker with SIGKILL every this many ms (0 = never). */
  killEveryMs: number;
  restartBroker: boolean;
  restartDatabase: boolean;
  /** Give up waiting for terminal states after this long. */
  deadlineMs: number;
  log?: (line: string) => void;
}

export interface ChaosReport {
  submitted: number;
  terminal: number;
  lost: number;
  duplicateCompletions: number;
  redeliveries: number;
  takeovers: number;
  completed: number;
  failed: number;
  cancelled: number;
  kills: number;
  seconds: number;
  failures: Record<string, number>;
}

const REPO_ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const KEY = `qk_chaos_${randomBytes(12).toString('hex')}`;

class AppProcess {
  child: ChildProcess | null = null;
  output = '';
  constructor(
    readonly name: string,
    readonly app: string,
    readonly env: Record<string, string>,
  ) {}

  start(): void {
    const child = spawn(process.execPath, ['--import', 'tsx', `apps/${this.app}/src/main.ts`], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (b: Buffer) => {
      this.output = (this.output + b.toString()).slice(-200_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    this.child = child;
  }

  kill(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }
}

async function waitHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not come up`);
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? ((l: string) => process.stdout.write(`[chaos] ${l}\n`));
  const started = Date.now();
  const base = await fsp.mkdtemp(path.join(os.tmpdir(), 'quire-chaos-'));
  const pgDir = path.join(base, 'pg');
  const rmqDir = path.join(base, 'rabbit');
  const pgPort = await findFreePort();
  const rmq = {
    port: await findFreePort(),
    managementPort: await findFreePort(),
    distPort: await findFreePort(),
    nodeName: `quire-chaos-${randomBytes(3).toString('hex')}@localhost`,
  };
  let postgres: PostgresServer = await startPostgres({ dataDir: pgDir, port: pgPort, fast: true });
  let broker: RabbitMQServer = await startRabbitMQ({ dataDir: rmqDir, ...rmq });
  await runMigrations(postgres.url);
  const db = new pg.Pool({ connectionString: postgres.url, max: 2 });
  db.on('error', () => undefined);

  const gatewayPort = await findFreePort();
  const common = {
    QUIRE_DATABASE_URL: postgres.url,
    QUIRE_AMQP_URL: broker.amqpUrl,
    QUIRE_STORAGE_DIR: path.join(base, 'storage'),
    QUIRE_TEMP_DIR: path.join(base, 'tmp'),
    LOG_LEVEL: 'warn',
  };
  const gateway = new AppProcess('gateway', 'gateway', {
    ...common,
    PORT: String(gatewayPort),
    QUIRE_BOOTSTRAP_API_KEY: KEY,
    QUIRE_OUTBOX_SWEEP_MS: '500',
  });
  const workers: AppProcess[] = [];
  for (let i = 0; i < options.workers; i++) {
    workers.push(
      new AppProcess(`worker-${i}`, 'compression-worker', {
        ...common,
        PORT: String(await findFreePort()),
        QUIRE_HEARTBEAT_MS: '500',
        QUIRE_STALE_AFTER_MS: '3000',
        QUIRE_RETRY_DELAYS_MS: '1000,2000,3000',
        QUIRE_SHUTDOWN_GRACE_MS: '5000',
      }),
    );
  }
  let kills = 0;
  const stopAll = async () => {
    for (const w of workers) await w.kill('SIGKILL');
    await gateway.kill('SIGKILL');
  };

  try {
    gateway.start();
    for (const w of workers) w.start();
    await waitHttp(`http://127.0.0.1:${gatewayPort}/healthz`, 90_000);

    // Submit everything first, with a small document that takes Ghostscript a moment (so kills land mid-job).
    const pdf = makeNumberedPdf(4, 350);
    const ids: string[] = [];
    for (let i = 0; i < options.jobs; i++) {
      const form = new FormData();
      form.append('file', new Blob([pdf]), `chaos-${i}.pdf`);
      form.append('params', JSON.stringify({ preset: i % 2 ? 'ebook' : 'screen' }));
      const res = await fetch(`http://127.0.0.1:${gatewayPort}/v1/jobs/compress`, {
        method: 'POST',
        body: form,
        headers: { authorization: `Bearer ${KEY}` },
      });
      if (res.status !== 202) throw new Error(`submit ${i}: ${res.status} ${await res.text()}`);
      ids.push(((await res.json()) as { id: string }).id);
    }
    log(`${ids.length} jobs submitted`);

    // Faults while the queue drains.
    const faults = (async () => {
      let brokerDone = !options.restartBroker;
      let dbDone = !options.restartDatabase;
      const t0 = Date.now();
      while (Date.now() - t0 < options.deadlineMs) {
        const pending = await countUnfinished(db).catch(() => -1);
        if (pending === 0) return;
        if (options.killEveryMs > 0) {
          await new Promise((r) => setTimeout(r, options.killEveryMs));
          const victim = workers[Math.floor(Math.random() * workers.length)];
          await victim.kill('SIGKILL');
          kills++;
          victim.start();
        } else {
          await new Promise((r) => setTimeout(r, 1000));
        }
        const elapsed = Date.now() - t0;
        if (!brokerDone && elapsed > 4_000) {
          brokerDone = true;
          log('restarting RabbitMQ');
          await broker.stop();
          broker = await startRabbitMQ({ dataDir: rmqDir, ...rmq });
          log('RabbitMQ back');
        }
        if (!dbDone && elapsed > 10_000) {
          dbDone = true;
          log('restarting PostgreSQL');
          await postgres.stop();
          postgres = await startPostgres({ dataDir: pgDir, port: pgPort, fast: true });
          log('PostgreSQL back');
        }
      }
    })();
    await faults;

    const deadline = Date.now() + options.deadlineMs;
    while (Date.now() < deadline && (await countUnfinished(db).catch(() => -1)) !== 0)
      await new Promise((r) => setTimeout(r, 500));

    const rows = await db.query<{ id: string; status: string; error: { code?: string } | null }>(
      `SELECT id, status, error FROM job WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    const byId = new Map(rows.rows.map((r) => [r.id, r]));
    const events = await db.query<{ job_id: string; from_status: string | null; to_status: string }>(
      `SELECT job_id, from_status, to_status FROM job_event WHERE job_id = ANY($1::uuid[])`,
      [ids],
    );
    const completions = new Map<string, number>();
    let claims = 0;
    let takeovers = 0;
    for (const e of events.rows) {
      if (e.to_status === 'completed') completions.set(e.job_id, (completions.get(e.job_id) ?? 0) + 1);
      if (e.to_status === 'processing') claims++;
      if (e.from_status === 'processing' && e.to_status === 'processing') takeovers++;
    }
    const failures: Record<string, number> = {};
    for (const r of rows.rows)
      if (r.status === 'failed') failures[r.error?.code ?? '?'] = (failures[r.error?.code ?? '?'] ?? 0) + 1;
    const count = (s: string) => rows.rows.filter((r) => r.status === s).length;
    const terminal = rows.rows.filter((r) => ['completed', 'failed', 'cancelled'].includes(r.status)).length;
    return {
      submitted: ids.length,
      terminal,
      lost: ids.filter(
        (id) => !byId.has(id) || !['completed', 'failed', 'cancelled'].includes(byId.get(id)!.status),
      ).length,
      duplicateCompletions: [...completions.values()].filter((n) => n > 1).length,
      redeliveries: claims - ids.length,
      takeovers,
      completed: count('completed'),
      failed: count('failed'),
      cancelled: count('cancelled'),
      kills,
      seconds: Math.round((Date.now() - started) / 1000),
      failures,
    };
  } catch (err) {
    log(`gateway output:\n${gateway.output.slice(-3000)}`);
    for (const w of workers) log(`${w.name} output:\n${w.output.slice(-2000)}`);
    throw err;
  } finally {
    await stopAll();
    await db.end().catch(() => undefined);
    await broker.stop().catch(() => undefined);
    await postgres.stop().catch(() => undefined);
    await fsp.rm(base, { recursive: true, force: true }).catch(() => undefined);
  }
}

async function countUnfinished(db: pg.Pool): Promise<number> {
  const r = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM job WHERE status NOT IN ('completed', 'failed', 'cancelled')`,
  );
  return r.rows[0]?.n ?? -1;
}

export function formatReport(r: ChaosReport): string {
  return `${r.submitted} submitted, ${r.terminal} terminal, ${r.lost} lost, ${r.duplicateCompletions} duplicate completions, ${r.redeliveries} redeliveries, ${r.takeovers} takeovers (completed ${r.completed}, failed ${r.failed} ${JSON.stringify(r.failures)}, ${r.kills} worker kills, ${r.seconds} s)`;
}
