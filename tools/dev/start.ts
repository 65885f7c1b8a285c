/**
 * `npm start`: the whole platform on one machine, no docker.
 *
 *   1. PostgreSQL and RabbitMQ: the servers named by QUIRE_DATABASE_URL / QUIRE_AMQP_URL when set, otherwise our own
 *      under .quire/ (git-ignored), on the standard ports when free.
 *   2. Migrations.
 *   3. Every app that has apps/<name>/src/main.ts, as a child process with its output prefixed by its name;
 *      a crashed app is restarted with backoff.
 *   4. Ctrl-C / SIGTERM: apps get SIGTERM (then SIGKILL after a grace period), then the servers stop; exit 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  isPortFree,
  preferPort,
  startPostgres,
  startRabbitMQ,
  type PostgresServer,
  type RabbitMQServer,
} from '@quire/dev-infra';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const STATE = path.join(ROOT, '.quire');
/** Longer than the workers' QUIRE_SHUTDOWN_GRACE_MS (25 s) so in-flight jobs can finish. */
const APP_STOP_TIMEOUT_MS = 35_000;
const GATEWAY_PORT = 3000;
const FIRST_WORKER_PORT = 9101;

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: number, text: string) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
const PALETTE = [36, 35, 33, 32, 34, 91, 92, 93, 94, 95, 96];

function say(message: string): void {
  process.stdout.write(`${paint(1, '[quire]')} ${message}\n`);
}

// ---------------------------------------------------------------------------------------------------------------
// Infrastructure
// ---------------------------------------------------------------------------------------------------------------

interface Infra {
  databaseUrl: string;
  amqpUrl: string;
  managementUrl: string;
  stops: Array<() => Promise<void>>;
}

/** A node name that stays the same across runs: RabbitMQ keeps its queues (mnesia) per node name. */
async function stableNodeName(): Promise<string> {
  const file = path.join(STATE, 'rabbitmq-node-name');
  const existing = (await fsp.readFile(file, 'utf8').catch(() => '')).trim();
  if (existing) return existing;
  const name = `quire-${randomBytes(4).toString('hex')}@localhost`;
  await fsp.writeFile(file, `${name}\n`);
  return name;
}

/** Management URL with credentials (one variable for apps); when only QUIRE_AMQP_URL is given, guess port 15672. */
function managementUrlFor(amqpUrl: string): string {
  const a = new URL(amqpUrl);
  const m = new URL(`http://${a.hostname}:15672`);
  m.username = a.username || 'guest';
  m.password = a.password || 'guest';
  return m.toString().replace(/\/$/, '');
}

async function startInfra(): Promise<Infra> {
  const stops: Array<() => Promise<void>> = [];
  const log = (m: string) => say(paint(2, m));
  let pgServer: Promise<PostgresServer> | undefined;
  let rabbitServer: Promise<RabbitMQServer> | undefined;

  const envDb = process.env.QUIRE_DATABASE_URL;
  const envAmqp = process.env.QUIRE_AMQP_URL;
  if (envDb) say(`using PostgreSQL from QUIRE_DATABASE_URL (${new URL(envDb).host})`);
  else pgServer = startPostgres({ dataDir: path.join(STATE, 'postgres'), port: await preferPort(5432), log });

  if (envAmqp) {
    say(`using RabbitMQ from QUIRE_AMQP_URL (${new URL(envAmqp).host})`);
  } else {
    rabbitServer = startRabbitMQ({
      dataDir: path.join(STATE, 'rabbitmq'),
      port: await preferPort(5672),
      managementPort: await preferPort(15672),
      nodeName: await stableNodeName(),
      log,
    });
  }

  // Start both at once; if one fails, stop the other before giving up.
  const [pgResult, rabbitResult] = await Promise.allSettled([pgServer, rabbitServer]);
  if (pgResult.status === 'fulfilled' && pgResult.value) stops.push(pgResult.value.stop);
  if (rabbitResult.status === 'fulfilled' && rabbitResult.value) stops.push(rabbitResult.value.stop);
  const failure = [pgResult, rabbitResult].find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    throw failure.reason;
  }

  const pg = pgResult.status === 'fulfilled' ? pgResult.value : undefined;
  const rabbit = rabbitResult.status === 'fulfilled' ? rabbitResult.value : undefined;
  let managementUrl: string;
  if (process.env.QUIRE_RABBITMQ_MANAGEMENT_URL) {
    managementUrl = process.env.QUIRE_RABBITMQ_MANAGEMENT_URL;
  } else if (rabbit) {
    const m = new URL(rabbit.managementUrl);
    m.username = rabbit.user;
    m.password = rabbit.password;
    managementUrl = m.toString().replace(/\/$/, '');
  } else {
    managementUrl = managementUrlFor(envAmqp!);
  }
  return { databaseUrl: envDb ?? pg!.url, amqpUrl: envAmqp ?? rabbit!.amqpUrl, managementUrl, stops };
}

