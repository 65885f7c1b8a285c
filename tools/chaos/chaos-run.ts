/**
 * The fault run of issue "Nothing lost": submit N compression jobs, then, while they are being worked on, kill -9 a
 * worker holding a job, restart RabbitMQ, kill again, restart PostgreSQL, kill again (then keep killing every
 * `killEveryMs` until the queue drains). Every fault is recorded with the number of jobs in flight when it struck;
 * a fault that would strike an idle system fails the run instead of being skipped ("the queue drained before …":
 * submit more or larger jobs). Then the database and the storage must show that every job completed exactly once
 * with a valid output (a PDF of the right page count), except jobs failed as poison after three takeovers, and that
 * takeovers really happened. Everything runs on its own PostgreSQL and RabbitMQ (restarting them must not disturb
 * others).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { runMigrations } from '@quire/job-model';
import { makeNumberedPdf } from '@quire/pdf-fixtures';
import {
  findFreePort,
  onProcessExit,
  startPostgres,
  startRabbitMQ,
  type PostgresServer,
  type RabbitMQServer,
} from '@quire/dev-infra';

export interface ChaosOptions {
  jobs: number;
  workers: number;
  /** Pause between faults (kill, broker restart, kill, database restart, kill, then more kills if `keepKilling`). */
  killEveryMs: number;
  /** After the planned faults, go on killing a worker every `killEveryMs` (once a job finished) until the queue drains. */
  keepKilling: boolean;
  restartBroker: boolean;
  restartDatabase: boolean;
  /** The whole run (start-up included) ends by then: a run that has not finished its faults fails, one whose jobs
   *  are not all terminal reports them as lost. Keep it below the caller's own timeout so the servers are stopped. */
  deadlineMs: number;
  /** Pages (and image size) of each document: larger documents keep the workers busy longer. */
  pages?: number;
  imagePx?: number;
  log?: (line: string) => void;
}

export type FaultKind = 'worker-kill' | 'broker-restart' | 'database-restart';

export interface FaultRecord {
  kind: FaultKind;
  /** Seconds since the first job was claimed. */
  at: number;
  /** Jobs not yet terminal, and jobs being processed, when the fault struck. */
  unfinished: number;
  processing: number;
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
  faults: FaultRecord[];
  /** The faults the run was asked for (each must appear in `faults`, struck while jobs were in flight). */
  plannedFaults: FaultKind[];
  /** Completed jobs whose output is missing or not a PDF of the submitted page count, with the reason. */
  invalidOutputs: string[];
  /** Failed jobs other than poison jobs failed after three takeovers (their worker really died thrice). */
  unexpectedFailures: string[];
}

/** Poison jobs: failed after their workers died holding them more than `maxTakeovers` (2) times. */
const EXPECTED_FAILURE = { code: 'WORKER_CRASH_LOOP', minTakeovers: 3 };

/** Every promise of the run that the report breaks (empty = the run passed). */
export function chaosViolations(r: ChaosReport): string[] {
  const violations: string[] = [];
  if (r.lost > 0) violations.push(`${r.lost} job(s) lost (not terminal)`);
  if (r.duplicateCompletions > 0) violations.push(`${r.duplicateCompletions} job(s) completed twice`);
  if (r.unexpectedFailures.length > 0)
    violations.push(`unexpected failures: ${r.unexpectedFailures.join('; ')}`);
  if (r.cancelled > 0) violations.push(`${r.cancelled} job(s) cancelled`);
  if (r.invalidOutputs.length > 0) violations.push(`invalid outputs: ${r.invalidOutputs.join('; ')}`);
  if (r.takeovers === 0) violations.push('no takeover: no kill struck a worker holding a job');
  for (const kind of new Set(r.plannedFaults)) {
    const struck = r.faults.filter((f) => f.kind === kind && f.processing > 0);
    if (struck.length === 0) violations.push(`no ${kind} struck while a job was being processed`);
  }
  return violations;
}

const REPO_ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const run = promisify(execFile);

