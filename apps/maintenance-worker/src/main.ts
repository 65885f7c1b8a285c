import {
  AdvisoryLock,
  JobRepository,
  MaintenanceRepository,
  OutboxRepository,
  OutboxWakeup,
  QUEUES,
  fairPublishingFrom,
  WebhookRepository,
} from '@quire/job-model';
import { createLogger, installProcessGuards } from '@quire/logging';
import { OutboxRelay, probeBroker, RabbitManagementClient, vhostOfAmqpUrl } from '@quire/messaging';
import { createMetrics } from '@quire/metrics';
import { startWorker } from '@quire/worker-runtime';
import { AddressAllowList, parseSecretKey } from '@quire/webhooks';
import { loadMaintenanceWorkerConfig } from './config';
import { cleanupExpiredJobsHandler } from './handlers/cleanup-expired-jobs.handler';
import { cleanupTempFilesHandler } from './handlers/cleanup-temp-files.handler';
import { healthCheckHandler } from './handlers/health-check.handler';
import { recoverStuckJobsHandler } from './handlers/recover-stuck-jobs.handler';
import { maintenanceMetrics } from './maintenance-metrics';
import { maintenancePolicy } from './policy';
import { MaintenanceScheduler } from './scheduler';
import { enabledSchedules } from './schedules';
import { WebhookDispatcher } from './webhook-dispatcher';

const config = loadMaintenanceWorkerConfig();
const logger = createLogger('maintenance-worker', config.LOG_LEVEL);
installProcessGuards(logger);
const metrics = createMetrics('maintenance-worker', {
  onSourceError: (source, err) => logger.warn('metrics source failed', { source, err: String(err) }),
});
const own = maintenanceMetrics(metrics);
const amqpUrl = new URL(config.QUIRE_AMQP_URL);
const management = config.QUIRE_RABBITMQ_MANAGEMENT_URL
  ? new RabbitManagementClient(config.QUIRE_RABBITMQ_MANAGEMENT_URL, {
      fallbackCredentials: {
        user: decodeURIComponent(amqpUrl.username) || 'guest',
        password: decodeURIComponent(amqpUrl.password) || 'guest',
      },
    })
  : null;
const vhost = vhostOfAmqpUrl(config.QUIRE_AMQP_URL);
const queueHealth = management ? (queues: readonly string[]) => management.queueHealth(vhost, queues) : null;
// Set once the companions start; handlers only run after that.
let relay: OutboxRelay | null = null;