// ---------------------------------------------------------------------------------------------------------------
// Apps
// ---------------------------------------------------------------------------------------------------------------

interface AppSpec {
  name: string;
  entry: string;
  port: number;
  env: Record<string, string>;
  color: number;
}

/**
 * Every service: apps/<name>/src/main.ts, gateway first (it is the one people wait for), then alphabetical. The
 * command line (`scope:cli`) has a main.ts too, but it runs once and exits: started here it would loop on restarts.
 */
function discoverApps(): string[] {
  const appsDir = path.join(ROOT, 'apps');
  const isCommandLine = (name: string): boolean => {
    const project = path.join(appsDir, name, 'project.json');
    if (!fs.existsSync(project)) return false;
    const { tags = [] } = JSON.parse(fs.readFileSync(project, 'utf8')) as { tags?: string[] };
    return tags.includes('scope:cli');
  };
  const names = fs.existsSync(appsDir)
    ? fs
        .readdirSync(appsDir)
        .filter((name) => fs.existsSync(path.join(appsDir, name, 'src', 'main.ts')) && !isCommandLine(name))
    : [];
  return names.sort((a, b) => (a === 'gateway' ? -1 : b === 'gateway' ? 1 : a.localeCompare(b)));
}

class ManagedApp {
  private child: ChildProcess | undefined;
  private restarts = 0;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    readonly spec: AppSpec,
    private readonly width: number,
  ) {}

  private get prefix(): string {
    return paint(this.spec.color, `${this.spec.name.padEnd(this.width)} |`);
  }

  start(): void {
    const startedAt = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', this.spec.entry], {
      cwd: ROOT,
      env: { ...process.env, ...this.spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Own process group: a Ctrl-C in the terminal reaches only us, and we stop apps before the servers.
      detached: true,
    });
    this.child = child;
    for (const stream of [child.stdout, child.stderr]) {
      readline
        .createInterface({ input: stream })
        .on('line', (line) => process.stdout.write(`${this.prefix} ${line}\n`));
    }
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        resolve();
        if (this.stopping) return;
        // Backoff 1, 2, 4 ... 30 s; an app that stayed up for a minute starts again from 1 s.
        if (Date.now() - startedAt > 60_000) this.restarts = 0;
        const delay = Math.min(30_000, 1_000 * 2 ** this.restarts);
        this.restarts++;
        say(
          paint(
            31,
            `${this.spec.name} exited (code ${code}, signal ${signal}); restarting in ${delay / 1000} s`,
          ),
        );
        this.restartTimer = setTimeout(() => this.start(), delay);
      });
    });
    child.once('error', (e) => say(paint(31, `${this.spec.name}: ${e.message}`)));
  }

  signal(signal: NodeJS.Signals, group = false): void {
    const child = this.child;
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
    try {
      if (group) process.kill(-child.pid, signal);
      else child.kill(signal);
    } catch {
      // already gone
    }
  }

  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    this.signal('SIGTERM');
    const timer = setTimeout(() => {
      say(paint(31, `${this.spec.name} did not stop within ${timeoutMs / 1000} s: SIGKILL`));
      this.signal('SIGKILL', true);
    }, timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }
}

