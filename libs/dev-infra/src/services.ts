/**
 * Project-local infrastructure for `npm start` and the test setup: PostgreSQL and RabbitMQ run as plain child
 * processes with all their state in a folder we choose (no systemd, no docker, nothing in /etc or /var/lib).
 *
 * Both servers refuse to (or, on Debian, are not meant to) run as root, and CI runs as root, so when we are root
 * every server command is run as the `postgres` / `rabbitmq` OS user that the Debian packages create.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import amqp from 'amqplib';
import pg from 'pg';
import { childProcessEnv } from '@quire/config';
import {
  basicAuth,
  DEFAULT_RABBIT_PASSWORD as RABBIT_PASSWORD,
  DEFAULT_RABBIT_USER as RABBIT_USER,
  findFreePort,
} from './infra-helpers';

export type Logger = (message: string) => void;

const noop: Logger = () => undefined;

// ---------------------------------------------------------------------------------------------------------------
// Small process / filesystem helpers
// ---------------------------------------------------------------------------------------------------------------

const isRoot = process.getuid?.() === 0;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
}

function lookupUser(name: string): PasswdEntry | undefined {
  let passwd: string;
  try {
    passwd = fs.readFileSync('/etc/passwd', 'utf8');
  } catch {
    return undefined;
  }
  for (const line of passwd.split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name && uid !== undefined && gid !== undefined)
      return { name, uid: Number(uid), gid: Number(gid) };
  }
  return undefined;
}

/** The caller's PATH, read through @quire/config (the one reader of the environment). */
const callerPath = (): string =>
  childProcessEnv().PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function which(command: string): string | undefined {
  for (const dir of callerPath().split(':')) {
    const candidate = path.join(dir, command);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not in this PATH entry
    }
  }
  return undefined;
}

/** A minimal, predictable environment for server processes: the caller's RABBITMQ_... and PG... variables must not leak in. */
function serverEnv(extra: Record<string, string>): Record<string, string> {
  return {
    PATH: callerPath(),
    // Erlang warns (and the CLI misbehaves) under a non-UTF-8 locale; C.UTF-8 is built into glibc >= 2.35.
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    ...extra,
  };
}

/**
 * Builds the argv that runs `command` as `user` with exactly `env`.
 * `setpriv` is preferred over `runuser`: it exec()s instead of forking, so the pid we hold is the real server
 * process, and it has none of su/runuser's signal handling (runuser SIGKILLs its child 2 s after a SIGTERM, which
 * would cut RabbitMQ's clean shutdown short). `env -i` because both tools would otherwise reset HOME to the user's
 * home, and RabbitMQ's Erlang cookie lives in $HOME.
 */
function commandAs(user: string | undefined, command: string, args: string[], env: Record<string, string>) {
  const envArgs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  if (!user) return { file: command, args, env };
  const setpriv = which('setpriv');
  if (setpriv) {
    return {
      file: setpriv,
      args: [
        `--reuid=${user}`,
        // The user's primary group by number: the group need not be named like the user.
        `--regid=${lookupUser(user)?.gid ?? user}`,
        '--init-groups',
        '--',
        'env',
        '-i',
        ...envArgs,
        command,
        ...args,
      ],
      env,
    };
  }
  return { file: 'runuser', args: ['-u', user, '--', 'env', '-i', ...envArgs, command, ...args], env };
}

