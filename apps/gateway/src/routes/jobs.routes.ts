import { randomUUID } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { ConflictError, GoneError, NotFoundError, ValidationError } from '@quire/errors';
import {
  InvalidCursorError,
  JOB_CATALOG,
  JOB_STATUSES,
  isJobType,
  isTerminal,
  jobParamSchemas,
  paramsProblemForInputs,
  type JobEntity,
  type JobInput,
  type JobRepository,
  type JobType,
  type Principal,
  type WebhookRepository,
} from '@quire/job-model';
import type { AddressAllowList } from '@quire/webhooks';
import { addLogContext, type Logger } from '@quire/logging';
import { jobKeys, type BlobStore } from '@quire/storage';
import { ownJobsOf, principalOf } from '../http/auth';
import { presentJob, storedOutputs } from '../http/job-presenter';
import { readCallbackChoice, type CallbackChoice } from '../http/callback-options';
import { requestTraceparent } from '../http/tracing';
import { receiveUpload, type UploadLimits } from '../http/multipart-upload';
import { streamStoredFile } from '../http/file-download';
import { streamZip } from '../http/zip-download';
import { formatZodIssues } from '../http/zod-issues';
import type { TenantLimiter } from '../http/tenant-limits';
import { checkSourceJob, receiveParamsOnly } from './derived-job';
import {
  checkDetectSource,
  decryptUploads,
  presentAudit,
  recordSubmission,
  type RedactionRouteDeps,
} from './redaction';

export interface JobsRouteDeps {
  jobs: JobRepository;
  storage: BlobStore;
  limits: UploadLimits;
  logger: Logger;
  /** Called after a job (and its outbox row) is committed, to publish without waiting for the sweep. */
  onJobCreated: () => void;
  /** Tells workers to abort a processing job now (best effort; heartbeats also carry the request). */
  broadcastCancel: (jobId: string) => Promise<void>;
  /** Per-tenant fair-sharing limits (rate, unfinished jobs, storage, event streams); none when absent. */
  tenantLimits?: TenantLimiter;
  /** `redact` jobs: password decryption and the audit trail. Without it, `redact` answers 404 like an unknown type. */
  redaction?: RedactionRouteDeps;
  /** Callback settings and outbox (docs/architecture.md (webhooks)). */
  webhooks: WebhookRepository;
  /** Exceptions to the callback SSRF policy (QUIRE_WEBHOOK_ALLOW_PRIVATE). */
  callbackAllow: AddressAllowList;
}

const listQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().max(200).optional(),
    status: z.enum(JOB_STATUSES).optional(),
    type: z.string().max(64).optional(),
  })
  .strict();

/** Under the gateway's idle timeout (QUIRE_HTTP_IDLE_TIMEOUT_MS, at least 15 s in practice) and common proxies'. */
const SSE_KEEPALIVE_MS = 15_000;

const PUBLIC_TYPES = Object.entries(JOB_CATALOG)
  .filter(([, spec]) => spec.public && spec.available)
  .map(([t]) => t);