async function waitForHealth(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return false;
}

/** The bootstrap admin key: from the environment, else the one generated by an earlier run, else a new one. */
async function bootstrapApiKey(): Promise<string> {
  if (process.env.QUIRE_BOOTSTRAP_API_KEY) return process.env.QUIRE_BOOTSTRAP_API_KEY;
  const file = path.join(STATE, 'bootstrap-api-key');
  const existing = (await fsp.readFile(file, 'utf8').catch(() => '')).trim();
  if (existing) return existing;
  // Same shape as @quire/job-model's generateApiKey().
  const key = `qk_${randomBytes(32).toString('base64url')}`;
  await fsp.writeFile(file, `${key}\n`, { mode: 0o600 });
  return key;
}

/**
 * The key that seals tenants' webhook secrets (docs/architecture.md (webhooks)): from the environment, else the one
 * generated by an earlier run (kept in .quire/ with mode 0600, like the bootstrap key), else a new one.
 */
async function webhookSecretKey(): Promise<string> {
  if (process.env.QUIRE_WEBHOOK_SECRET_KEY) return process.env.QUIRE_WEBHOOK_SECRET_KEY;
  const file = path.join(STATE, 'webhook-secret-key');
  const existing = (await fsp.readFile(file, 'utf8').catch(() => '')).trim();
  if (existing) return existing;
  const key = randomBytes(32).toString('hex');
  await fsp.writeFile(file, `${key}\n`, { mode: 0o600 });
  return key;
}

// ---------------------------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------------------------

/**
 * One `npm start` per checkout: a second one would restart the first one's PostgreSQL (same data dir) under it.
 * Returns false when another one is running.
 */
async function takeLock(): Promise<boolean> {
  const file = path.join(STATE, 'start.pid');
  const pid = Number((await fsp.readFile(file, 'utf8').catch(() => '')).trim());
  if (pid > 0 && pid !== process.pid) {
    const cmdline = await fsp.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes('tools/dev/start.ts')) return false;
  }
  await fsp.writeFile(file, `${process.pid}\n`);
  process.once('exit', () => fs.rmSync(file, { force: true }));
  return true;
}

