import amqp from 'amqplib';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, createTestVhost, startApp, type TestDatabase, type TestVhost } from './index';

/** Proves the integration tier's plumbing: global setup servers, template clone, vhost, app processes. */
describe('@quire/testing', () => {
  let db: TestDatabase;
  let vhost: TestVhost;

  beforeAll(async () => {
    [db, vhost] = await Promise.all([createTestDatabase(), createTestVhost()]);
  });
  afterAll(async () => {
    await Promise.all([db?.drop(), vhost?.drop()]);
  });

  it('gives each file its own database, cloned from the migrated template', async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ one: number; db: string }>(
        'SELECT 1 AS one, current_database() AS db',
      );
      expect(rows).toEqual([{ one: 1, db: db.name }]);
      // TypeORM's bookkeeping table proves the migrations ran on the template before the clone.
      const applied = await client.query<{ n: string }>('SELECT count(*) AS n FROM migrations');
      expect(Number(applied.rows[0].n)).toBeGreaterThan(0);
    } finally {
      await client.end();
    }
  });

  it('gives each file its own vhost: declare, publish and consume one message', async () => {
    const connection = await amqp.connect(vhost.url);
    try {
      const channel = await connection.createConfirmChannel();
      const queue = 'testing.ping';
      await channel.assertQueue(queue, { durable: true });
      channel.sendToQueue(queue, Buffer.from(JSON.stringify({ hello: 'world' })), { persistent: true });
      await channel.waitForConfirms();

      const received = await new Promise<unknown>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no message within 10 s')), 10_000);
        void channel.consume(queue, (msg) => {
          if (!msg) return;
          clearTimeout(timer);
          channel.ack(msg);
          resolve(JSON.parse(msg.content.toString('utf8')));
        });
      });
      expect(received).toEqual({ hello: 'world' });
      await channel.close();
    } finally {
      await connection.close();
    }

    // The queue lives in this file's vhost only.
    const res = await fetch(
      `${vhost.managementUrl}/api/queues/${encodeURIComponent(vhost.vhost)}/testing.ping`,
      {
        headers: {
          authorization: `Basic ${Buffer.from(`${vhost.user}:${vhost.password}`).toString('base64')}`,
        },
      },
    );
    expect(res.status).toBe(200);
    await res.arrayBuffer();
  });

  it('starts an app as a real process, waits for /healthz, and stops it with SIGTERM', async () => {
    const app = await startApp(
      'fake-app',
      { LOG_LEVEL: 'warn' },
      { entry: 'libs/testing/src/fixtures/fake-app.ts' },
    );
    const res = await fetch(`${app.url}/healthz`);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    expect(await app.stop()).toEqual({ code: 0, signal: null });
    expect(app.output()).toContain('fake-app got SIGTERM');
  });
});
