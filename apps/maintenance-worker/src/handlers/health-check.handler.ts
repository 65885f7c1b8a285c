import fs from 'node:fs/promises';
import { QUEUES, type MaintenanceRepository, type StaleJob } from '@quire/job-model';
import type { QueueHealth } from '@quire/messaging';
import type { JobHandler } from '@quire/worker-runtime';

export interface DiskUsage {
  /** What lives there: the workers' temp root or blob storage. */
  role: 'temp' | 'storage';
  path: string;
  totalBytes: number;
  freeBytes: number;
  freePercent: number;
  low: boolean;
}

export interface HealthReport {
  /** `ok` when nothing is listed in `problems`. */
  status: 'ok' | 'degraded';
  checkedAt: string;
  problems: string[];
  broker: { reachable: boolean; latencyMs: number; error?: string };
  database: { reachable: boolean; latencyMs: number | null; error?: string };
  queues: { available: boolean; error?: string; items: QueueHealth[] };
  disk: Array<DiskUsage | { role: 'temp' | 'storage'; path: string; error: string }>;
  staleJobs: {
    staleAfterMs: number;
    count: number;
    jobs: Array<Omit<StaleJob, 'heartbeatAt'> & { heartbeatAt: string | null }>;
  };
  earlyCleanup: { triggered: boolean; jobId?: string; reason?: string };
}

export interface HealthCheckDeps {
  repo: Pick<MaintenanceRepository, 'ping' | 'staleProcessing' | 'createSystemJob'>;
  /** Opens and closes a broker connection; never throws. */
  probeBroker: () => Promise<{ ok: boolean; latencyMs: number; error?: string }>;
  /** Queue depth, consumers and dead letters of every work queue (management API); null when not configured. */
  queueHealth: ((queues: readonly string[]) => Promise<QueueHealth[]>) | null;
  tempRoot: string;
  storageDir: string;
  /** Below this share of free space (percent) an early cleanup-temp-files job is queued. */
  diskFreeMinPercent: number;
  /** `processing` jobs whose heartbeat is older than this are reported stuck. */
  staleAfterMs: number;
  /** After the early cleanup job is written to the outbox (nudge the relay). */
  onJobCreated?: () => void;
  /** Filesystem statistics; default `fs.statfs`. */
  statfs?: (path: string) => Promise<{ bsize: number; blocks: number; bavail: number }>;
}

/**
 * `health-check`: broker reachable (and how fast), database reachable (and how fast), each queue's depth, consumers
 * and dead letters (management API), free disk space of the temp root and of storage (below the threshold an early
 * `cleanup-temp-files` job is queued), and jobs stuck in `processing` with a stale heartbeat. The report is the
 * job's result; `GET /v1/admin/health` serves the latest one. Problems are reported, never thrown: the job completes.
 */
