import { Writable } from 'node:stream';
import winston from 'winston';
import { describe, expect, it } from 'vitest';
import { addLogContext, createLogger, withLogContext } from './logger';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('test', 'debug');
  logger.clear();
  logger.add(
    new winston.transports.Stream({
      stream: new Writable({
        write(chunk: Buffer, _enc, cb) {
          lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
          cb();
        },
      }),
    }),
  );
  return { logger, lines };
}

describe('logger', () => {
  it('puts jobId, correlationId, queue and attempt on every line, across awaits', async () => {
    const { logger, lines } = capture();
    await withLogContext({ correlationId: 'c-1', queue: 'compression' }, async () => {
      addLogContext({ jobId: 'j-1', attempt: 2 });
      await new Promise((r) => setTimeout(r, 5));
      logger.info('inside');
    });
    logger.info('outside');
    expect(lines[0]).toMatchObject({
      message: 'inside',
      jobId: 'j-1',
      correlationId: 'c-1',
      queue: 'compression',
      attempt: 2,
      service: 'test',
    });
    expect(lines[1]).toMatchObject({
      message: 'outside',
      jobId: null,
      correlationId: null,
      queue: null,
      attempt: null,
    });
  });
});

describe('logger redaction', () => {
  const jwt =
    'eyJhbGciOiJFUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJlcmluIiwidGVuYW50Ijoic2VjcmV0cyJ9.c2lnbmF0dXJlLW9mLXRoZS10b2tlbi1oZXJl';
  const key = 'qk_Zx8y0aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789-_';

  it('masks URL passwords, API keys, JWTs and authorization values in the message, meta and errors', () => {
    const { logger, lines } = capture();
    const meta = { url: 'postgres://quire:s3cret-pw@db:5432/quire', nested: { list: [`Bearer ${jwt}`] } };
    logger.warn(`connect failed to amqp://app:mq-pa55@mq:5672/v with ${key}`, meta);
    logger.error('boom', { err: new Error(`bad token ${jwt}`), header: 'Basic YXBwOm1xLXBhNTU=' });
    const text = JSON.stringify(lines);
    for (const secret of ['s3cret-pw', 'mq-pa55', key, jwt.split('.')[2], 'YXBwOm1xLXBhNTU=']) {
      expect(text).not.toContain(secret);
    }
    expect(lines[0]).toMatchObject({
      message: 'connect failed to amqp://app:***@mq:5672/v with qk_<redacted>',
      url: 'postgres://quire:***@db:5432/quire',
      nested: { list: ['Bearer <jwt redacted>'] },
    });
    // The caller's objects are not changed.
    expect(meta.url).toContain('s3cret-pw');
  });

  it('leaves ordinary lines, URLs without passwords and key prefixes alone', () => {
    const { logger, lines } = capture();
    logger.info('API key refused', { keyPrefix: 'qk_Zx8y0aB', url: 'http://mq:15672/api', n: 3 });
    expect(lines[0]).toMatchObject({ keyPrefix: 'qk_Zx8y0aB', url: 'http://mq:15672/api', n: 3 });
  });
});