/** The run cannot show what it promises (e.g. the queue drained before a fault): fix the sizing, not the code. */
export class ChaosSetupError extends Error {
  override name = 'ChaosSetupError';
}
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
    // If this process ends first (a test runner's timeout), take the app down with it rather than orphan it.
    const unregister = onProcessExit(() => child.kill('SIGKILL'));
    child.once('exit', unregister);
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

    // Submit everything first; each document keeps Ghostscript busy for about a second, so faults land mid-job.
    const pages = options.pages ?? 8;
    const pdf = makeNumberedPdf(pages, options.imagePx ?? 500);
    const ids: string[] = [];
    const submit = async (count: number): Promise<void> => {
      for (let n = 0; n < count; n++) {
        const i = ids.length;
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
    };
    await submit(options.jobs);
    log(`${ids.length} jobs of ${pages} pages submitted`);

    const plannedFaults: FaultKind[] = [
      'worker-kill',
      ...(options.restartBroker ? (['broker-restart', 'worker-kill'] as const) : []),
      ...(options.restartDatabase ? (['database-restart', 'worker-kill'] as const) : []),
    ];
    const faults: FaultRecord[] = [];
    const deadline = started + options.deadlineMs;
    const within = (ms: number) => Math.max(0, Math.min(ms, deadline - Date.now()));
    const t0 = await waitFor(db, (s) => s.processing > 0, within(60_000), 'no job was ever claimed');
    const at = () => Math.round((Date.now() - t0) / 100) / 10;
    const strike = async (kind: FaultKind, keepSupplied: boolean): Promise<void> => {
      // A planned fault must strike a busy system whatever the machine's speed: on a fast machine the first jobs may
      // all be done before the last planned fault, so the queue is topped up first (the report counts every job).
      const before = await jobState(db);
      if (keepSupplied && before.unfinished < 2 * options.workers) {
        await submit(3 * options.workers);
        log(`topped up with ${3 * options.workers} jobs (${before.unfinished} were unfinished)`);
      }
      // A worker kill should hit a worker holding a job: wait (a little) until every worker is busy.
      await waitFor(
        db,
        (s) => s.unfinished === 0 || s.processing >= (kind === 'worker-kill' ? options.workers : 1),
        within(15_000),
        null,
      );
      const state = await jobState(db);
      if (state.unfinished === 0 || state.processing === 0) {
        throw new ChaosSetupError(
          `the queue drained (${state.unfinished} unfinished, ${state.processing} processing) before the ${kind} at ${at()} s: submit more jobs (--jobs) or larger ones (--pages)`,
        );
      }
      faults.push({ kind, at: at(), unfinished: state.unfinished, processing: state.processing });
      log(`${kind} at ${at()} s (${state.processing} processing, ${state.unfinished} unfinished)`);
      if (kind === 'worker-kill') {
        const victim = workers[kills++ % workers.length];
        await victim.kill('SIGKILL');
        victim.start();
      } else if (kind === 'broker-restart') {
        await broker.stop();
        broker = await startRabbitMQ({ dataDir: rmqDir, ...rmq });
        log(`RabbitMQ back at ${at()} s`);
      } else {
        await postgres.stop();
        postgres = await startPostgres({ dataDir: pgDir, port: pgPort, fast: true });
        log(`PostgreSQL back at ${at()} s`);
      }
    };
    // Between two faults the system must make progress (a job finishes): faults faster than recovery (a restarted
    // worker boots in seconds, a dead worker's job is taken over after QUIRE_STALE_AFTER_MS) would only starve it.
    let finishedBefore = 0;
    const pauseAndProgress = async () => {
      await new Promise((r) => setTimeout(r, Math.max(options.killEveryMs, 1_000)));
      await waitFor(
        db,
        (s) => s.finished > finishedBefore || s.unfinished === 0,
        within(90_000),
        `no job finished within 90 s (or by the deadline) of the fault at ${faults.at(-1)?.at ?? 0} s (${faults.at(-1)?.kind ?? '?'})`,
      );
    };
    for (const [n, kind] of plannedFaults.entries()) {
      if (n > 0) await pauseAndProgress();
      finishedBefore = (await jobState(db)).finished;
      await strike(kind, true);
    }
    // More kills while there is work left (a drained queue ends them: no error past the planned faults).
    while (options.keepKilling && Date.now() < deadline) {
      await pauseAndProgress();
      const state = await jobState(db).catch(() => null);
      if (!state || state.unfinished === 0) break;
      finishedBefore = state.finished;
      if (state.processing > 0) await strike('worker-kill', false);
    }
    while (Date.now() < deadline && (await jobState(db).catch(() => null))?.unfinished !== 0)
      await new Promise((r) => setTimeout(r, 500));

    const rows = await db.query<{
      id: string;
      status: string;
      error: { code?: string; message?: string } | null;
      result: { pages?: number; outputBytes?: number } | null;
    }>(`SELECT id, status, error, result FROM job WHERE id = ANY($1::uuid[])`, [ids]);
    const byId = new Map(rows.rows.map((r) => [r.id, r]));
    const events = await db.query<{ job_id: string; from_status: string | null; to_status: string }>(
      `SELECT job_id, from_status, to_status FROM job_event WHERE job_id = ANY($1::uuid[])`,
      [ids],
    );
    const completions = new Map<string, number>();
    const takeoversOf = new Map<string, number>();
    let claims = 0;
    let takeovers = 0;
    for (const e of events.rows) {
      if (e.to_status === 'completed') completions.set(e.job_id, (completions.get(e.job_id) ?? 0) + 1);
      if (e.to_status === 'processing') claims++;
      if (e.from_status === 'processing' && e.to_status === 'processing') {
        takeovers++;
        takeoversOf.set(e.job_id, (takeoversOf.get(e.job_id) ?? 0) + 1);
      }
    }
    const failures: Record<string, number> = {};
    const unexpectedFailures: string[] = [];
    const invalidOutputs: string[] = [];
    for (const r of rows.rows) {
      if (r.status === 'failed') {
        const code = r.error?.code ?? '?';
        failures[code] = (failures[code] ?? 0) + 1;
        const died = takeoversOf.get(r.id) ?? 0;
        if (code !== EXPECTED_FAILURE.code || died < EXPECTED_FAILURE.minTakeovers)
          unexpectedFailures.push(`${r.id}: ${code} ${r.error?.message ?? ''} (${died} takeovers)`);
      }
      if (r.status === 'completed') {
        const problem = await checkOutput(path.join(common.QUIRE_STORAGE_DIR, 'jobs', r.id, 'output'), {
          pages,
          result: r.result,
        });
        if (problem) invalidOutputs.push(`${r.id}: ${problem}`);
      }
    }
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
      faults,
      plannedFaults,
      invalidOutputs,
      unexpectedFailures,
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

interface JobState {
  unfinished: number;
  processing: number;
  finished: number;
}

async function jobState(db: pg.Pool): Promise<JobState> {
  const r = await db.query<JobState>(
    `SELECT count(*) FILTER (WHERE status NOT IN ('completed', 'failed', 'cancelled'))::int AS unfinished,
            count(*) FILTER (WHERE status = 'processing')::int AS processing,
            count(*) FILTER (WHERE status IN ('completed', 'failed', 'cancelled'))::int AS finished
       FROM job`,
  );
  return r.rows[0] ?? { unfinished: -1, processing: -1, finished: -1 };
}

/** Polls until `ok(state)`; returns when it happened (ms epoch). On timeout: throws `failure`, or returns if null. */
async function waitFor(
  db: pg.Pool,
  ok: (s: JobState) => boolean,
  timeoutMs: number,
  failure: string | null,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await jobState(db).catch(() => null);
    if (state && ok(state)) return Date.now();
    if (Date.now() > deadline) {
      if (failure === null) return Date.now();
      throw new ChaosSetupError(failure);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A completed compress job's output: one PDF that qpdf reads, of the submitted page count and the recorded size. */
async function checkOutput(
  dir: string,
  expected: { pages: number; result: { pages?: number; outputBytes?: number } | null },
): Promise<string | null> {
  const files = await fsp.readdir(dir).catch(() => []);
  if (files.length !== 1) return `expected one output file, found ${files.length}`;
  const file = path.join(dir, files[0]);
  const { size } = await fsp.stat(file);
  if (expected.result?.outputBytes !== size)
    return `output is ${size} bytes, the result says ${expected.result?.outputBytes}`;
  const { stdout } = await run('qpdf', ['--show-npages', file]).catch((e: { stderr?: string }) => ({
    stdout: `qpdf: ${e.stderr ?? 'failed'}`,
  }));
  if (Number(stdout.trim()) !== expected.pages)
    return `qpdf counts ${stdout.trim()} pages, not ${expected.pages}`;
  if (expected.result?.pages !== expected.pages) return `the result says ${expected.result?.pages} pages`;
  return null;
}

export function formatReport(r: ChaosReport): string {
  const restarts = r.faults
    .filter((f) => f.kind !== 'worker-kill')
    .map((f) => `${f.kind} at ${f.at} s with ${f.processing} processing / ${f.unfinished} unfinished`);
  return `${r.submitted} submitted, ${r.terminal} terminal, ${r.lost} lost, ${r.duplicateCompletions} duplicate completions, ${r.redeliveries} redeliveries, ${r.takeovers} takeovers (completed ${r.completed} with ${r.invalidOutputs.length} invalid outputs, failed ${r.failed} ${JSON.stringify(r.failures)}, ${r.kills} worker kills${restarts.length ? `, ${restarts.join(', ')}` : ''}, ${r.seconds} s)`;
}
