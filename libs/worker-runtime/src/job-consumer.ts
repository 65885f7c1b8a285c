import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import {
  CancelledError,
  CrashLoopError,
  describeCause,
  ValidationError,
  type QuireError,
} from '@quire/errors';
import {
  JOB_CATALOG,
  isTerminal,
  jobMessageSchema,
  planChunks,
  type JobEntity,
  type JobRepository,
  type JobType,
} from '@quire/job-model';
import { withLogContext, addLogContext, type Logger } from '@quire/logging';
import { SpanKind, contextFromTraceparent, inSpan } from '@quire/tracing';
import type { ConsumerHandlers, Delivery, HandleResult, HandlerContext, QueuePolicy } from '@quire/messaging';
import type { BlobStore } from '@quire/storage';
import { jobKeys } from '@quire/storage';
import { attemptStop, checkedResult } from './attempt-outcome';
import { chunkContext, type FanOut, type FanOutRegistry, type FanOutSettings } from './fan-out';
import { createJobContext } from './job-context';
import type { HandlerRegistry, JobHandler } from './job-handler';
import { ProgressReporter } from './progress-reporter';

export interface JobConsumerDeps {
  jobs: JobRepository;
  storage: BlobStore;
  policy: QueuePolicy;
  handlers: HandlerRegistry;
  logger: Logger;
  tempRoot: string;
  heartbeatMs: number;
  staleAfterMs: number;
  /** Called when an attempt ends, with that attempt's duration (metrics). */
  onAttemptEnd?: (
    type: string,
    outcome: 'completed' | 'failed' | 'retrying' | 'cancelled',
    seconds: number,
  ) => void;
  /** Called when a failed job's message goes to the dead-letter queue (metrics). `type` is unknown for malformed messages. */
  onDeadLetter?: (queue: string, type: string) => void;
  /** The job types that run split across workers when large, and when (docs/architecture.md (fan-out)). */
  fanOut?: { types: FanOutRegistry; settings: FanOutSettings };
}

/**
 * Binds the generic consumer runtime to jobs: claim with a lease, heartbeat, run the type's handler with a
 * JobContext, and record the outcome with lease-conditioned writes. Errors are not interpreted here: they go back
 * to the consumer runtime, whose one decision function picks ack / retry / dead-letter and calls onRetry/onFail.
 */
