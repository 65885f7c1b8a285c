import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { NotFoundError, ValidationError } from '@quire/errors';
import {
  InvalidCursorError,
  JOB_CATALOG,
  JOB_STATUSES,
  JOB_TYPES,
  jobParamSchemas,
  type JobRepository,
  type JobType,
  type MaintenanceRepository,
} from '@quire/job-model';
import type { Logger } from '@quire/logging';
import { principalOf, requireOperator } from '../http/auth';
import { presentJob } from '../http/job-presenter';
import { formatZodIssues } from '../http/zod-issues';

export interface MaintenanceRouteDeps {
  maintenance: MaintenanceRepository;
  jobs: JobRepository;
  logger: Logger;
  /** Called after the job and its outbox row are committed (publish now). */
  onJobCreated: () => void;
}

/** The maintenance job types that can run now (catalog: queue `maintenance`, available). */
const TASKS = JOB_TYPES.filter((t) => JOB_CATALOG[t].queue === 'maintenance' && JOB_CATALOG[t].available);

const listQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().max(200).optional(),
    status: z.enum(JOB_STATUSES).optional(),
    type: z.enum(TASKS as [JobType, ...JobType[]]).optional(),
  })
  .strict();

/**
 * Platform operator only (mounted under /v1/admin): run a maintenance task now, list maintenance jobs, and the
 * latest health report — they act on, and report about, every tenant. Maintenance jobs belong to the `system`
 * tenant; operator keys can read them at /v1/jobs/{id}. Task params are the catalog's bounded zod schemas (no
 * paths, no tenants).
 */
export function maintenanceRouter(deps: MaintenanceRouteDeps): Router {
  const router = Router();
  router.use(['/maintenance', '/health'], requireOperator);

  /** Queues the task as a job on the `maintenance` queue: 202 + the job JSON + Location. Body: the task's params (optional). */
  router.post('/maintenance/:task', async (req: Request, res: Response) => {
    const task = String(req.params.task);
    if (!(TASKS as string[]).includes(task)) {
      throw new NotFoundError(`unknown maintenance task "${task}"`, { details: { allowed: TASKS } });
    }
    const raw: unknown = req.body ?? {};
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      throw new ValidationError('the body must be a JSON object of the task’s params');
    const parsed = jobParamSchemas[task as JobType].safeParse(raw);
    if (!parsed.success) {
      throw new ValidationError(`invalid params: ${formatZodIssues(parsed.error.issues)}`, {
        details: {
          issues: parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
        },
      });
    }
    const principal = principalOf(req);
    const idempotencyKey = req.header('idempotency-key')?.trim();
    if (idempotencyKey && idempotencyKey.length > 200)
      throw new ValidationError('Idempotency-Key is longer than 200 characters');
    const { job, created } = await deps.maintenance.createSystemJob({
      type: task as JobType,
      params: parsed.data,
      ...(req.correlationId ? { correlationId: req.correlationId } : {}),
      ...(idempotencyKey ? { idempotencyKey: `admin:${principal.keyId}:${idempotencyKey}` } : {}),
    });
    if (created) deps.onJobCreated();
    deps.logger.info('maintenance task requested', {
      task,
      maintenanceJobId: job.id,
      requestedBy: principal.keyId,
      created,
    });
    res.status(202).location(`/v1/jobs/${job.id}`);
    if (!created) res.setHeader('Idempotent-Replayed', 'true');
    res.json(presentJob(job));
  });

  /** Maintenance jobs (scheduled and admin-run), newest first; `type`, `status`, `limit`, `cursor`. */
  router.get('/maintenance/jobs', async (req: Request, res: Response) => {
    const q = listQuery.safeParse(req.query);
    if (!q.success) throw new ValidationError(`invalid query: ${formatZodIssues(q.error.issues)}`);
    try {
      const page = await deps.jobs.listForTenant(await deps.maintenance.systemTenantId(), q.data);
      res.json({ items: page.jobs.map(presentJob), nextCursor: page.nextCursor });
    } catch (err) {
      if (err instanceof InvalidCursorError) throw new ValidationError('invalid cursor');
      throw err;
    }
  });

  /** The latest health report (the result of the newest completed health-check job). */
  router.get('/health', async (_req: Request, res: Response) => {
    const job = await deps.maintenance.latestCompleted('health-check');
    if (!job?.result)
      throw new NotFoundError(
        'no health report yet: run POST /v1/admin/maintenance/health-check, or wait for the schedule',
      );
    const reportedAt = job.finishedAt ?? job.updatedAt;
    res.json({
      ...job.result,
      jobId: job.id,
      reportedAt: reportedAt.toISOString(),
      ageSeconds: Math.max(0, Math.round((Date.now() - reportedAt.getTime()) / 1000)),
    });
  });

  return router;
}