class CommandError extends Error {
  constructor(
    message: string,
    readonly code: number | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}

/** Runs a short-lived command (optionally as another user) and resolves with its stdout; rejects with its output. */
function run(
  command: string,
  args: string[],
  options: { user?: string | undefined; env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {},
): Promise<string> {
  const cmd = commandAs(options.user, command, args, options.env ?? serverEnv({}));
  return new Promise((resolve, reject) => {
    execFile(
      cmd.file,
      cmd.args,
      { env: cmd.env, cwd: options.cwd, timeout: options.timeoutMs ?? 120_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          const code = typeof error.code === 'number' ? error.code : null;
          reject(
            new CommandError(
              `${command} ${args.join(' ')} failed (${error.message.trim()})\n${stderr}${stdout}`,
              code,
              stdout,
              stderr,
            ),
          );
        } else {
          resolve(stdout);
        }
      },
    );
  });
}

/**
 * A server running as another user must be able to reach its folder: every ancestor needs the "x" bit for others.
 * Temp dirs from mkdtemp are 0700 and a checkout under /root is 0700 too, so add o+x where it is missing (only
 * traversal; nothing becomes listable or readable).
 */
async function ensureTraversable(dir: string, log: Logger): Promise<void> {
  let current = path.dirname(path.resolve(dir));
  for (;;) {
    const st = await fsp.stat(current);
    if ((st.mode & 0o001) === 0) {
      await fsp.chmod(current, (st.mode & 0o7777) | 0o001);
      log(`made ${current} traversable (o+x) so the server user can reach ${dir}`);
    }
    const parent = path.dirname(current);
    if (parent === current) return;
    current = parent;
  }
}

async function chownRecursive(dir: string, user: PasswdEntry): Promise<void> {
  await run('chown', ['-R', `${user.uid}:${user.gid}`, dir]);
}

async function tailFile(file: string, bytes = 6000): Promise<string> {
  try {
    const handle = await fsp.open(file, 'r');
    try {
      const { size } = await handle.stat();
      const start = Math.max(0, size - bytes);
      const buffer = Buffer.alloc(size - start);
      await handle.read(buffer, 0, buffer.length, start);
      return buffer.toString('utf8');
    } finally {
      await handle.close();
    }
  } catch {
    return '';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Emergency cleanup: if the owning process dies without calling stop(), do not leave servers behind.
// ---------------------------------------------------------------------------------------------------------------

const exitHooks = new Set<() => void>();
let exitHookInstalled = false;

/**
 * Runs `hook` (synchronously) when this process exits, in registration order; returns an unregister function.
 * Prepended, not appended: vitest's own 'exit' listener calls process.exit() again, which ends the process at once
 * and would skip every listener registered after it (found the hard way: Ctrl-C left the test servers running).
 */
export function onProcessExit(hook: () => void): () => void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.prependOnceListener('exit', () => {
      for (const h of exitHooks) {
        try {
          h();
        } catch {
          // best effort: the process is going away anyway
        }
      }
    });
  }
  exitHooks.add(hook);
  return () => exitHooks.delete(hook);
}

// ---------------------------------------------------------------------------------------------------------------
// PostgreSQL
// ---------------------------------------------------------------------------------------------------------------

export interface PostgresOptions {
  /** PGDATA. Created (initdb) when missing or empty; reused otherwise. */
  dataDir: string;
  /** Default: a free port. */
  port?: number;
  /** Listen address. Default 127.0.0.1. */
  host?: string;
  /** Test mode: fsync/synchronous_commit/full_page_writes off. Never for data you care about. */
  fast?: boolean;
  /** Default 200: every app and test file opens its own pool. */
  maxConnections?: number;
  /** Progress messages. */
  log?: Logger;
}

export interface PostgresServer {
  /** postgres://quire:quire@HOST:PORT/quire */
  url: string;
  /** Superuser URL (postgres@HOST:PORT/postgres), for CREATE DATABASE and friends. */
  adminUrl: string;
  host: string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
}

/** Where initdb/pg_ctl live: `pg_config --bindir`, else the newest /usr/lib/postgresql/N/bin, else PATH. */
export function findPostgresBinDir(): string {
  const hasInitdb = (dir: string) =>
    fs.existsSync(path.join(dir, 'initdb')) && fs.existsSync(path.join(dir, 'pg_ctl'));
  try {
    const dir = execFileSync('pg_config', ['--bindir'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    if (dir && hasInitdb(dir)) return dir;
  } catch {
    // pg_config is in libpq-dev, which may not be installed
  }
  try {
    const versions = fs
      .readdirSync('/usr/lib/postgresql')
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) {
      const dir = `/usr/lib/postgresql/${v}/bin`;
      if (hasInitdb(dir)) return dir;
    }
  } catch {
    // not a Debian layout
  }
  const initdb = which('initdb');
  if (initdb) return path.dirname(initdb);
  throw new Error(
    'PostgreSQL server binaries (initdb, pg_ctl) not found: run `bash tools/dev/ensure-deps.sh`',
  );
}

/** Runs `fn` on a fresh connection to `connectionString` and always closes it. */
export async function withPgClient<T>(
  connectionString: string,
  fn: (client: pg.Client) => Promise<T>,
  connectTimeoutMs = 10_000,
): Promise<T> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: connectTimeoutMs });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The same server, role and options, another database. */
export function databaseUrlFor(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

export async function startPostgres(options: PostgresOptions): Promise<PostgresServer> {
  const log = options.log ?? noop;
  const dataDir = path.resolve(options.dataDir);
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? (await findFreePort(host));
  const bin = findPostgresBinDir();

  // PostgreSQL refuses to run as root ("root execution of the PostgreSQL server is not permitted").
  let runAs: string | undefined;
  if (isRoot) {
    const pgUser = lookupUser('postgres');
    if (!pgUser)
      throw new Error(
        'running as root but there is no `postgres` OS user to run PostgreSQL as (install the postgresql package)',
      );
    runAs = pgUser.name;
    await fsp.mkdir(dataDir, { recursive: true });
    await ensureTraversable(dataDir, log);
    const st = await fsp.stat(dataDir);
    if (st.uid !== pgUser.uid) await chownRecursive(dataDir, pgUser);
  } else {
    await fsp.mkdir(dataDir, { recursive: true });
  }
  const env = serverEnv({ PGTZ: 'UTC' });
  const pgRun = (command: string, args: string[]) =>
    run(path.join(bin, command), args, { user: runAs, env, cwd: dataDir });

  const initialized = fs.existsSync(path.join(dataDir, 'PG_VERSION'));
  if (!initialized) {
    if ((await fsp.readdir(dataDir)).length > 0)
      throw new Error(`${dataDir} is neither empty nor a PostgreSQL data directory`);
    log(`initdb ${dataDir}`);
    // Trust auth: only loopback/socket connections are possible (see listen_addresses), fine for dev and tests.
    await pgRun('initdb', [
      '-D',
      dataDir,
      '-U',
      'postgres',
      '--auth=trust',
      '--encoding=UTF8',
      '--locale=C',
      ...(options.fast ? ['--no-sync'] : []),
    ]);
    // Our settings live in their own file, rewritten on every start (port and mode may change between starts).
    await fsp.appendFile(
      path.join(dataDir, 'postgresql.conf'),
      "\n# written by libs/dev-infra/src/services.ts\ninclude_if_exists = 'quire.conf'\n",
    );
  }

  // A unix socket inside the data dir keeps us clear of /var/run/postgresql (not ours, maybe not writable); the
  // socket path has a ~107 byte limit, so fall back to TCP only for deep folders.
  const socketDir = path.join(dataDir, 'sockets');
  const socketPathOk = Buffer.byteLength(path.join(socketDir, `.s.PGSQL.${port}.lock`)) < 100;
  const settings: Record<string, string | number> = {
    port,
    listen_addresses: `'${host}'`,
    unix_socket_directories: socketPathOk ? `'${socketDir}'` : "''",
    max_connections: options.maxConnections ?? 200,
    timezone: "'UTC'",
    log_timezone: "'UTC'",
    ...(options.fast ? { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' } : {}),
  };
  const conf = Object.entries(settings)
    .map(([k, v]) => `${k} = ${v}`)
    .join('\n');
  await fsp.writeFile(
    path.join(dataDir, 'quire.conf'),
    `# generated by libs/dev-infra/src/services.ts on each start\n${conf}\n`,
  );
  if (socketPathOk) await fsp.mkdir(socketDir, { recursive: true });
  if (runAs) {
    // Only what we just wrote: a recursive chown of a big PGDATA on every start would be slow.
    const owner = lookupUser(runAs)!;
    const ours = [path.join(dataDir, 'quire.conf'), ...(socketPathOk ? [socketDir] : [])];
    for (const file of ours) await fsp.chown(file, owner.uid, owner.gid);
  }

  // A server left running on this data dir (previous run killed hard) would make `pg_ctl start` fail; restart it
  // with the settings above rather than guess what it was started with.
  const status = await pgRun('pg_ctl', ['-D', dataDir, 'status']).then(
    () => 'running',
    () => 'stopped',
  );
  if (status === 'running') {
    log('a PostgreSQL server is already running on this data dir: restarting it');
    await pgRun('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', '-t', '60', 'stop']);
  }

  const logFile = path.join(dataDir, 'server.log');
  log(`starting PostgreSQL on ${host}:${port}`);
  try {
    await pgRun('pg_ctl', ['-D', dataDir, '-l', logFile, '-w', '-t', '90', 'start']);
  } catch (e) {
    throw new Error(
      `PostgreSQL did not start: ${(e as Error).message}\n--- ${logFile} ---\n${await tailFile(logFile)}`,
    );
  }

  let stopped = false;
  const stopSync = () => {
    if (stopped) return;
    const cmd = commandAs(runAs, path.join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'immediate', 'stop'], env);
    execFileSync(cmd.file, cmd.args, { env: cmd.env, stdio: 'ignore', timeout: 20_000 });
  };
  const removeExitHook = onProcessExit(stopSync);

  const adminUrl = `postgres://postgres@${host}:${port}/postgres`;
  const url = `postgres://quire:quire@${host}:${port}/quire`;

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    removeExitHook();
    log('stopping PostgreSQL');
    await pgRun('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', '-t', '60', 'stop']).catch(
      async (e: unknown) => {
        // Already stopped is fine; anything else gets the immediate mode.
        if ((e as CommandError).code === 3) return;
        await pgRun('pg_ctl', ['-D', dataDir, '-m', 'immediate', 'stop']).catch(() => undefined);
      },
    );
  };

  try {
    // pg_ctl -w already waited for readiness; retry anyway because "ready" is about the socket, not TCP.
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        await withPgClient(adminUrl, async (client) => {
          await client.query(`DO $$ BEGIN
              IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'quire') THEN
                CREATE ROLE quire LOGIN PASSWORD 'quire' CREATEDB;
              END IF;
            END $$`);
          const { rowCount } = await client.query(`SELECT 1 FROM pg_database WHERE datname = 'quire'`);
          if (!rowCount) await client.query('CREATE DATABASE quire OWNER quire');
        });
        break;
      } catch (e) {
        if (Date.now() > deadline) throw e;
        await sleep(300);
      }
    }
    await withPgClient(url, (client) => client.query('SELECT 1'), 5_000);
  } catch (e) {
    await stop();
    throw e;
  }

  return { url, adminUrl, host, port, dataDir, stop };
}

