import express, { type Request, type Response } from 'express';
import {
  ConflictError,
  GoneError,
  NotFoundError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '@quire/errors';
import type { JobEntity, JobRepository, JobType, JobTypeSpec } from '@quire/job-model';
import type { BlobStore } from '@quire/storage';
import { receiveUpload, type UploadLimits } from '../http/multipart-upload';

/** A JSON body holds params only (rules and a job id): far below the upload limits. */
const JSON_BODY_LIMIT = '256kb';
const readJson = express.json({ limit: JSON_BODY_LIMIT, strict: true });

/**
 * The raw params of a job type that takes no upload (docs/architecture.md §7): a JSON body (`Content-Type:
 * application/json`, the params object itself), or a multipart request with only a `params` part.
 */
export async function receiveParamsOnly(
  req: Request,
  res: Response,
  opts: { jobId: string; storage: BlobStore; limits: UploadLimits },
): Promise<{ params: unknown; options: unknown }> {
  if (req.is('application/json')) {
    await new Promise<void>((resolve, reject) =>
      // body-parser's errors are Errors with a `type` the error handler maps (413, invalid JSON → 400).
      readJson(req, res, (err?: unknown) =>
        err ? reject(err instanceof Error ? err : new Error('unreadable request body')) : resolve(),
      ),
    );
    // The body is the params object itself; platform options come as headers (Quire-Callback-Url…).
    return { params: req.body as unknown, options: undefined };
  }
  if (req.is('multipart/form-data')) {
    const upload = await receiveUpload(req, {
      jobId: opts.jobId,
      storage: opts.storage,
      limits: { ...opts.limits, maxFiles: 0 },
      accepted: [],
    });
    return { params: upload.params, options: upload.options };
  }
  throw new UnsupportedMediaTypeError(
    'this job type takes no upload: send its params as application/json (or a multipart "params" part)',
  );
}

/**
 * Checks `params.sourceJobId` of a derived job: a job of the caller's tenant (another tenant's is as missing as a
 * job that does not exist; so is another person's when `submittedBy` is set), of a type the spec accepts,
 * completed, and with its result still kept.
 */
export async function checkSourceJob(
  jobs: JobRepository,
  tenantId: string,
  type: JobType,
  spec: JobTypeSpec,
  sourceJobId: string,
  submittedBy?: string,
): Promise<JobEntity> {
  const source = await jobs.findForTenant(sourceJobId, tenantId, submittedBy);
  if (!source) {
    throw new NotFoundError(`sourceJobId: job ${sourceJobId} not found`, {
      details: { field: 'sourceJobId' },
    });
  }
  const accepted = spec.source ?? [];
  if (!accepted.includes(source.type as JobType)) {
    throw new ValidationError(
      `sourceJobId: job ${sourceJobId} is a ${source.type} job; ${type} takes the result of ${accepted.join(' or ')}`,
      { details: { field: 'sourceJobId', allowed: accepted } },
    );
  }
  if (source.expiredAt) {
    throw new GoneError(`sourceJobId: the result of job ${sourceJobId} expired under the retention policy`, {
      details: { field: 'sourceJobId', expiredAt: source.expiredAt.toISOString() },
    });
  }
  if (source.status !== 'completed') {
    throw new ConflictError(`sourceJobId: job ${sourceJobId} is ${source.status}, not completed`, {
      details: { field: 'sourceJobId', status: source.status },
    });
  }
  return source;
}