/** /v1/jobs: submit, read, list and download jobs of the caller's tenant. */
export function jobsRouter(deps: JobsRouteDeps): Router {
  const router = Router();
  const { jobs, storage } = deps;

  router.post('/:type', async (req: Request, res: Response) => {
    const principal = principalOf(req);
    const type = String(req.params.type);
    if (
      !isJobType(type) ||
      !JOB_CATALOG[type].public ||
      !JOB_CATALOG[type].available ||
      (type === 'redact' && !deps.redaction)
    ) {
      throw new NotFoundError(`unknown job type "${type}"`, { details: { allowed: PUBLIC_TYPES } });
    }
    const spec = JOB_CATALOG[type];
    await deps.tenantLimits?.countSubmission(principal.tenantId);
    const idempotencyKey = req.header('idempotency-key')?.trim() || null;
    if (idempotencyKey && idempotencyKey.length > 255)
      throw new ValidationError('Idempotency-Key is longer than 255 characters');
    if (idempotencyKey) {
      const existing = await jobs.findByIdempotencyKey(principal.tenantId, idempotencyKey);
      if (existing && !mayRead(principal, existing))
        throw new ConflictError('this Idempotency-Key was used by another user of the tenant');
      if (existing) {
        req.resume();
        return respondAccepted(res, existing, true);
      }
    }
    // Before reading the body: a full quota is refused without receiving the upload.
    await deps.tenantLimits?.admitSubmission(principal.tenantId, Number(req.header('content-length')) || 0);

    const jobId = randomUUID();
    addLogContext({ jobId });
    // `redact` takes an upload, or (a JSON body with `sourceJobId`) the document of a completed detect job.
    if (spec.source && (spec.minFiles === 0 || !req.is('multipart/form-data'))) {
      // Input is another job's result: params only, and the source checked before the job exists.
      const received = await receiveParamsOnly(req, res, { jobId, storage, limits: deps.limits });
      const params = validateParams(type, received.params);
      const callback = await readCallbackChoice(req, received.options, {
        webhooks: deps.webhooks,
        allow: deps.callbackAllow,
        tenantId: principal.tenantId,
      });
      const sourceJobId = params.sourceJobId;
      if (typeof sourceJobId !== 'string')
        throw new ValidationError(
          `${type} takes a document upload (multipart/form-data), or a JSON body with sourceJobId and boxes`,
        );
      const source = await checkSourceJob(
        jobs,
        principal.tenantId,
        type,
        spec,
        sourceJobId,
        ownJobsOf(principal),
      );
      if (type === 'redact') {
        await checkDetectSource(storage, source);
        // The source's stored document is decrypted already; a password here is never kept either.
        delete params.password;
      }
      return createJob(req, res, {
        jobId,
        type,
        params,
        inputs: [],
        idempotencyKey,
        tenantId: principal.tenantId,
        callback,
      });
    }
    const upload = await receiveUpload(req, {
      jobId,
      storage,
      limits: { ...deps.limits, maxFiles: Math.min(deps.limits.maxFiles, spec.maxFiles) },
      accepted: spec.kinds,
    });
    try {
      if (upload.files.length < spec.minFiles) {
        throw new ValidationError(
          spec.minFiles === 1
            ? 'no file uploaded: send the document in a multipart part named "file"'
            : `${type} needs at least ${spec.minFiles} files (parts named "file")`,
        );
      }
      await deps.tenantLimits?.admitStoredBytes(
        principal.tenantId,
        upload.files.reduce((sum, f) => sum + f.bytes, 0),
      );
      const params = validateParams(type, upload.params);
      const inputsProblem = paramsProblemForInputs(type, params, upload.files.length);
      if (inputsProblem) throw new ValidationError(`invalid params: ${inputsProblem}`);
      const callback = await readCallbackChoice(req, upload.options, {
        webhooks: deps.webhooks,
        allow: deps.callbackAllow,
        tenantId: principal.tenantId,
      });
      let inputs = upload.files;
      if (type === 'redact' && deps.redaction) {
        if (params.sourceJobId !== undefined)
          throw new ValidationError(
            'invalid params: sourceJobId: a job with sourceJobId takes no upload (send a JSON body)',
          );
        inputs = await decryptUploads(deps.redaction, storage, inputs, params);
      }
      await createJob(req, res, {
        jobId,
        type,
        params,
        inputs,
        idempotencyKey,
        tenantId: principal.tenantId,
        callback,
      });
    } catch (err) {
      await storage.deletePrefix(jobKeys.root(jobId)).catch(() => undefined);
      throw err;
    }
  });

  /** Writes the job with its outbox row and answers 202; a lost race on the Idempotency-Key replays the winner. */
  async function createJob(
    req: Request,
    res: Response,
    job: {
      jobId: string;
      type: JobType;
      params: Record<string, unknown>;
      inputs: JobInput[];
      idempotencyKey: string | null;
      tenantId: string;
      callback: CallbackChoice;
    },
  ): Promise<void> {
    try {
      const created = await jobs.createWithOutbox({
        id: job.jobId,
        tenantId: job.tenantId,
        type: job.type,
        params: job.params,
        inputs: job.inputs,
        correlationId: req.correlationId ?? randomUUID(),
        idempotencyKey: job.idempotencyKey,
        submittedBy: principalOf(req).userId ?? null,
        maxActiveJobs: deps.tenantLimits?.activeJobLimit(job.tenantId),
        callbackUrl: job.callback.callbackUrl,
        callbackProgress: job.callback.callbackProgress,
        traceparent: requestTraceparent(res),
      });
      deps.logger.info('job accepted', { type: job.type, files: job.inputs.length });
      if (job.type === 'redact' && deps.redaction) {
        const principal = principalOf(req);
        await recordSubmission(deps.redaction, deps.logger, {
          jobId: created.id,
          tenantId: job.tenantId,
          keyId: principal.keyId,
          submittedBy: principal.userId ?? null,
          mode: job.params.mode === 'detect' ? 'detect' : 'redact',
          sourceJobId: typeof job.params.sourceJobId === 'string' ? job.params.sourceJobId : null,
        });
      }
      deps.onJobCreated();
      respondAccepted(res, created, false);
    } catch (err) {
      if (job.idempotencyKey && isUniqueViolation(err)) {
        const existing = await jobs.findByIdempotencyKey(job.tenantId, job.idempotencyKey);
        if (existing && !mayRead(principalOf(req), existing))
          throw new ConflictError('this Idempotency-Key was used by another user of the tenant');
        if (existing) return respondAccepted(res, existing, true);
      }
      throw deps.tenantLimits ? deps.tenantLimits.translate(err) : err;
    }
  }

  router.get('/', async (req: Request, res: Response) => {
    const principal = principalOf(req);
    const q = listQuery.safeParse(req.query);
    if (!q.success) throw new ValidationError(`invalid query: ${formatZodIssues(q.error.issues)}`);
    try {
      const own = ownJobsOf(principal);
      const page = await jobs.listForTenant(principal.tenantId, {
        ...q.data,
        ...(own !== undefined ? { submittedBy: own } : {}),
      });
      res.json({ items: page.jobs.map(presentJob), nextCursor: page.nextCursor });
    } catch (err) {
      if (err instanceof InvalidCursorError) throw new ValidationError('invalid cursor');
      throw err;
    }
  });

  router.get('/:id', async (req: Request, res: Response) => {
    res.json(presentJob(await findReadableJob(req)));
  });

  /** The audit record of a redact job (who asked; counts per type and page, never values). Tenant-scoped like GET /:id. */
  router.get('/:id/audit', async (req: Request, res: Response) => {
    const job = await findOwnJob(req);
    if (!deps.redaction) throw new NotFoundError(`job ${job.id} has no audit record`);
    res.json(await presentAudit(deps.redaction, job));
  });

  /** Every transition of the job (attempts, retries, errors), oldest first, from its `job_event` rows. */
  router.get('/:id/history', async (req: Request, res: Response) => {
    const job = await findReadableJob(req);
    const events = await jobs.events(job.id);
    res.json({
      items: events.map((e) => ({
        at: e.at.toISOString(),
        from: e.fromStatus,
        to: e.toStatus,
        attempt: e.attempt,
        error: e.error ? { code: e.error.code, message: e.error.message } : null,
      })),
    });
  });

  /** The job's callbacks (docs/architecture.md (webhooks)): each one with every delivery attempt. */
  router.get('/:id/callbacks', async (req: Request, res: Response) => {
    const job = await findReadableJob(req);
    const callbacks = await deps.webhooks.listForJob(job.id);
    res.json({
      items: callbacks.map((c) => ({
        id: c.id,
        event: c.event,
        url: c.url,
        status: c.status,
        attempts: c.attempts,
        nextAttemptAt: c.nextAttemptAt?.toISOString() ?? null,
        createdAt: c.createdAt.toISOString(),
        finishedAt: c.finishedAt?.toISOString() ?? null,
        history: c.history.map((a) => ({
          startedAt: a.startedAt.toISOString(),
          durationMs: a.durationMs,
          statusCode: a.statusCode,
          error: a.error,
        })),
      })),
    });
  });

  router.get('/:id/result', async (req: Request, res: Response) => {
    const job = await findReadableJob(req);
    if (job.status !== 'completed')
      throw new ConflictError(`job is not completed (status: ${job.status})`, {
        details: { status: job.status },
      });
    res.json(presentJob(job).result);
  });

  router.get('/:id/download', async (req: Request, res: Response) => {
    const job = await findOwnJob(req);
    const outputs = completedOutputs(job);
    if (outputs.length === 1) return streamOutput(res, outputs[0]);
    if (outputs.length === 0) throw new NotFoundError('this job has no output files');
    // Several outputs (images, split parts) → one ZIP, streamed entry by entry from storage.
    const entries = [];
    for (const o of outputs) {
      const stat = await storage.stat(o.key);
      if (!stat) throw new GoneError(`the output "${o.name}" is no longer available (expired or deleted)`);
      entries.push({ name: o.name, bytes: stat.bytes, key: o.key });
    }
    await streamZip(res, `${job.type}-${job.id.slice(0, 8)}.zip`, entries, (e) => storage.read(e.key));
  });

  router.get('/:id/outputs/:name', async (req: Request, res: Response) => {
    const job = await findOwnJob(req);
    const output = completedOutputs(job).find((o) => o.name === req.params.name);
    if (!output) throw new NotFoundError(`job has no output named "${String(req.params.name)}"`);
    await streamOutput(res, output);
  });

  /** Cancel an unfinished job, or delete a finished one (its files and rows) with 204. */
  router.delete('/:id', async (req: Request, res: Response) => {
    const job = await findOwnJob(req);
    const principal = principalOf(req);
    if (isTerminal(job.status)) {
      // A fan-out parent's chunk jobs (docs/architecture.md (fan-out)) go with it, their files too.
      for (const chunk of job.chunksTotal === null ? [] : await jobs.chunksOf(job.id)) {
        await storage.deletePrefix(jobKeys.root(chunk.id));
      }
      await storage.deletePrefix(jobKeys.root(job.id));
      await jobs.deleteFinished(job.id, principal.tenantId);
      deps.logger.info('finished job deleted');
      res.status(204).end();
      return;
    }
    const outcome = await jobs.requestCancel(job.id, principal.tenantId);
    if (!outcome) throw new NotFoundError(`job ${job.id} not found`);
    if (!outcome.immediate && outcome.job.status === 'processing') {
      await deps.broadcastCancel(job.id).catch((err: unknown) =>
        deps.logger.warn('cancel broadcast failed; the worker will see it on its next heartbeat', {
          err: String(err),
        }),
      );
    }
    deps.logger.info('cancel requested', { immediate: outcome.immediate });
    res.status(outcome.immediate ? 200 : 202).json(presentJob(outcome.job));
  });

  /**
   * Server-Sent Events: the job JSON each time it changes (`event: job`), until it is terminal. Polls the row
   * (once a second) rather than holding a broker subscription per client: simple, and bounded by the DB.
   */
  router.get('/:id/events', async (req: Request, res: Response) => {
    const first = await findReadableJob(req);
    const release = deps.tenantLimits?.openEventStream(principalOf(req).tenantId);
    try {
      await streamJobEvents(req, res, first);
    } finally {
      release?.();
    }
  });

  async function streamJobEvents(req: Request, res: Response, first: JobEntity): Promise<void> {
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream');
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    let closed = false;
    req.on('close', () => (closed = true));
    let last = '';
    let lastWrite = Date.now();
    let job: JobEntity | null = first;
    while (!closed && job) {
      const body = JSON.stringify(presentJob(job));
      if (body !== last) {
        res.write(`event: job\nid: ${job.updatedAt.getTime()}\ndata: ${body}\n\n`);
        last = body;
        lastWrite = Date.now();
      } else if (Date.now() - lastWrite >= SSE_KEEPALIVE_MS) {
        // A comment line: keeps the stream inside the server's idle timeout (and proxies') while nothing changes.
        res.write(': keep-alive\n\n');
        lastWrite = Date.now();
      }
      if (isTerminal(job.status)) break;
      await new Promise((r) => setTimeout(r, 1_000));
      job = await jobs.findForTenant(first.id, first.tenantId);
    }
    if (!closed) res.end(job ? '' : 'event: deleted\ndata: {}\n\n');
  }

  /** Re-runs a failed or cancelled job (same inputs and params). */
  router.post('/:id/retry', async (req: Request, res: Response) => {
    const job = await findOwnJob(req);
    await deps.tenantLimits?.countSubmission(job.tenantId);
    await deps.tenantLimits?.admitSubmission(job.tenantId, 0);
    const again = await jobs.requeue(job.id, principalOf(req).tenantId);
    if (!again)
      throw new ConflictError(`only failed or cancelled jobs can be retried (status: ${job.status})`, {
        details: { status: job.status },
      });
    deps.onJobCreated();
    res.status(202).location(`/v1/jobs/${job.id}`).json(presentJob(again));
  });

  async function findOwnJob(req: Request): Promise<JobEntity> {
    const principal = principalOf(req);
    const id = String(req.params.id);
    if (!z.string().uuid().safeParse(id).success) throw new NotFoundError(`job ${id} not found`);
    // A person with role `user` sees only the jobs they submitted; another user's is as missing as none.
    const job = await jobs.findForTenant(id, principal.tenantId, ownJobsOf(principal));
    if (!job) throw new NotFoundError(`job ${id} not found`);
    addLogContext({ jobId: job.id });
    return job;
  }

  function mayRead(principal: Principal, job: JobEntity): boolean {
    const own = ownJobsOf(principal);
    return own === undefined || job.submittedBy === own;
  }

  /** Like findOwnJob, but the platform operator also reads the `system` tenant's maintenance jobs. */
  async function findReadableJob(req: Request): Promise<JobEntity> {
    const principal = principalOf(req);
    if (principal.role !== 'operator') return findOwnJob(req);
    const id = String(req.params.id);
    if (!z.string().uuid().safeParse(id).success) throw new NotFoundError(`job ${id} not found`);
    const job = await jobs.findForOperator(id, principal.tenantId);
    if (!job) throw new NotFoundError(`job ${id} not found`);
    addLogContext({ jobId: job.id });
    return job;
  }

  function completedOutputs(job: JobEntity) {
    // Retention (cleanup-expired-jobs) deleted the files but kept the row: say so, and since when.
    if (job.expiredAt) {
      throw new GoneError(
        `the results of this job expired at ${job.expiredAt.toISOString()} under the retention policy`,
        {
          details: {
            expiredAt: job.expiredAt.toISOString(),
            finishedAt: job.finishedAt?.toISOString() ?? null,
          },
        },
      );
    }
    if (job.status !== 'completed') {
      throw new ConflictError(`job is not completed (status: ${job.status})`, {
        details: { status: job.status },
      });
    }
    return storedOutputs(job);
  }

  function streamOutput(res: Response, output: { name: string; key: string }): Promise<void> {
    return streamStoredFile(res, storage, output);
  }

  return router;
}

function validateParams(type: JobType, raw: unknown): Record<string, unknown> {
  const input = raw === undefined ? {} : raw;
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new ValidationError('"params" must be a JSON object');
  const parsed = jobParamSchemas[type].safeParse(input);
  if (!parsed.success) {
    throw new ValidationError(`invalid params: ${formatZodIssues(parsed.error.issues)}`, {
      details: { issues: parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })) },
    });
  }
  return parsed.data;
}

function respondAccepted(res: Response, job: JobEntity, replayed: boolean): void {
  res.status(202).location(`/v1/jobs/${job.id}`);
  if (replayed) res.setHeader('Idempotent-Replayed', 'true');
  res.json(presentJob(job));
}

function isUniqueViolation(err: unknown): boolean {
  return (
    (err as { code?: string; driverError?: { code?: string } })?.driverError?.code === '23505' ||
    (err as { code?: string })?.code === '23505'
  );
}
