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
