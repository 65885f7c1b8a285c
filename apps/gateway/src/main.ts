import type { Server } from 'node:http';
import {
  createDataSource,
  initializeWithRetry,
  ApiKeyRepository,
  JobRepository,
  WebhookRepository,
  MaintenanceRepository,
  OutboxRepository,
  OutboxWakeup,
  RedactionAuditRepository,
  TenantQuotaRepository,
  fairPublishingFrom,
} from '@quire/job-model';
import { createMupdf } from '@quire/engine-mupdf';
import { createLogger, installProcessGuards } from '@quire/logging';
import {
  AmqpConnection,
  ConfirmPublisher,
  OutboxRelay,
  broadcastCancel,
  declareExchanges,
} from '@quire/messaging';
import { createMetrics } from '@quire/metrics';
import { LocalBlobStore } from '@quire/storage';
import { AddressAllowList } from '@quire/webhooks';
import { initTracing } from '@quire/tracing';
import { loadGatewayConfig } from './config';
import { createApp } from './http/app';
import { createHttpServer } from './http/server';
import { JwtVerifier } from './http/jwt';
import { TenantLimiter } from './http/tenant-limits';

const config = loadGatewayConfig();
const logger = createLogger('gateway', config.LOG_LEVEL);
installProcessGuards(logger);
const tracingHandle = await initTracing({
  serviceName: 'gateway',
  endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
  onError: (err) => logger.warn('trace export failed', { err: String(err) }),
});
if (tracingHandle.enabled) logger.info('tracing on: spans exported over OTLP/HTTP');

const ds = createDataSource(config.QUIRE_DATABASE_URL, { applicationName: 'gateway' });
await initializeWithRetry(ds, (msg, meta) => logger.warn(msg, meta));
const keys = new ApiKeyRepository(ds);
if (config.QUIRE_BOOTSTRAP_API_KEY) {
  await keys.ensureKey('default', config.QUIRE_BOOTSTRAP_API_KEY, 'operator', 'bootstrap');
  logger.info('bootstrap API key ensured: the platform operator (tenant "default")');
}

const jwt = await JwtVerifier.create(config.QUIRE_JWT_ISSUERS);
if (jwt.enabled)
  logger.info('bearer JWTs accepted', { issuers: config.QUIRE_JWT_ISSUERS.map((i) => i.issuer) });

const connection = new AmqpConnection({ url: config.QUIRE_AMQP_URL, connectionName: 'gateway', logger });
await connection.addSetup(async (conn) => {
  const ch = await conn.createChannel();
  await declareExchanges(ch);
  await ch.close();
});
const publisher = new ConfirmPublisher(connection);
await publisher.start();
const relay = new OutboxRelay(
  new OutboxRepository(ds, fairPublishingFrom(config)),
  publisher,
  logger,
  config.QUIRE_OUTBOX_SWEEP_MS,
);
connection.on('connected', () => relay.nudge());
// Uploads are accepted while the broker is down: the outbox keeps them until it is back.
void connection.start();
relay.start();
// A worker claimed a job: its tenant may have a held-back message to publish (docs/architecture.md §11 (tenancy and fair sharing)).
const wakeup = new OutboxWakeup({
  databaseUrl: config.QUIRE_DATABASE_URL,
  applicationName: 'gateway-outbox-wakeup',
  onWake: () => relay.nudge(),
  onError: (err) => logger.warn('outbox wake-up connection failed; reconnecting', { err: String(err) }),
});
await wakeup.start();

const maintenance = new MaintenanceRepository(ds);
const metrics = createMetrics('gateway', {
  onSourceError: (source, err) => logger.warn('metrics source failed', { source, err: String(err) }),
});
metrics.registerJobCounts(() => maintenance.countByTypeAndStatus());

// Decrypts `redact` uploads given a password, in a supervised child started on first use.
const mupdf = createMupdf({ size: 1, timeoutMs: config.QUIRE_DECRYPT_TIMEOUT_MS, maxQueue: 8 });

const app = createApp({
  jobs: new JobRepository(ds),
  maintenance,
  metrics,
  keys,
  jwt,
  staleAfterMs: config.QUIRE_STALE_AFTER_MS,
  connection,
  broadcastCancel: (jobId) => broadcastCancel(publisher, jobId),
  storage: new LocalBlobStore(config.QUIRE_STORAGE_DIR),
  limits: {
    maxFileBytes: config.QUIRE_MAX_UPLOAD_BYTES,
    maxTotalBytes: config.QUIRE_MAX_TOTAL_UPLOAD_BYTES,
    maxFiles: config.QUIRE_MAX_FILES,
  },
  logger,
  onJobCreated: () => relay.nudge(),
  redaction: {
    audit: new RedactionAuditRepository(ds),
    mupdf,
    decryptTimeoutMs: config.QUIRE_DECRYPT_TIMEOUT_MS,
  },
  webhooks: new WebhookRepository(ds),
  callbackAllow: AddressAllowList.parse(config.QUIRE_WEBHOOK_ALLOW_PRIVATE),
  tenantLimits: new TenantLimiter(
    new TenantQuotaRepository(ds),
    {
      defaults: {
        submitRate: config.QUIRE_TENANT_SUBMIT_RATE,
        maxActiveJobs: config.QUIRE_TENANT_MAX_ACTIVE_JOBS,
        storageBytes: config.QUIRE_TENANT_STORAGE_BYTES,
        maxEventStreams: config.QUIRE_TENANT_MAX_EVENT_STREAMS,
      },
      overrides: config.QUIRE_TENANT_LIMITS,
      windowMs: config.QUIRE_TENANT_RATE_WINDOW_MS,
      busyRetryAfterMs: config.QUIRE_TENANT_BUSY_RETRY_AFTER_MS,
    },
    logger,
  ),
  readiness: async () => ({
    database: await ds.query('SELECT 1').then(
      () => true,
      () => false,
    ),
    broker: connection.isConnected,
  }),
});

const server: Server = createHttpServer(app, {
  headersMs: config.QUIRE_HTTP_HEADERS_TIMEOUT_MS,
  requestMs: config.QUIRE_HTTP_REQUEST_TIMEOUT_MS,
  idleMs: config.QUIRE_HTTP_IDLE_TIMEOUT_MS,
});
server.listen(config.PORT, () => logger.info('gateway listening', { port: config.PORT }));

let stopping = false;
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.once(sig, () => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down');
    server.close();
    void (async () => {
      await wakeup.close();
      await relay.stop();
      await mupdf.close();
      await connection.close();
      await ds.destroy();
      await tracingHandle.shutdown();
      process.exit(0);
    })();
  });
}