// ---------------------------------------------------------------------------------------------------------------
// RabbitMQ
// ---------------------------------------------------------------------------------------------------------------

export interface RabbitMQOptions {
  /** Everything of this node lives here: mnesia/, log/, home/ (Erlang cookie), generated config. */
  dataDir: string;
  /** AMQP port. Default: a free port. */
  port?: number;
  /** Management HTTP API port. Default: a free port. */
  managementPort?: number;
  /** Erlang distribution port. Default: a free port (RabbitMQ's default AMQP+20000 can exceed 65535). */
  distPort?: number;
  /** Default: `quire-<random>@localhost`. Pass a stable one to keep queues across restarts (mnesia is per node name). */
  nodeName?: string;
  /** consumer_timeout: an unacked delivery older than this closes the channel. Default 1 h, above our longest hard limit. */
  consumerTimeoutMs?: number;
  /**
   * How often each channel checks its deliveries against consumer_timeout (rabbit's channel_tick_interval, default
   * 60 s). Tests of the timeout lower it so the broker acts within seconds instead of about a minute.
   */
  channelTickIntervalMs?: number;
  /** Default 180 s (a cold first boot on a 2-core CI machine takes a while). */
  startTimeoutMs?: number;
  log?: Logger;
}

export interface RabbitMQServer {
  /** amqp://quire:quire@127.0.0.1:PORT (default vhost "/") */
  amqpUrl: string;
  /** http://127.0.0.1:PORT (no credentials: fetch() rejects URLs that carry them) */
  managementUrl: string;
  user: string;
  password: string;
  nodeName: string;
  port: number;
  managementPort: number;
  stop(): Promise<void>;
}