export function createJobConsumerHandlers(
  deps: JobConsumerDeps,
): ConsumerHandlers & { cancelJob(jobId: string): boolean } {
  const leases = new WeakMap<Delivery, { jobId: string; leaseId: string; type: string; startedAt: number }>();
  /** Attempts running in this process, so a cancel broadcast (quire.control) aborts them without waiting for a heartbeat. */
  const running = new Map<string, AbortController>();
  const { jobs, logger, policy } = deps;

  const handle = async (delivery: Delivery, hctx: HandlerContext): Promise<HandleResult> => {
    const parsed = jobMessageSchema.safeParse(delivery.body);
    if (!parsed.success) throw new ValidationError('malformed job message');
    const msg = parsed.data;
    return withLogContext(
      { jobId: msg.jobId, correlationId: msg.correlationId, queue: policy.queue, attempt: delivery.attempt },
      async () => {
        const handler = deps.handlers[msg.type] as JobHandler | undefined;
        if (!handler || JOB_CATALOG[msg.type].queue !== policy.queue) {
          throw new ValidationError(`job type ${msg.type} is not handled by the ${policy.queue} worker`);
        }
        const leaseId = randomUUID();
        const claimed = await jobs.claim(msg.jobId, leaseId, deps.staleAfterMs);
        if (!claimed) return skipUnclaimable(msg.jobId);
        const job = claimed.job;
        leases.set(delivery, { jobId: job.id, leaseId, type: job.type, startedAt: Date.now() });
        hctx.setAttempt(job.attempts);
        addLogContext({ attempt: job.attempts, tenantId: job.tenantId });
        logger.info('job claimed', { type: job.type, takeover: claimed.takeover });
        if (claimed.takeover && claimed.takeovers > policy.maxTakeovers) {
          throw new CrashLoopError(
            `the worker processing this job died ${claimed.takeovers} times; giving up (poison job)`,
          );
        }
        // The job's span continues the submission's trace (docs/architecture.md (tracing)); the handler and the
        // engines it calls run inside it.
        await inSpan(
          `job ${job.type}`,
          {
            kind: SpanKind.CONSUMER,
            parent: contextFromTraceparent(msg.traceparent ?? job.traceparent),
            attributes: {
              'quire.job.id': job.id,
              'quire.job.type': job.type,
              'quire.queue': policy.queue,
              'quire.attempt': job.attempts,
              'quire.correlation_id': job.correlationId,
            },
          },
          () => runAttempt(job, leaseId, handler, hctx),
        );
        return 'done';
      },
    );
  };

  async function skipUnclaimable(jobId: string): Promise<HandleResult> {
    const current = await jobs.findById(jobId);
    if (!current) {
      logger.warn('message for a job that no longer exists; dropping');
      return 'done';
    }
    if (isTerminal(current.status)) {
      logger.info('duplicate delivery for a finished job; skipping', { status: current.status });
      return 'done';
    }
    if (current.status === 'processing' && current.chunksTotal !== null && current.leaseId === null) {
      // A split parent waits for its chunks; the last one to end queues it again (docs/architecture.md (fan-out)).
      logger.info('duplicate delivery for a job split into chunks; its chunks bring it back');
      return 'done';
    }
    logger.info('job held by another live worker; re-checking later', { status: current.status });
    return 'recheck';
  }

  /**
   * One attempt: heartbeat, context, handler, checked result, outcome. Everything it takes (the heartbeat timer, the
   * `running` entry, the abort listener, the temp folder) is released in its `finally`, whatever fails, the stored
   * params included.
   */
  async function runAttempt(
    job: JobEntity,
    leaseId: string,
    handler: JobHandler,
    hctx: HandlerContext,
  ): Promise<void> {
    // This attempt's own duration (job.startedAt is the first attempt's start, retry delays included).
    const attemptStartedAt = Date.now();
    const seconds = () => (Date.now() - attemptStartedAt) / 1000;
    const controller = new AbortController();
    running.set(job.id, controller);
    const onOuterAbort = () => controller.abort(hctx.signal.reason);
    hctx.signal.addEventListener('abort', onOuterAbort, { once: true });
    if (hctx.signal.aborted) onOuterAbort();
    const tempDir = path.join(deps.tempRoot, job.id, leaseId);
    let chunkIdsToClean: string[] = [];

    const reactToLease = (ok: boolean, cancelRequested: boolean) => {
      if (!ok) controller.abort(CancelledError.because('lease-lost'));
      else if (cancelRequested) controller.abort(CancelledError.because('requested'));
    };
    const progress = new ProgressReporter(
      async (p) => {
        const w = await jobs.saveProgress(job.id, leaseId, p);
        reactToLease(w.ok, w.cancelRequested);
      },
      (err) => logger.warn('progress write failed', { err: String(err) }),
    );
    const heartbeat = setInterval(() => {
      jobs.heartbeat(job.id, leaseId).then(
        (w) => reactToLease(w.ok, w.cancelRequested),
        (err: unknown) => logger.warn('heartbeat failed', { err: String(err) }),
      );
    }, deps.heartbeatMs);

    try {
      await fs.mkdir(tempDir, { recursive: true });
      const ctx = createJobContext({
        job,
        storage: deps.storage,
        tempDir,
        signal: controller.signal,
        logger,
        progress: (u) => progress.report(u),
      });
      const createdCtxInput = ctx.inputPath.bind(ctx);
      const fanOut = deps.fanOut?.types[job.type as JobType] as FanOut | undefined;
      let result: unknown;
      if (fanOut && job.chunk) {
        result = await handler(chunkContext(ctx, fanOut, job.chunk));
      } else if (fanOut && job.chunksTotal !== null) {
        // The chunks have all completed (the parent is queued again only then): merge them in page order.
        const chunks = await jobs.chunksOf(job.id);
        const unfinished = chunks.find((c) => c.status !== 'completed' || !c.chunk || !c.result);
        if (unfinished)
          throw new CrashLoopError(`chunk ${unfinished.id} is ${unfinished.status}, not completed`);
        result = await fanOut.merge(
          ctx,
          chunks.map((c) => ({ chunk: c.chunk!, result: c.result as never })),
        );
        chunkIdsToClean = chunks.map((c) => c.id);
      } else {
        // The input is fetched once, whether it is only counted (and split) or processed here.
        const input = fanOut ? createdCtxInput(0) : undefined;
        if (input) ctx.inputPath = (index) => (index === 0 ? input : createdCtxInput(index));
        const pages = fanOut && input ? await fanOut.pageCount(ctx, await input) : undefined;
        const settings = deps.fanOut?.settings;
        if (pages !== undefined && settings && pages > settings.thresholdPages) {
          await progress.drain();
          const chunks = await jobs.fanOut(job.id, leaseId, planChunks(pages, settings.chunkPages));
          if (chunks) logger.info('job split into chunks', { pages, chunks: chunks.length });
          else logger.warn('job not split: lease lost');
          return;
        }
        result = await handler(ctx);
      }
      ctx.checkpoint();
      // A result that breaks its schema fails the job (InvalidResultError); onFail logs it with every issue (its cause).
      const stored = checkedResult(job.type as JobType, result);
      await progress.drain();
      const done = await jobs.complete(job.id, leaseId, stored);
      if (done) {
        logger.info('job completed');
        // The chunks' own outputs were intermediate: the merged ones are the job's.
        for (const id of chunkIdsToClean) {
          await deps.storage.deletePrefix(jobKeys.outputDir(id)).catch((err: unknown) => {
            logger.warn('chunk outputs not removed', { chunkId: id, err: String(err) });
          });
        }
        deps.onAttemptEnd?.(job.type, 'completed', seconds());
      } else logger.warn('job not completed: lease lost before the result was written');
    } catch (err) {
      await progress.drain();
      // When the attempt was aborted, the abort reason (cancel, time limit, lost lease, shutdown) is the cause, not
      // the engine's reaction to it.
      const reason: unknown = controller.signal.aborted ? controller.signal.reason : err;
      switch (attemptStop(reason)) {
        case 'cancelled':
          await jobs.markCancelled(job.id, leaseId);
          logger.info('job cancelled at a checkpoint');
          deps.onAttemptEnd?.(job.type, 'cancelled', seconds());
          return;
        case 'lease-lost':
          logger.warn('lease lost: another worker holds the job now; this attempt records nothing');
          return;
        case 'error':
          throw reason;
      }
    } finally {
      clearInterval(heartbeat);
      if (running.get(job.id) === controller) running.delete(job.id);
      hctx.signal.removeEventListener('abort', onOuterAbort);
      await fs.rm(tempDir, { recursive: true, force: true }).catch(() => undefined);
      await fs.rmdir(path.dirname(tempDir)).catch(() => undefined);
    }
  }

  return {
    handle,
    cancelJob: (jobId: string) => {
      const controller = running.get(jobId);
      if (!controller) return false;
      controller.abort(CancelledError.because('requested'));
      return true;
    },
    onRetry: async (delivery, error, disposition) => {
      const lease = leases.get(delivery);
      const jobError = { code: error.code, message: error.message };
      if (lease) {
        await jobs.scheduleRetry(
          lease.jobId,
          lease.leaseId,
          jobError,
          new Date(Date.now() + disposition.delayMs),
        );
        deps.onAttemptEnd?.(lease.type, 'retrying', (Date.now() - lease.startedAt) / 1000);
      }
      logWithJob(delivery, 'warn', 'attempt failed; retry scheduled', error, {
        nextAttempt: disposition.attempt,
        delayMs: disposition.delayMs,
      });
    },
    onFail: async (delivery, error, disposition) => {
      const lease = leases.get(delivery);
      const jobError = { code: error.code, message: disposition.reason };
      if (lease) {
        await jobs.fail(lease.jobId, lease.leaseId, jobError);
        deps.onAttemptEnd?.(lease.type, 'failed', (Date.now() - lease.startedAt) / 1000);
      } else {
        const jobId = (delivery.body as { jobId?: unknown } | null)?.jobId;
        if (typeof jobId === 'string' && /^[0-9a-f-]{36}$/i.test(jobId))
          await jobs.failUnclaimed(jobId, jobError);
      }
      if (disposition.deadLetter) {
        const bodyType = (delivery.body as { type?: unknown } | null)?.type;
        deps.onDeadLetter?.(
          policy.queue,
          lease?.type ?? (typeof bodyType === 'string' ? bodyType : 'unknown'),
        );
      }
      logWithJob(delivery, 'error', 'job failed', error, { deadLettered: disposition.deadLetter });
    },
  };

  function logWithJob(
    delivery: Delivery,
    level: 'warn' | 'error',
    message: string,
    error: QuireError,
    extra: Record<string, unknown>,
  ) {
    const body = (delivery.body ?? {}) as { jobId?: string; correlationId?: string };
    withLogContext(
      {
        jobId: body.jobId,
        correlationId: body.correlationId ?? delivery.correlationId,
        queue: policy.queue,
        attempt: delivery.attempt,
      },
      () =>
        logger.log(level, message, {
          code: error.code,
          reason: error.message,
          cause: error.cause === undefined ? undefined : describeCause(error.cause),
          ...extra,
        }),
    );
  }
}
