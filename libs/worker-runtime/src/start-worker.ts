import http from 'node:http';
import type { DataSource } from 'typeorm';
import { createDataSource, initializeWithRetry, JobRepository, jobTypesOfQueue } from '@quire/job-model';
import { createLogger, installProcessGuards, type Logger } from '@quire/logging';
import { initTracing } from '@quire/tracing';
import {
  AmqpConnection,
  ConfirmPublisher,
  QueueConsumer,
  subscribeToControl,
  type QueuePolicy,
} from '@quire/messaging';
import { createMetrics, type QuireMetrics } from '@quire/metrics';
import { LocalBlobStore, type BlobStore } from '@quire/storage';
import type { HandlerRegistry } from './job-handler';
import { createJobConsumerHandlers } from './job-consumer';
import type { FanOutRegistry, FanOutSettings } from './fan-out';
import type { WorkerBaseConfig } from './worker-config';

/** What startWorker builds, handed to handler factories and companions that need more than a JobContext. */
export interface WorkerServices {
  dataSource: DataSource;
  connection: AmqpConnection;
  publisher: ConfirmPublisher;
  storage: BlobStore;
  logger: Logger;
  metrics: QuireMetrics;
}

export interface StartWorkerOptions {
  service: string;
  config: WorkerBaseConfig;
  policy: QueuePolicy;
  /** The handlers, or a factory given the worker's services (database, broker, metrics). */
  handlers: HandlerRegistry | ((services: WorkerServices) => HandlerRegistry);
  /** Resources the handlers own (engine pools); closed after the consumer stops. */
  closeables?: Array<{ close(): Promise<void> }>;
  /** Job types that run split across workers when large (docs/architecture.md (fan-out)), and when. */
  fanOut?: { types: FanOutRegistry; settings: FanOutSettings };
  /**
   * Long-running parts besides the consumer (the maintenance worker's scheduler and outbox relay), started once
   * the consumer runs and closed first on shutdown, before in-flight jobs are drained.
   */
  companions?: (services: WorkerServices) => Promise<Array<{ close(): Promise<void> }>>;
  /** Served at `/metrics`; default: a registry for `service` with the default process metrics. */
  metrics?: QuireMetrics;
  logger?: Logger;
}

export interface RunningWorker {
  stop(): Promise<void>;
  port: number;
}

/**
 * Wires a worker process: database, broker, consumer, health server, SIGTERM handling. Refuses to start when a job
 * type of its queue has no handler.
 */
export async function startWorker(options: StartWorkerOptions): Promise<RunningWorker> {
  const { config, policy } = options;
  const logger = options.logger ?? createLogger(options.service, config.LOG_LEVEL);
  installProcessGuards(logger);
  const tracing = await initTracing({
    serviceName: options.service,
    endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
    onError: (err) => logger.warn('trace export failed', { err: String(err) }),
  });
  if (tracing.enabled) logger.info('tracing on: spans exported over OTLP/HTTP');
  const metrics =
    options.metrics ??
    createMetrics(options.service, {
      onSourceError: (source, err) => logger.warn('metrics source failed', { source, err: String(err) }),
    });

  const ds: DataSource = createDataSource(config.QUIRE_DATABASE_URL, {
    applicationName: options.service,
    poolSize: policy.concurrency + 3,
  });
  const connection = new AmqpConnection({
    url: config.QUIRE_AMQP_URL,
    connectionName: options.service,
    logger,
  });
  const publisher = new ConfirmPublisher(connection);
  const storage = new LocalBlobStore(config.QUIRE_STORAGE_DIR);
  const services: WorkerServices = { dataSource: ds, connection, publisher, storage, logger, metrics };
  const handlers = typeof options.handlers === 'function' ? options.handlers(services) : options.handlers;
  const missing = jobTypesOfQueue(policy.queue as never).filter((t) => !handlers[t]);
  if (missing.length > 0)
    throw new Error(
      `${options.service}: no handler for job type(s) ${missing.join(', ')} of queue ${policy.queue}`,
    );

  await initializeWithRetry(ds, (msg, meta) => logger.warn(msg, meta));
  await publisher.start();
  const jobHandlers = createJobConsumerHandlers({
    jobs: new JobRepository(ds),
    storage,
    policy,
    handlers,
    logger,
    tempRoot: config.QUIRE_TEMP_DIR,
    heartbeatMs: config.QUIRE_HEARTBEAT_MS,
    staleAfterMs: config.QUIRE_STALE_AFTER_MS,
    onAttemptEnd: (type, outcome, seconds) => metrics.recordAttempt(type, outcome, seconds),
    onDeadLetter: (queue, type) => metrics.deadLetters.inc({ queue, type }),
    ...(options.fanOut ? { fanOut: options.fanOut } : {}),
  });
  const consumer = new QueueConsumer({ connection, publisher, policy, logger, handlers: jobHandlers });
  await consumer.start();
  await subscribeToControl(connection, logger, (jobId) => jobHandlers.cancelJob(jobId));
  await connection.start();
  const companions = options.companions ? await options.companions(services) : [];

  const server = http.createServer((req, res) => {
    void (async () => {
      if (req.url === '/healthz') return send(res, 200, { status: 'ok' });
      if (req.url === '/metrics') {
        const rendered = await metrics.render().catch((err: unknown) => {
          logger.warn('metrics rendering failed', { err: String(err) });
          return null;
        });
        if (!rendered) return send(res, 500, { error: { code: 'INTERNAL', message: 'metrics unavailable' } });
        res.writeHead(200, { 'content-type': rendered.contentType });
        return res.end(rendered.body);
      }
      if (req.url === '/readyz') {
        const db = await ds.query('SELECT 1').then(
          () => true,
          () => false,
        );
        const ready = db && connection.isConnected && consumer.consuming;
        return send(res, ready ? 200 : 503, {
          status: ready ? 'ready' : 'not-ready',
          database: db,
          broker: connection.isConnected,
          consuming: consumer.consuming,
          active: consumer.activeCount,
        });
      }
      return send(res, 404, { error: { code: 'NOT_FOUND', message: 'not found' } });
    })();
  });
  await new Promise<void>((resolve) => server.listen(config.PORT, resolve));
  const port = (server.address() as { port: number }).port;
  logger.info('worker started', { queue: policy.queue, port, concurrency: policy.concurrency });

  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      logger.info('shutting down: no new jobs; finishing in-flight ones', {
        graceMs: config.QUIRE_SHUTDOWN_GRACE_MS,
      });
      for (const c of companions)
        await c
          .close()
          .catch((err: unknown) => logger.warn('closing a companion failed', { err: String(err) }));
      await consumer.stop(config.QUIRE_SHUTDOWN_GRACE_MS);
      await connection.close();
      for (const c of options.closeables ?? []) await c.close().catch(() => undefined);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await ds.destroy();
      await tracing.shutdown();
      logger.info('stopped');
    })());
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.once(sig, () => {
      void stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
  return { stop, port };
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
