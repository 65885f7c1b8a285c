import amqp from 'amqplib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CorruptPdfError, TimeoutError, type QuireError } from '@quire/errors';
import { createLogger } from '@quire/logging';
import { createTestVhost, type TestVhost } from '@quire/testing';
import { AmqpConnection } from './connection';
import { QueueConsumer, REASON_HEADER, type ConsumerHandlers, type Delivery } from './consumer';
import { defineQueuePolicy, topologyNames } from './policy';
import { ConfirmPublisher } from './publisher';
import { declareQueueTopology } from './topology';

const logger = createLogger('messaging-test', 'error', { silent: true });

describe('consumer runtime against RabbitMQ', () => {
  let vhost: TestVhost;
  let connection: AmqpConnection;
  let publisher: ConfirmPublisher;
  let consumer: QueueConsumer | null = null;
  let n = 0;

  beforeAll(async () => {
    vhost = await createTestVhost();
    connection = new AmqpConnection({ url: vhost.amqpUrl, connectionName: 'test', logger });
    publisher = new ConfirmPublisher(connection);
    await publisher.start();
    await connection.start();
  });
  afterEach(async () => {
    await consumer?.stop(1000);
    consumer = null;
  });
  afterAll(async () => {
    await connection.close();
    await vhost.cleanup();
  });

  const policyFor = (queue: string) =>
    defineQueuePolicy({
      queue,
      prefetch: 1,
      concurrency: 1,
      retryDelaysMs: [300],
      maxAttempts: 2,
      deliveryLimit: 2,
      softTimeLimitMs: 2000,
      hardTimeLimitMs: 3000,
    });

  async function run(queue: string, handlers: Partial<ConsumerHandlers>, messages: number) {
    const policy = policyFor(queue);
    const events: Array<{ kind: string; attempt: number; error?: string; deadLetter?: boolean }> = [];
    let settled = 0;
    let resolveAll!: () => void;
    const all = new Promise<void>((r) => (resolveAll = r));
    const bump = () => {
      if (++settled === messages) resolveAll();
    };
    consumer = new QueueConsumer({
      connection,
      publisher,
      policy,
      logger,
      requeueDelayMs: 50,
      handlers: {
        handle: async (d: Delivery, ctx) => {
          const result = await (handlers.handle ?? (() => Promise.resolve('done' as const)))(d, ctx);
          events.push({ kind: 'done', attempt: d.attempt });
          bump();
          return result;
        },
        onRetry: async (d, e: QuireError, disp) => {
          events.push({ kind: 'retry', attempt: d.attempt, error: e.code });
          await Promise.resolve(disp);
        },
        onFail: async (d, e: QuireError, disp) => {
          events.push({ kind: 'fail', attempt: d.attempt, error: e.code, deadLetter: disp.deadLetter });
          bump();
          await Promise.resolve();
        },
      },
    });
    await consumer.start();
    for (let i = 0; i < messages; i++) {
      await publisher.publish(topologyNames.jobsExchange, queue, { i }, { messageId: `m-${++n}` });
    }
    await all;
    return events;
  }

  it('retries a retryable error through the TTL tier and then succeeds', async () => {
    const events = await run(
      'q-retry',
      {
        handle: async (d) => {
          if (d.attempt === 1) throw new TimeoutError('slow');
          return Promise.resolve('done');
        },
      },
      1,
    );
    expect(events).toEqual([
      { kind: 'retry', attempt: 1, error: 'TIMEOUT' },
      { kind: 'done', attempt: 2 },
    ]);
  });

  it('fails a non-retryable error at once, without a dead letter', async () => {
    const events = await run(
      'q-corrupt',
      { handle: () => Promise.reject(new CorruptPdfError('bad xref')) },
      1,
    );
    expect(events).toEqual([{ kind: 'fail', attempt: 1, error: 'PDF_CORRUPT', deadLetter: false }]);
    const conn = await amqp.connect(vhost.amqpUrl);
    const ch = await conn.createChannel();
    expect((await ch.checkQueue('q-corrupt.dlq')).messageCount).toBe(0);
    await conn.close();
  });

  it('dead-letters a message whose retries are exhausted, with the reason', async () => {
    const events = await run(
      'q-exhaust',
      { handle: () => Promise.reject(new TimeoutError('always slow')) },
      1,
    );
    expect(events.map((e) => e.kind)).toEqual(['retry', 'fail']);
    expect(events[1]).toMatchObject({ deadLetter: true, attempt: 2 });
    const conn = await amqp.connect(vhost.amqpUrl);
    const ch = await conn.createChannel();
    const msg = await ch.get('q-exhaust.dlq', { noAck: true });
    expect(msg).not.toBe(false);
    if (msg) expect(String(msg.properties.headers?.[REASON_HEADER])).toContain('always slow');
    await conn.close();
  });

  it('sends a message that keeps killing its consumer to the .dlq via the delivery limit', async () => {
    const queue = 'q-poison';
    const policy = policyFor(queue);
    const conn = await amqp.connect(vhost.amqpUrl);
    const setup = await conn.createChannel();
    await declareQueueTopology(setup, policy);
    await publisher.publish(topologyNames.jobsExchange, queue, { poison: true }, { messageId: 'poison' });
    // Each "crash" takes the message and dies without acking (the channel closes).
    for (let i = 0; i < policy.deliveryLimit + 1; i++) {
      const ch = await conn.createChannel();
      const msg = await ch.get(queue, { noAck: false });
      if (!msg) break;
      await ch.close();
    }
    let dead: amqp.GetMessage | false = false;
    for (let i = 0; i < 50 && !dead; i++) {
      dead = await setup.get(`${queue}.dlq`, { noAck: true });
      if (!dead) await new Promise((r) => setTimeout(r, 100));
    }
    expect(dead).not.toBe(false);
    expect((await setup.checkQueue(queue)).messageCount).toBe(0);
    await conn.close();
  });
});