export function healthCheckHandler(deps: HealthCheckDeps): JobHandler<'health-check'> {
  return async (ctx): ReturnType<JobHandler<'health-check'>> => {
    const problems: string[] = [];
    ctx.progress({ stage: 'probing', percent: 10, message: 'checking broker, database, queues and disk' });

    const [broker, database, queues, disk]: [
      Awaited<ReturnType<HealthCheckDeps['probeBroker']>>,
      HealthReport['database'],
      HealthReport['queues'],
      HealthReport['disk'],
    ] = await Promise.all([
      deps.probeBroker(),
      deps.repo.ping().then(
        (latencyMs) => ({ reachable: true, latencyMs: round(latencyMs) }),
        (err: unknown) => ({ reachable: false, latencyMs: null, error: String(err) }),
      ),
      deps.queueHealth
        ? deps.queueHealth(QUEUES).then(
            (items) => ({ available: true, items }),
            (err: unknown) => ({
              available: false,
              error: err instanceof Error ? err.message : String(err),
              items: [] as QueueHealth[],
            }),
          )
        : Promise.resolve({
            available: false,
            error: 'QUIRE_RABBITMQ_MANAGEMENT_URL is not configured',
            items: [] as QueueHealth[],
          }),
      Promise.all([diskUsage('temp', deps.tempRoot, deps), diskUsage('storage', deps.storageDir, deps)]),
    ]);
    ctx.checkpoint();

    if (!broker.ok) problems.push(`broker unreachable: ${broker.error ?? 'unknown error'}`);
    if (!database.reachable) problems.push('database unreachable');
    if (!queues.available) problems.push(`queue statistics unavailable: ${queues.error ?? 'unknown error'}`);
    for (const q of queues.items) {
      if (q.declared && q.messages > 0 && q.consumers === 0)
        problems.push(`queue ${q.queue} has ${q.messages} message(s) and no consumer`);
      if (q.deadLetters > 0) problems.push(`queue ${q.queue} has ${q.deadLetters} dead letter(s)`);
    }
    const lowDisks = disk.filter((d): d is DiskUsage => 'low' in d && d.low);
    for (const d of lowDisks)
      problems.push(
        `${d.role} filesystem ${d.path} has only ${d.freePercent}% free (threshold ${deps.diskFreeMinPercent}%)`,
      );
    for (const d of disk) if ('error' in d) problems.push(`cannot read free space of ${d.path}: ${d.error}`);

    const stale = database.reachable
      ? await deps.repo.staleProcessing(deps.staleAfterMs, 20)
      : { count: 0, jobs: [] as StaleJob[] };
    if (stale.count > 0)
      problems.push(
        `${stale.count} job(s) stuck in processing (heartbeat older than ${Math.round(deps.staleAfterMs / 1000)} s)`,
      );

    let earlyCleanup: HealthReport['earlyCleanup'] = { triggered: false };
    if (lowDisks.length > 0 && database.reachable) {
      // One early cleanup per health-check job, even if its message is delivered twice.
      const { job, created } = await deps.repo.createSystemJob({
        type: 'cleanup-temp-files',
        params: {},
        correlationId: ctx.job.correlationId,
        idempotencyKey: `health-check:${ctx.job.id}:cleanup-temp-files`,
      });
      if (created) deps.onJobCreated?.();
      earlyCleanup = {
        triggered: true,
        jobId: job.id,
        reason: `low disk space on ${lowDisks.map((d) => d.path).join(', ')}`,
      };
      ctx.logger.warn('low disk space: early cleanup-temp-files queued', { cleanupJobId: job.id });
    }

    const report: HealthReport = {
      status: problems.length === 0 ? 'ok' : 'degraded',
      checkedAt: new Date().toISOString(),
      problems,
      broker: broker.ok
        ? { reachable: true, latencyMs: broker.latencyMs }
        : { reachable: false, latencyMs: broker.latencyMs, error: broker.error ?? 'unknown error' },
      database,
      queues,
      disk,
      staleJobs: {
        staleAfterMs: deps.staleAfterMs,
        count: stale.count,
        jobs: stale.jobs.map((j) => ({
          ...j,
          heartbeatAt: j.heartbeatAt ? j.heartbeatAt.toISOString() : null,
        })),
      },
      earlyCleanup,
    };
    ctx.logger.info('health check done', { status: report.status, problems: problems.length });
    ctx.progress({ stage: 'finalization', percent: 100, message: report.status });
    return report;
  };
}

async function diskUsage(
  role: 'temp' | 'storage',
  path: string,
  deps: HealthCheckDeps,
): Promise<HealthReport['disk'][number]> {
  try {
    // The temp root may not exist yet on a fresh machine; its filesystem is the one it will be created on.
    await fs.mkdir(path, { recursive: true }).catch(() => undefined);
    const s = await (deps.statfs ?? ((p: string) => fs.statfs(p)))(path);
    const totalBytes = s.blocks * s.bsize;
    const freeBytes = s.bavail * s.bsize;
    const freePercent = totalBytes > 0 ? Math.round((freeBytes / totalBytes) * 1000) / 10 : 0;
    return { role, path, totalBytes, freeBytes, freePercent, low: freePercent < deps.diskFreeMinPercent };
  } catch (err) {
    return { role, path, error: err instanceof Error ? err.message : String(err) };
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