async function main(): Promise<void> {
  await fsp.mkdir(STATE, { recursive: true });
  if (!(await takeLock())) {
    say(paint(31, `npm start is already running in this checkout (pid in .quire/start.pid); stop it first`));
    process.exit(1);
  }
  const apps: ManagedApp[] = [];
  let shuttingDown = false;
  // Servers may still be booting when a signal arrives: shutdown waits for them, then stops them.
  const infraPromise = startInfra();
  infraPromise.catch(() => undefined);

  const shutdown = async (reason: string, exitCode: number) => {
    if (shuttingDown) return;
    shuttingDown = true;
    say(`${reason}: stopping`);
    await Promise.all(apps.map((app) => app.stop(APP_STOP_TIMEOUT_MS)));
    const infra = await infraPromise.catch(() => undefined);
    for (const stop of (infra?.stops ?? []).reverse()) {
      await stop().catch((e: unknown) => say(paint(31, `stopping a server failed: ${(e as Error).message}`)));
    }
    say('stopped');
    process.exit(exitCode);
  };
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    // A second Ctrl-C while stopping means "now": kill what is left (the servers' exit hooks run on exit).
    if (++signals > 1) {
      say('second signal: killing everything');
      for (const app of apps) app.signal('SIGKILL', true);
      process.exit(1);
    }
    void shutdown(signal, 0);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let infra: Infra;
  try {
    infra = await infraPromise;
    if (shuttingDown) return;

    say('running migrations');
    const { runMigrations } = await import('@quire/job-model');
    const applied = await runMigrations(infra.databaseUrl);
    say(
      applied.length
        ? `applied ${applied.length} migration(s): ${applied.join(', ')}`
        : 'database schema is up to date',
    );
  } catch (e) {
    say(paint(31, `start failed: ${(e as Error).stack ?? String(e)}`));
    await shutdown('start failed', 1);
    return;
  }
  if (shuttingDown) return;

  const storageDir = path.resolve(process.env.QUIRE_STORAGE_DIR ?? path.join(STATE, 'storage'));
  const tempDir = path.resolve(process.env.QUIRE_TEMP_DIR ?? path.join(STATE, 'tmp'));
  await fsp.mkdir(storageDir, { recursive: true });
  await fsp.mkdir(tempDir, { recursive: true });
  const apiKey = await bootstrapApiKey();
  const webhookKey = await webhookSecretKey();
  const names = discoverApps();
  const width = Math.max(0, ...names.map((n) => n.length));

  const common = {
    QUIRE_AMQP_URL: infra.amqpUrl,
    QUIRE_DATABASE_URL: infra.databaseUrl,
    QUIRE_STORAGE_DIR: storageDir,
    QUIRE_TEMP_DIR: tempDir,
    QUIRE_RABBITMQ_MANAGEMENT_URL: infra.managementUrl,
    QUIRE_BOOTSTRAP_API_KEY: apiKey,
    QUIRE_WEBHOOK_SECRET_KEY: webhookKey,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
  };
  let gatewayPort: number | undefined;
  let nextWorkerPort = FIRST_WORKER_PORT;
  for (const [i, name] of names.entries()) {
    let port: number;
    if (name === 'gateway') {
      // An explicit PORT is used as is; the default 3000 only when free (e.g. a second checkout's npm start).
      port = process.env.PORT ? Number(process.env.PORT) : await preferPort(GATEWAY_PORT);
      if (!process.env.PORT && port !== GATEWAY_PORT)
        say(paint(33, `port ${GATEWAY_PORT} is busy: the gateway uses ${port}`));
      gatewayPort = port;
    } else {
      do port = nextWorkerPort++;
      while (!(await isPortFree(port)));
    }
    const spec: AppSpec = {
      name,
      entry: path.join('apps', name, 'src', 'main.ts'),
      port,
      env: { ...common, PORT: String(port) },
      color: PALETTE[i % PALETTE.length] ?? 36,
    };
    apps.push(new ManagedApp(spec, width));
  }

  if (apps.length === 0) {
    say(paint(33, 'no apps found (apps/*/src/main.ts): only the servers are running'));
  }
  for (const app of apps) {
    say(`starting ${app.spec.name} (port ${app.spec.port})`);
    app.start();
  }

  const summary = [
    `PostgreSQL: ${infra.databaseUrl}`,
    `RabbitMQ:   ${infra.amqpUrl}   management: ${infra.managementUrl.replace(/\/\/[^@]*@/, '//')} (user/password in QUIRE_RABBITMQ_MANAGEMENT_URL)`,
    `Storage:    ${storageDir}`,
  ];
  if (gatewayPort !== undefined) {
    const url = `http://localhost:${gatewayPort}`;
    const healthy = await waitForHealth(`http://127.0.0.1:${gatewayPort}/healthz`, 120_000);
    if (shuttingDown) return;
    if (!healthy)
      say(paint(31, `the gateway did not answer ${url}/healthz within 120 s (see its output above)`));
    summary.push(
      '',
      `Gateway:    ${url}${healthy ? '' : '  (not healthy yet)'}`,
      `API key:    ${apiKey}   (admin of tenant "default"; kept in .quire/bootstrap-api-key)`,
      '',
      'Try it:',
      `  export KEY=${apiKey}`,
      `  curl -H "Authorization: Bearer $KEY" -F file=@some.pdf -F 'params={"preset":"ebook"}' ${url}/v1/jobs/compress`,
      `  curl -H "Authorization: Bearer $KEY" ${url}/v1/jobs/<id>             # poll: status, progress`,
      `  curl -H "Authorization: Bearer $KEY" -o out.pdf ${url}/v1/jobs/<id>/download`,
    );
  }
  summary.push('', 'Ctrl-C stops everything.');
  say(`ready\n\n${summary.map((l) => `  ${l}`).join('\n')}\n`);
}

await main();
