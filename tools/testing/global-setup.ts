/**
 * Vitest global setup of the integration and e2e tiers (vitest.int.config.ts, vitest.e2e.config.ts).
 *
 * Starts one PostgreSQL (fast mode) and one RabbitMQ for the whole run, on free ports, in a temp dir, so it never
 * collides with `npm start` or another run; migrates the `quire_template` database once; and provides the URLs to
 * the test files (`inject('quireInfra')`, used by @quire/testing). Each test file then clones its own database from
 * the template (milliseconds) and creates its own vhost, which is what makes parallel test files independent.
 *
 * Set QUIRE_TEST_DATABASE_URL / QUIRE_TEST_AMQP_URL / QUIRE_TEST_RABBITMQ_MANAGEMENT_URL to use existing servers
 * instead (the database role needs CREATEDB; the management URL may carry credentials, else the AMQP ones are used).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import type { QuireTestInfra } from '@quire/testing';
import {
  basicAuth,
  databaseUrlFor,
  deleteVhost,
  onProcessExit,
  parseManagementUrl,
  startPostgres,
  startRabbitMQ,
  type PostgresServer,
  type RabbitMQServer,
  withPgClient,
} from '@quire/dev-infra';

const TEMPLATE = 'quire_template';

const log = (message: string) => process.stderr.write(`[quire test infra] ${message}\n`);

/** (Re)creates the template and applies the committed migrations to it, once per run. */
async function prepareTemplate(adminUrl: string, ownerUrl: string): Promise<void> {
  const owner = decodeURIComponent(new URL(ownerUrl).username);
  await withPgClient(adminUrl, async (client) => {
    // FORCE: a previous run against an external server may have left a connection behind.
    await client.query(`DROP DATABASE IF EXISTS ${TEMPLATE} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${TEMPLATE} OWNER "${owner.replace(/"/g, '""')}"`);
  });
  const started = Date.now();
  const { runMigrations } = await import('@quire/job-model');
  await runMigrations(databaseUrlFor(ownerUrl, TEMPLATE));
  // No connections from now on: CREATE DATABASE ... TEMPLATE fails while anyone is connected to the template.
  await withPgClient(ownerUrl, (client) =>
    client.query(`ALTER DATABASE ${TEMPLATE} WITH ALLOW_CONNECTIONS false`),
  );
  log(`migrated ${TEMPLATE} in ${Date.now() - started} ms`);
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const runId = randomBytes(3).toString('hex');
  const started = Date.now();
  const cleanups: Array<() => Promise<void>> = [];
  const teardown = async () => {
    // Reverse order; keep going on errors so one failure does not leave servers running.
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((e: unknown) => log(`teardown step failed: ${(e as Error).message}`));
    }
  };

  try {
    const externalDb = process.env.QUIRE_TEST_DATABASE_URL;
    const externalAmqp = process.env.QUIRE_TEST_AMQP_URL;
    const externalManagement = process.env.QUIRE_TEST_RABBITMQ_MANAGEMENT_URL;
    if (externalAmqp && !externalManagement) {
      throw new Error(
        'QUIRE_TEST_AMQP_URL needs QUIRE_TEST_RABBITMQ_MANAGEMENT_URL too (vhosts are created through it)',
      );
    }

    let tempDir: string | undefined;
    if (!externalDb || !externalAmqp) {
      tempDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'quire-test-'));
      const dir = tempDir;
      cleanups.push(() => fsp.rm(dir, { recursive: true, force: true }));
    }

    // Both servers boot in parallel: RabbitMQ's ~8 s dominates, PostgreSQL is ready long before.
    const [postgres, rabbit] = await Promise.allSettled([
      externalDb
        ? Promise.resolve(undefined)
        : startPostgres({ dataDir: path.join(tempDir!, 'postgres'), fast: true, log }),
      externalAmqp
        ? Promise.resolve(undefined)
        : startRabbitMQ({ dataDir: path.join(tempDir!, 'rabbitmq'), log }),
    ]);
    const pgServer: PostgresServer | undefined = postgres.status === 'fulfilled' ? postgres.value : undefined;
    const rabbitServer: RabbitMQServer | undefined = rabbit.status === 'fulfilled' ? rabbit.value : undefined;
    if (pgServer) cleanups.push(() => pgServer.stop());
    if (rabbitServer) cleanups.push(() => rabbitServer.stop());
    if (postgres.status === 'rejected') throw postgres.reason;
    if (rabbit.status === 'rejected') throw rabbit.reason;
    if (tempDir) {
      // Ctrl-C: vitest exits without running the teardown; the servers' exit hooks kill them (registered first, so
      // they run first), then this removes their folder.
      const dir = tempDir;
      const unregister = onProcessExit(() => fs.rmSync(dir, { recursive: true, force: true }));
      cleanups.push(() => {
        unregister();
        return Promise.resolve();
      });
    }

    const databaseUrl = externalDb ?? pgServer!.url;
    await prepareTemplate(pgServer?.adminUrl ?? databaseUrl, databaseUrl);

    let management: { url: string; user: string; password: string };
    let amqpUrl: string;
    if (rabbitServer) {
      amqpUrl = rabbitServer.amqpUrl;
      management = {
        url: rabbitServer.managementUrl,
        user: rabbitServer.user,
        password: rabbitServer.password,
      };
    } else {
      amqpUrl = externalAmqp!;
      const amqp = new URL(amqpUrl);
      management = parseManagementUrl(externalManagement!, {
        user: decodeURIComponent(amqp.username) || 'guest',
        password: decodeURIComponent(amqp.password) || 'guest',
      });
    }

    if (externalDb) {
      // Our own servers vanish with the temp dir; on shared ones, sweep what this run's tests left behind.
      cleanups.push(() =>
        withPgClient(databaseUrl, async (client) => {
          const { rows } = await client.query<{ datname: string }>(
            `SELECT datname FROM pg_database WHERE datname LIKE $1`,
            [`quire_t_${runId}_%`],
          );
          for (const { datname } of rows)
            await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
        }),
      );
    }
    if (externalAmqp) {
      cleanups.push(async () => {
        const res = await fetch(`${management.url}/api/vhosts`, {
          headers: { authorization: basicAuth(management.user, management.password) },
        });
        const vhosts = (await res.json()) as Array<{ name: string }>;
        for (const { name } of vhosts) {
          if (name.startsWith(`quire-t-${runId}-`))
            await deleteVhost(management.url, management.user, management.password, name);
        }
      });
    }

    const infra: QuireTestInfra = {
      runId,
      databaseUrl,
      databaseTemplate: TEMPLATE,
      amqpUrl,
      rabbitmqManagementUrl: management.url,
      rabbitmqUser: management.user,
      rabbitmqPassword: management.password,
    };
    project.provide('quireInfra', infra);
    log(
      `ready in ${((Date.now() - started) / 1000).toFixed(1)} s (database ${new URL(databaseUrl).host}, broker ${new URL(amqpUrl).host})`,
    );
  } catch (e) {
    await teardown();
    throw e;
  }

  return teardown;
}
