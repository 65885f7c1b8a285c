import { QuotaExceededError, RateLimitedError } from '@quire/errors';
import { ActiveJobQuotaError, type TenantQuotaRepository } from '@quire/job-model';
import type { Logger } from '@quire/logging';

/** One tenant's fair-sharing limits (docs/architecture.md §11 (tenancy and fair sharing)). */
export interface TenantLimitValues {
  /** Job submissions per window. */
  submitRate: number;
  /** Unfinished jobs (pending, processing, retrying). */
  maxActiveJobs: number;
  /** Bytes of inputs and outputs of unexpired jobs. */
  storageBytes: number;
  /** Open event streams on this gateway process. */
  maxEventStreams: number;
}

export interface TenantLimiterOptions {
  defaults: TenantLimitValues;
  overrides: Record<string, Partial<TenantLimitValues>>;
  /** The submission rate's fixed window. */
  windowMs: number;
  /** Retry-After for a full job quota or stream cap. */
  busyRetryAfterMs: number;
}

const SUBMIT_SCOPE = 'submit';

/**
 * Per-tenant limits. The submission rate, the concurrent-job quota and the storage quota are counted in PostgreSQL
 * (every replica sees one figure); event streams are connections of this process, so they are counted here and the
 * cap is per gateway process.
 */
export class TenantLimiter {
  private readonly streams = new Map<string, number>();

  constructor(
    private readonly quotas: TenantQuotaRepository,
    private readonly options: TenantLimiterOptions,
    private readonly logger: Logger,
  ) {}

  limitsFor(tenantId: string): TenantLimitValues {
    return { ...this.options.defaults, ...this.options.overrides[tenantId] };
  }

  /** Counts one submission in the tenant's window; over the rate → 429 with the window's remaining time. */
  async countSubmission(tenantId: string): Promise<void> {
    const limit = this.limitsFor(tenantId).submitRate;
    const window = await this.quotas.countRequest(tenantId, SUBMIT_SCOPE, this.options.windowMs);
    if (window.count <= limit) return;
    this.logger.info('tenant over its submission rate', { count: window.count, limit });
    throw new RateLimitedError(
      `too many job submissions: at most ${limit} per ${formatWindow(this.options.windowMs)} for this tenant`,
      {
        retryAfterMs: Math.max(1_000, window.resetInMs),
        details: { limit, windowSeconds: this.options.windowMs / 1000 },
      },
    );
  }

  /**
   * Before receiving an upload: refuses a tenant whose unfinished jobs already fill its quota (a precheck; the
   * insert counts again under a lock, see activeJobLimit), or whose stored bytes plus the announced request size
   * exceed its storage quota.
   */
  async admitSubmission(tenantId: string, announcedBytes: number): Promise<void> {
    const limits = this.limitsFor(tenantId);
    const usage = await this.quotas.usage(tenantId);
    if (usage.activeJobs >= limits.maxActiveJobs)
      throw this.activeJobsFull(usage.activeJobs, limits.maxActiveJobs);
    this.checkStorage(usage.storedBytes, announcedBytes, limits.storageBytes);
  }

  /** After receiving an upload of `uploadedBytes`, before the job exists: the storage quota with the real size. */
  async admitStoredBytes(tenantId: string, uploadedBytes: number): Promise<void> {
    const limit = this.limitsFor(tenantId).storageBytes;
    this.checkStorage(await this.quotas.storedBytes(tenantId), uploadedBytes, limit);
  }

  /** The concurrent-job quota the job insert enforces (JobRepository.createWithOutbox's `maxActiveJobs`). */
  activeJobLimit(tenantId: string): number {
    return this.limitsFor(tenantId).maxActiveJobs;
  }

  /** The 429 for a job refused by the quota at insert (the repository's ActiveJobQuotaError); anything else as is. */
  translate(err: unknown): unknown {
    return err instanceof ActiveJobQuotaError ? this.activeJobsFull(err.active, err.limit) : err;
  }

  /** Opens one event stream for the tenant, or 429 at its cap; call the returned function when the stream ends. */
  openEventStream(tenantId: string): () => void {
    const limit = this.limitsFor(tenantId).maxEventStreams;
    const open = this.streams.get(tenantId) ?? 0;
    if (open >= limit)
      throw new RateLimitedError(
        `too many open event streams: at most ${limit} per tenant on this gateway; close one or poll GET /v1/jobs/{id}`,
        { retryAfterMs: this.options.busyRetryAfterMs, details: { limit } },
      );
    this.streams.set(tenantId, open + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const now = (this.streams.get(tenantId) ?? 1) - 1;
      if (now <= 0) this.streams.delete(tenantId);
      else this.streams.set(tenantId, now);
    };
  }

  private activeJobsFull(active: number, limit: number): RateLimitedError {
    return new RateLimitedError(
      `too many unfinished jobs: this tenant has ${active} pending or running (limit ${limit}); ` +
        'submit again when some have finished',
      { retryAfterMs: this.options.busyRetryAfterMs, details: { limit, active } },
    );
  }

  private checkStorage(stored: number, adding: number, limit: number): void {
    if (stored + adding <= limit) return;
    throw new QuotaExceededError(
      `storage quota exceeded: this tenant stores ${stored} bytes, the upload adds ${adding}, the quota is ` +
        `${limit} bytes; delete finished jobs (DELETE /v1/jobs/{id}) to free space`,
      { details: { storedBytes: stored, uploadBytes: adding, quotaBytes: limit } },
    );
  }
}

function formatWindow(ms: number): string {
  if (ms % 60_000 === 0) return ms === 60_000 ? 'minute' : `${ms / 60_000} minutes`;
  return ms === 1_000 ? 'second' : `${ms / 1000} seconds`;
}
