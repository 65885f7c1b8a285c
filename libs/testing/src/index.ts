/**
 * @quire/testing: helpers for the integration and e2e tiers. They rely on tools/testing/global-setup.ts, which
 * starts PostgreSQL and RabbitMQ once per run and provides their URLs (read here with vitest's inject()).
 *
 * Isolation model: every test file gets its own database (a clone of the migrated template) and its own vhost,
 * so files run in parallel against the same servers without seeing each other's rows or queues.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import {
  amqpUrlForVhost,
  createVhost,
  databaseUrlFor,
  deleteVhost,
  findFreePort,
  withPgClient,
} from '@quire/dev-infra';
import type { QuireTestInfra } from './vitest-context';

export type { QuireTestInfra } from './vitest-context';
export { readZip } from './zip';
export { expectCleanCorpusOutcomes, sharedCorpus, type CorpusOutcome } from './corpus-outcomes';
export {
  startOpenAiStandin,
  type OpenAiStandin,
  type StandinReply,
  type RecordedRequest,
} from './openai-standin';
export {
  makePdf,
  makeNumberedPdf,
  makeScannedPdf,
  makeTextPng,
  pdfPageTexts,
  SCANNED_TEXT_PAGES,
  type FixturePage,
} from '@quire/pdf-fixtures';

/** Repository root (apps are started from here so tsx finds tsconfig.json and its path aliases). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The URLs provided by the global setup. Throws a helpful error when the config has no such setup. */
export function testInfra(): QuireTestInfra {
  const infra = inject('quireInfra');
  if (!infra) {
    throw new Error(
      'no test infrastructure: run with vitest.int.config.ts or vitest.e2e.config.ts (globalSetup tools/testing/global-setup.ts)',
    );
  }
  return infra;
}

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export function getFreePort(): Promise<number> {
  return findFreePort();
}

const uniqueSuffix = () => randomBytes(4).toString('hex');

// ---------------------------------------------------------------------------------------------------------------
// Databases
// ---------------------------------------------------------------------------------------------------------------

export interface TestDatabase {
  name: string;
  /** postgres:// URL of the new database (same role as the base URL, which owns it). */
  url: string;
  /** Drops it, disconnecting whoever is still connected (e.g. an app that was not stopped). Safe to call unbound and twice. */
  drop(): Promise<void>;
}

/** A fresh, migrated database cloned from the template. Typically in `beforeAll`, with `drop()` in `afterAll`. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const infra = testInfra();
  const name = `quire_t_${infra.runId}_${uniqueSuffix()}`;
  await withPgClient(infra.databaseUrl, async (client) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await client.query(`CREATE DATABASE "${name}" TEMPLATE "${infra.databaseTemplate}"`);
        return;
      } catch (e) {
        // 55006 "source database is being accessed by other users": only during a brief window (e.g. another
        // file cloning at the same instant on an external server); retrying is the documented remedy.
        if ((e as { code?: string }).code !== '55006' || attempt >= 20) throw e;
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  });
  let dropped = false;
  return {
    name,
    url: databaseUrlFor(infra.databaseUrl, name),
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await withPgClient(infra.databaseUrl, (client) =>
        client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
      );
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// RabbitMQ vhosts
// ---------------------------------------------------------------------------------------------------------------

export interface TestVhost {
  vhost: string;
  /** amqp:// URL of this vhost. */
  url: string;
  /** Same as `url` (both spellings are in use). */
  amqpUrl: string;
  /** Management API base URL (no credentials) and the credentials, e.g. to read queue depths. */
  managementUrl: string;
  user: string;
  password: string;
  /** Deletes the vhost and everything in it (also closes connections to it). Safe to call unbound and twice. */
  drop(): Promise<void>;
  /** Same as `drop()`. */
  cleanup(): Promise<void>;
}

/** A new, empty vhost on the shared broker with full permissions for the test user. */
export async function createTestVhost(): Promise<TestVhost> {
  const infra = testInfra();
  const vhost = `quire-t-${infra.runId}-${uniqueSuffix()}`;
  const { rabbitmqManagementUrl: managementUrl, rabbitmqUser: user, rabbitmqPassword: password } = infra;
  await createVhost(managementUrl, user, password, vhost);
  let deleted = false;
  const drop = async () => {
    if (deleted) return;
    deleted = true;
    await deleteVhost(managementUrl, user, password, vhost);
  };
  const url = amqpUrlForVhost(infra.amqpUrl, vhost);
  return { vhost, url, amqpUrl: url, managementUrl, user, password, drop, cleanup: drop };
}

// ---------------------------------------------------------------------------------------------------------------
// Storage and a ready-made app environment
// ---------------------------------------------------------------------------------------------------------------

/** A private temp folder (e.g. QUIRE_STORAGE_DIR). */
export async function createTempDir(
  prefix = 'quire-test-',
): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fsp.rm(dir, { recursive: true, force: true }) };
}