await startWorker({
  service: 'maintenance-worker',
  config,
  policy: maintenancePolicy(),
  logger,
  metrics,
  handlers: ({ dataSource }) => {
    const repo = new MaintenanceRepository(dataSource);
    return {
      'cleanup-temp-files': cleanupTempFilesHandler({
        repo,
        tempRoot: config.QUIRE_TEMP_DIR,
        maxAgeHours: config.QUIRE_TEMP_MAX_AGE_HOURS,
        onFreed: (files, bytes) => {
          own.freedFiles.inc({ task: 'cleanup-temp-files' }, files);
          own.freedBytes.inc({ task: 'cleanup-temp-files' }, bytes);
        },
      }),
      'cleanup-expired-jobs': cleanupExpiredJobsHandler({
        repo,
        retentionDays: {
          completed: config.QUIRE_RETENTION_COMPLETED_DAYS,
          failed: config.QUIRE_RETENTION_FAILED_DAYS,
          cancelled: config.QUIRE_RETENTION_CANCELLED_DAYS,
        },
        mode: config.QUIRE_RETENTION_MODE,
        batchSize: config.QUIRE_RETENTION_BATCH_SIZE,
        maxBatches: config.QUIRE_RETENTION_MAX_BATCHES,
        onExpired: (status, jobs, bytes) => {
          own.jobsExpired.inc({ status }, jobs);
          own.freedBytes.inc({ task: 'cleanup-expired-jobs' }, bytes);
        },
      }),
      'health-check': healthCheckHandler({
        repo,
        probeBroker: () => probeBroker(config.QUIRE_AMQP_URL),
        queueHealth,
        tempRoot: config.QUIRE_TEMP_DIR,
        storageDir: config.QUIRE_STORAGE_DIR,
        diskFreeMinPercent: config.QUIRE_DISK_FREE_MIN_PERCENT,
        staleAfterMs: config.QUIRE_STALE_AFTER_MS,
        onJobCreated: () => relay?.nudge(),
      }),
      'recover-stuck-jobs': recoverStuckJobsHandler({
        repo,
        jobs: new JobRepository(dataSource),
        stuckAfterMs: config.QUIRE_STUCK_AFTER_MS,
        onRequeued: () => relay?.nudge(),
        onRecovered: (queue, outcome) => own.jobsRecovered.inc({ queue, outcome }),
      }),
    };
  },
  companions: async ({ dataSource, connection, publisher }) => {
    const repo = new MaintenanceRepository(dataSource);
    metrics.registerJobCounts(() => repo.countByTypeAndStatus(), config.QUIRE_METRICS_REFRESH_MS);
    if (queueHealth)
      metrics.registerQueueStats(
        async () => (await queueHealth(QUEUES)).filter((q) => q.declared),
        Math.min(config.QUIRE_METRICS_REFRESH_MS, 5_000),
      );

    // Scheduled and early-cleanup jobs are written to the outbox; publish them without waiting for the gateway.
    const outboxRelay = new OutboxRelay(
      new OutboxRepository(dataSource, fairPublishingFrom(config)),
      publisher,
      logger,
      config.QUIRE_OUTBOX_SWEEP_MS,
    );
    relay = outboxRelay;
    connection.on('connected', () => outboxRelay.nudge());
    outboxRelay.start();
    outboxRelay.nudge();
    // Every relay listens for freed queue slots (docs/architecture.md §11 (tenancy and fair sharing)).
    const wakeup = new OutboxWakeup({
      databaseUrl: config.QUIRE_DATABASE_URL,
      applicationName: 'maintenance-outbox-wakeup',
      onWake: () => outboxRelay.nudge(),
      onError: (err) => logger.warn('outbox wake-up connection failed; reconnecting', { err: String(err) }),
    });
    await wakeup.start();

    const closeables: Array<{ close(): Promise<void> }> = [wakeup, outboxRelay];
    if (config.QUIRE_WEBHOOK_DISPATCHER_ENABLED) {
      if (!config.QUIRE_WEBHOOK_SECRET_KEY)
        logger.warn('QUIRE_WEBHOOK_SECRET_KEY is not set: job callbacks cannot be signed and are not sent');
      const dispatcher = new WebhookDispatcher({
        repo: new WebhookRepository(dataSource),
        secretKey: config.QUIRE_WEBHOOK_SECRET_KEY ? parseSecretKey(config.QUIRE_WEBHOOK_SECRET_KEY) : null,
        allow: AddressAllowList.parse(config.QUIRE_WEBHOOK_ALLOW_PRIVATE),
        logger,
        pollMs: config.QUIRE_WEBHOOK_POLL_MS,
        batchSize: config.QUIRE_WEBHOOK_BATCH_SIZE,
        timeoutMs: config.QUIRE_WEBHOOK_TIMEOUT_MS,
        maxAttempts: config.QUIRE_WEBHOOK_MAX_ATTEMPTS,
        backoff: { baseMs: config.QUIRE_WEBHOOK_BACKOFF_BASE_MS, maxMs: config.QUIRE_WEBHOOK_BACKOFF_MAX_MS },
        onAttempt: (event, outcome) => own.webhookAttempts.inc({ event, outcome }),
      });
      dispatcher.start();
      closeables.push(dispatcher);
    }
    if (config.QUIRE_SCHEDULER_ENABLED) {
      const scheduler = new MaintenanceScheduler({
        schedules: enabledSchedules({
          'cleanup-temp-files': config.QUIRE_SCHEDULE_CLEANUP_TEMP_FILES,
          'cleanup-expired-jobs': config.QUIRE_SCHEDULE_CLEANUP_EXPIRED_JOBS,
          'health-check': config.QUIRE_SCHEDULE_HEALTH_CHECK,
          'recover-stuck-jobs': config.QUIRE_SCHEDULE_RECOVER_STUCK_JOBS,
        }),
        lock: new AdvisoryLock({
          databaseUrl: config.QUIRE_DATABASE_URL,
          name: 'quire:maintenance-scheduler',
          applicationName: 'maintenance-scheduler',
        }),
        createJob: async (task, idempotencyKey) => {
          const { job, created } = await repo.createSystemJob({
            type: task,
            params: {},
            correlationId: idempotencyKey,
            idempotencyKey,
          });
          if (created) outboxRelay.nudge();
          return { jobId: job.id, created };
        },
        logger,
        leaderRetryMs: config.QUIRE_SCHEDULER_LEADER_RETRY_MS,
        ...(config.QUIRE_SCHEDULER_TIMEZONE ? { timezone: config.QUIRE_SCHEDULER_TIMEZONE } : {}),
        onTick: (task, outcome) => own.schedulerTicks.inc({ task, outcome }),
        onLeadership: (leader) => own.schedulerLeader.set(leader ? 1 : 0),
      });
      await scheduler.start();
      // Closed first: no new ticks while the relay and the consumer wind down.
      closeables.unshift(scheduler);
    } else {
      logger.info('scheduler disabled (QUIRE_SCHEDULER_ENABLED=false)');
    }
    return closeables;
  },
});
