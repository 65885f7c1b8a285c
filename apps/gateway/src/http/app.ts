import express, { type Express } from 'express';
import { NotFoundError } from '@quire/errors';
import type { ApiKeyRepository, MaintenanceRepository } from '@quire/job-model';
import type { QuireMetrics } from '@quire/metrics';
import { authenticate, requireAdmin } from './auth';
import type { JwtVerifier } from './jwt';
import { buildOpenApi } from './openapi';
import { docsViewer } from './docs-viewer';
import { consoleUi } from './console';
import { correlation } from './correlation';
import { tracing } from './tracing';
import { errorHandler } from './error-handler';
import { jobsRouter, type JobsRouteDeps } from '../routes/jobs.routes';
import { deadLettersRouter } from '../routes/dead-letters.routes';
import { maintenanceRouter } from '../routes/maintenance.routes';
import type { AmqpConnection } from '@quire/messaging';

export interface AppDeps extends JobsRouteDeps {
  keys: ApiKeyRepository;
  /** A `processing` job whose heartbeat is older than this has no live worker (dead-letter replay takes it back). */
  staleAfterMs: number;
  connection: AmqpConnection;
  /** Readiness of each dependency; `/readyz` is 503 unless all are true. */
  readiness: () => Promise<Record<string, boolean>>;
  /** Maintenance jobs (system tenant) and the latest health report, for the admin routes. */
  maintenance: MaintenanceRepository;
  /** Served at `/metrics` (Prometheus), with per-route HTTP request metrics. */
  metrics?: QuireMetrics;
  /** Bearer JWTs from the configured identity providers, besides API keys. */
  jwt?: JwtVerifier;
}

/** The gateway's HTTP surface (docs/architecture.md §7). */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', true);
  app.use(correlation());
  app.use(tracing());
  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      if (deps.metrics) {
        // The route pattern, not the URL: ids must not become label values.
        const route = req.route
          ? `${req.baseUrl}${String((req.route as { path: unknown }).path)}`
          : 'unmatched';
        const labels = { method: req.method, route };
        deps.metrics.httpRequests.inc({ ...labels, status: String(res.statusCode) });
        deps.metrics.httpDuration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
      }
      deps.logger.http('request', {
        method: req.method,
        path: req.originalUrl.split('?')[0],
        status: res.statusCode,
        ms: Number(process.hrtime.bigint() - started) / 1e6,
      });
    });
    next();
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const checks = await deps.readiness();
    const ready = Object.values(checks).every(Boolean);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not-ready', checks });
  });

  app.get('/metrics', async (_req, res) => {
    if (!deps.metrics) throw new NotFoundError('metrics are not enabled');
    const { contentType, body } = await deps.metrics.render();
    res.type(contentType).send(body);
  });

  const openApi = buildOpenApi();
  app.get('/openapi.json', (_req, res) => {
    res.json(openApi);
  });
  app.use(docsViewer());
  app.use(consoleUi());

  app.use('/v1', authenticate(deps.keys, deps.logger, deps.jwt));
  app.use('/v1/jobs', jobsRouter(deps));
  // Tenant admins and the platform operator; operator-only routes say so themselves.
  app.use('/v1/admin', requireAdmin, express.json({ limit: '16kb' }));
  app.use(
    '/v1/admin',
    maintenanceRouter({
      maintenance: deps.maintenance,
      jobs: deps.jobs,
      logger: deps.logger,
      onJobCreated: deps.onJobCreated,
    }),
  );
  app.use(
    '/v1/admin',
    deadLettersRouter({
      jobs: deps.jobs,
      connection: deps.connection,
      logger: deps.logger,
      onJobRequeued: deps.onJobCreated,
      staleAfterMs: deps.staleAfterMs,
    }),
  );
  app.use((req, _res, next) => next(new NotFoundError(`no route for ${req.method} ${req.path}`)));
  app.use(errorHandler(deps.logger));
  return app;
}
