import { ConflictError, NotFoundError, ValidationError } from '@quire/errors';
import {
  JOB_CATALOG,
  jobResultSchemas,
  type JobEntity,
  type JobResult,
  type JobType,
} from '@quire/job-model';

/** The one repository call these handlers need: a job, only if it is the tenant's. */
export interface SourceJobs {
  findForTenant(id: string, tenantId: string): Promise<JobEntity | null>;
}

export type SourceStatement = JobResult<'extract-bank-statement'>['statement'] & {
  transactions: Array<
    JobResult<'extract-bank-statement'>['statement']['transactions'][number] & { category?: string }
  >;
};

/**
 * The statement a derived job works on: `sourceJobId` read again here (the gateway checked it at submit time, but
 * the source may have been deleted or expired since), of the same tenant, completed, of a type the job accepts, and
 * with a result that still parses as a statement. Every failure is a non-retryable error naming `sourceJobId`.
 */
export async function loadSourceStatement(
  jobs: SourceJobs,
  job: { type: string; tenantId: string },
  sourceJobId: string,
): Promise<SourceStatement> {
  const source = await jobs.findForTenant(sourceJobId, job.tenantId);
  if (!source) throw new NotFoundError(`sourceJobId: job ${sourceJobId} not found`);
  const accepted = JOB_CATALOG[job.type as JobType].source ?? [];
  if (!accepted.includes(source.type as JobType)) {
    throw new ValidationError(
      `sourceJobId: job ${sourceJobId} is a ${source.type} job, not ${accepted.join(' or ')}`,
    );
  }
  if (source.status !== 'completed' || source.expiredAt) {
    throw new ConflictError(
      `sourceJobId: job ${sourceJobId} is ${source.expiredAt ? 'expired' : source.status}, not completed`,
    );
  }
  const schema = jobResultSchemas[source.type as 'extract-bank-statement' | 'categorize-transactions'];
  const parsed = schema.safeParse(source.result);
  if (!parsed.success) {
    throw new ValidationError(`sourceJobId: job ${sourceJobId} holds no readable statement`);
  }
  return parsed.data.statement;
}