/**
 * The real server script, not Debian's /usr/sbin wrapper: the wrapper cd's to /var/lib/rabbitmq and, when root,
 * `su`s with HOME=/var/lib/rabbitmq (the system node's cookie) and redirects output to /var/log/rabbitmq.
 */
function findRabbitServerScript(): string {
  const debian = '/usr/lib/rabbitmq/bin/rabbitmq-server';
  if (fs.existsSync(debian)) return debian;
  const onPath = which('rabbitmq-server');
  if (onPath) return onPath;
  throw new Error('rabbitmq-server not found: run `bash tools/dev/ensure-deps.sh`');
}

async function killStaleRabbit(baseDir: string, nodeName: string, log: Logger): Promise<void> {
  const pidFile = path.join(baseDir, 'rabbitmq.pid');
  const pid = Number((await fsp.readFile(pidFile, 'utf8').catch(() => '')).trim());
  if (pid > 0 && isAlive(pid)) {
    // The node name is not on the Erlang VM's command line (RabbitMQ starts distribution itself), but it is in
    // its environment; checking it avoids killing an unrelated process that reused the pid.
    const environ = await fsp.readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
    if (environ.split('\0').includes(`RABBITMQ_NODENAME=${nodeName}`)) {
      log(`killing a stale RabbitMQ node ${nodeName} (pid ${pid}) left by a previous run`);
      process.kill(pid, 'SIGKILL');
      for (let i = 0; i < 50 && isAlive(pid); i++) await sleep(100);
    }
  }
  // Its private epmd too (see startRabbitMQ).
  const epmdPort = Number(
    (await fsp.readFile(path.join(baseDir, 'epmd.port'), 'utf8').catch(() => '')).trim(),
  );
  if (epmdPort > 0) killEpmd(epmdPort);
}