export interface TestEnvironment {
  database: TestDatabase;
  vhost: TestVhost;
  storageDir: string;
  /** The variables every app reads, pointing at this environment's database, vhost and storage. */
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

/** Database + vhost + storage dir for one test file, and the matching app environment. */
export async function createTestEnvironment(): Promise<TestEnvironment> {
  const [database, vhost, storage] = await Promise.all([
    createTestDatabase(),
    createTestVhost(),
    createTempDir('quire-storage-'),
  ]);
  const managementUrl = new URL(vhost.managementUrl);
  managementUrl.username = encodeURIComponent(vhost.user);
  managementUrl.password = encodeURIComponent(vhost.password);
  return {
    database,
    vhost,
    storageDir: storage.dir,
    env: {
      QUIRE_DATABASE_URL: database.url,
      QUIRE_AMQP_URL: vhost.url,
      QUIRE_STORAGE_DIR: storage.dir,
      // Same convention as `npm start`: credentials in the URL; strip them before fetch().
      QUIRE_RABBITMQ_MANAGEMENT_URL: managementUrl.toString().replace(/\/$/, ''),
    },
    cleanup: async () => {
      const results = await Promise.allSettled([database.drop(), vhost.drop(), storage.cleanup()]);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Apps as real processes
// ---------------------------------------------------------------------------------------------------------------

export interface StartAppOptions {
  /** Entry file, relative to the repo root. Default `apps/<name>/src/main.ts`. */
  entry?: string;
  /** Health endpoint polled until it answers 200. Default `/healthz`. */
  healthPath?: string;
  /** Default 90 s: tsx transpiles the app on first start, slow on a busy 2-core CI machine. */
  startTimeoutMs?: number;
}

export interface StartedApp {
  name: string;
  pid: number;
  port: number;
  /** http://127.0.0.1:PORT */
  url: string;
  /** Everything the process printed so far (stdout and stderr interleaved). */
  output(): string;
  /** Resolves when the process exits (also when it crashes on its own). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends a signal without waiting (e.g. SIGKILL to simulate a crash). */
  kill(signal?: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL after `timeoutMs` (default 20 s). Resolves with how it exited. */
  stop(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const liveApps = new Set<ChildProcess>();
let exitHookInstalled = false;

/** If a test file dies without stopping its apps, do not leave them running after the worker exits. */
function trackChild(child: ChildProcess): void {
  liveApps.add(child);
  child.once('exit', () => liveApps.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of liveApps) c.kill('SIGKILL');
    });
  }
}

const MAX_OUTPUT = 4 * 1024 * 1024;

/**
 * Starts `apps/<name>/src/main.ts` as a real child process (`node --import tsx`), with the parent environment plus
 * `env`; PORT defaults to a free port. Resolves once GET <healthPath> answers 200; rejects (with the app's output)
 * if it exits or times out first.
 */
export async function startApp(
  name: string,
  env: Record<string, string | undefined> = {},
  options: StartAppOptions = {},
): Promise<StartedApp> {
  const port = env.PORT ? Number(env.PORT) : await findFreePort();
  const entry = options.entry ?? path.join('apps', name, 'src', 'main.ts');
  let output = '';
  const append = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    if (output.length > MAX_OUTPUT) output = output.slice(-MAX_OUTPUT / 2);
  };

  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: REPO_ROOT,
    // eslint-disable-next-line no-restricted-properties -- the child needs PATH, HOME etc.; its config comes from `env`.
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  trackChild(child);
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  let signalled = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      // A crash nobody asked for: print its last words, or a CI log shows only the client's "fetch failed".
      if (!signalled)
        console.error(
          `[quire test] ${name} exited on its own (code ${code}, signal ${signal}); its last output:\n${output.slice(-8_000)}`,
        );
      resolve({ code, signal });
    });
  });

  const url = `http://127.0.0.1:${port}`;
  const app: StartedApp = {
    name,
    pid: child.pid ?? -1,
    port,
    url,
    output: () => output,
    exited,
    kill: (signal = 'SIGTERM') => {
      signalled = true;
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    stop: async (timeoutMs = 20_000) => {
      app.kill('SIGTERM');
      const timer = setTimeout(() => app.kill('SIGKILL'), timeoutMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? 90_000);
  const healthUrl = `${url}${options.healthPath ?? '/healthz'}`;
  let lastError = 'no answer yet';
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `${name} exited before becoming healthy (code ${child.exitCode}, signal ${child.signalCode}):\n${output}`,
      );
    }
    try {
      const res = await fetch(healthUrl, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.status === 200) return app;
      lastError = `${healthUrl} answered ${res.status}`;
    } catch (e) {
      lastError = (e as Error).message;
    }
    if (Date.now() > deadline) {
      await app.stop(5_000);
      throw new Error(`${name} did not become healthy in time (${lastError}):\n${output}`);
    }
    await Promise.race([new Promise((resolve) => setTimeout(resolve, 200)), exited]);
  }
}