/** Stops the private epmd on `port`; synchronous because it also runs from the exit hook. */
function killEpmd(port: number): void {
  try {
    execFileSync('epmd', ['-port', String(port), '-kill'], {
      stdio: 'ignore',
      timeout: 10_000,
      env: serverEnv({ ERL_EPMD_PORT: String(port) }),
    });
  } catch {
    // not running, or refused
  }
  // `epmd -kill` refuses while a node is still registered (a node SIGKILLed a moment ago may still be), so also
  // kill it by pid: it is the epmd whose environment says ERL_EPMD_PORT=<port> (it inherits the node's).
  let pids: string[] = [];
  try {
    pids = fs.readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return; // no procfs
  }
  for (const pid of pids) {
    try {
      if (fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'epmd') continue;
      const environ = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      if (environ.includes(`ERL_EPMD_PORT=${port}`)) process.kill(Number(pid), 'SIGKILL');
    } catch {
      // gone, or not ours to read
    }
  }
}

export async function startRabbitMQ(options: RabbitMQOptions): Promise<RabbitMQServer> {
  const log = options.log ?? noop;
  const baseDir = path.resolve(options.dataDir);
  const script = findRabbitServerScript();
  const nodeName = options.nodeName ?? `quire-${randomBytes(4).toString('hex')}@localhost`;
  const port = options.port ?? (await findFreePort());
  const managementPort = options.managementPort ?? (await findFreePort());
  const distPort = options.distPort ?? (await findFreePort());
  // A private epmd per broker: brokers never see each other's nodes, and stop() can kill the epmd it started.
  const epmdPort = await findFreePort();
  const consumerTimeoutMs = options.consumerTimeoutMs ?? 3_600_000;

  const dirs = {
    mnesia: path.join(baseDir, 'mnesia'),
    log: path.join(baseDir, 'log'),
    home: path.join(baseDir, 'home'),
  };
  for (const dir of Object.values(dirs)) await fsp.mkdir(dir, { recursive: true });

  const rabbitUser = isRoot ? lookupUser('rabbitmq') : undefined;
  if (rabbitUser) await ensureTraversable(baseDir, log);
  await killStaleRabbit(baseDir, nodeName, log);

  const confFile = path.join(baseDir, 'rabbitmq.conf');
  await fsp.writeFile(
    confFile,
    [
      '# generated by libs/dev-infra/src/services.ts on each start',
      `listeners.tcp.default = 127.0.0.1:${port}`,
      'management.tcp.ip = 127.0.0.1',
      `management.tcp.port = ${managementPort}`,
      `default_user = ${RABBIT_USER}`,
      `default_pass = ${RABBIT_PASSWORD}`,
      'default_user_tags.administrator = true',
      'default_permissions.configure = .*',
      'default_permissions.read = .*',
      'default_permissions.write = .*',
      // Only loopback listeners exist, and tests connect as quire from 127.0.0.1 anyway; keep guest-style limits off.
      'loopback_users = none',
      `consumer_timeout = ${consumerTimeoutMs}`,
      // Dev/CI disks are often nearly full of other things; the default 50MB limit is fine, but make it explicit.
      'disk_free_limit.absolute = 50MB',
      'log.file.level = info',
      'log.console = false',
      '',
    ].join('\n'),
  );
  // Written on every start (also empty), so a setting of an earlier start on this data dir does not linger.
  await fsp.writeFile(
    path.join(baseDir, 'advanced.config'),
    options.channelTickIntervalMs === undefined
      ? '[].\n'
      : `[{rabbit, [{channel_tick_interval, ${Math.round(options.channelTickIntervalMs)}}]}].\n`,
  );
  const pluginsFile = path.join(baseDir, 'enabled_plugins');
  await fsp.writeFile(pluginsFile, '[rabbitmq_management].\n');
  // An empty env file so /etc/rabbitmq/rabbitmq-env.conf (the system node's settings) is not sourced.
  const envFile = path.join(baseDir, 'rabbitmq-env.conf');
  await fsp.writeFile(envFile, '# intentionally empty: see libs/dev-infra/src/services.ts\n');
  // Our own Erlang cookie (HOME is ours), so the CLI tools and the node agree without touching /var/lib/rabbitmq.
  const cookieFile = path.join(dirs.home, '.erlang.cookie');
  if (!fs.existsSync(cookieFile)) {
    await fsp.writeFile(cookieFile, randomBytes(16).toString('hex').toUpperCase(), { mode: 0o400 });
  }
  await fsp.writeFile(path.join(baseDir, 'epmd.port'), `${epmdPort}\n`);
  if (rabbitUser) await chownRecursive(baseDir, rabbitUser);

  const env = serverEnv({
    HOME: dirs.home,
    RABBITMQ_NODENAME: nodeName,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_MNESIA_BASE: dirs.mnesia,
    RABBITMQ_LOG_BASE: dirs.log,
    RABBITMQ_CONFIG_FILE: confFile,
    RABBITMQ_ADVANCED_CONFIG_FILE: path.join(baseDir, 'advanced.config'),
    RABBITMQ_CONF_ENV_FILE: envFile,
    RABBITMQ_ENABLED_PLUGINS_FILE: pluginsFile,
    RABBITMQ_PID_FILE: path.join(baseDir, 'rabbitmq.pid'),
    // Keep the Erlang distribution (node <-> CLI) on loopback with its own epmd.
    ERL_EPMD_PORT: String(epmdPort),
    ERL_EPMD_ADDRESS: '127.0.0.1',
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
  });

  const stdoutFile = path.join(dirs.log, 'stdout.log');
  const out = fs.openSync(stdoutFile, 'a');
  const cmd = commandAs(rabbitUser?.name, script, [], env);
  log(`starting RabbitMQ ${nodeName} on 127.0.0.1:${port} (management ${managementPort})`);
  // detached: its own process group, so a Ctrl-C in the terminal reaches only us and we stop it in order.
  const child = spawn(cmd.file, cmd.args, {
    env: cmd.env,
    cwd: baseDir,
    detached: true,
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  child.unref();

  const killGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, signal);
    } catch {
      // group already gone
    }
  };
  let stopped = false;
  const removeExitHook = onProcessExit(() => {
    if (stopped) return;
    killGroup('SIGKILL');
    killEpmd(epmdPort);
  });

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    log(`stopping RabbitMQ ${nodeName}`);
    // rabbitmq-server traps SIGTERM and stops the Erlang VM cleanly (rabbit:stop_and_halt), then exits.
    if (child.pid && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      if (!(await waitForExit(child, 60_000)))
        log(`RabbitMQ ${nodeName} did not stop within 60 s: killing it`);
    }
    // Fallback and sweep: anything left in its group (the Erlang VM, inet_gethost, erl_child_setup).
    killGroup('SIGKILL');
    killEpmd(epmdPort);
    removeExitHook();
  };

  const amqpUrl = `amqp://${RABBIT_USER}:${RABBIT_PASSWORD}@127.0.0.1:${port}`;
  const managementUrl = `http://127.0.0.1:${managementPort}`;
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) =>
      resolve(`rabbitmq-server exited early (code ${code}, signal ${signal})`),
    ),
  );

  try {
    const deadline = Date.now() + (options.startTimeoutMs ?? 180_000);
    let lastError = '';
    for (;;) {
      const early = await Promise.race([exited, sleep(500).then(() => undefined)]);
      if (early) throw new Error(early);
      try {
        const res = await fetch(`${managementUrl}/api/overview`, {
          headers: { authorization: basicAuth(RABBIT_USER, RABBIT_PASSWORD) },
          signal: AbortSignal.timeout(5_000),
        });
        if (res.ok) {
          await res.arrayBuffer();
          const connection = await amqp.connect(amqpUrl);
          await connection.close();
          break;
        }
        lastError = `management API answered ${res.status}`;
      } catch (e) {
        lastError = (e as Error).message;
      }
      if (Date.now() > deadline) throw new Error(`RabbitMQ did not become ready in time (${lastError})`);
    }
  } catch (e) {
    const details = `--- ${stdoutFile} ---\n${await tailFile(stdoutFile)}\n--- ${dirs.log}/${nodeName}.log ---\n${await tailFile(path.join(dirs.log, `${nodeName}.log`))}`;
    await stop();
    throw new Error(`${(e as Error).message}\n${details}`);
  }
  log(`RabbitMQ ${nodeName} ready`);

  return {
    amqpUrl,
    managementUrl,
    user: RABBIT_USER,
    password: RABBIT_PASSWORD,
    nodeName,
    port,
    managementPort,
    stop,
  };
}
