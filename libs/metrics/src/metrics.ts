import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** How a job attempt ended (the worker runtime's `onAttemptEnd` outcomes). */
export type AttemptOutcome = 'completed' | 'failed' | 'retrying' | 'cancelled';

/** One row of the `quire_jobs{type,status}` gauge. */
export interface JobCountRow {
  type: string;
  status: string;
  count: number;
}

/** One queue as the broker's management API sees it. */
export interface QueueStatRow {
  queue: string;
  /** Ready + unacknowledged (what KEDA scales on). */
  messages: number;
  ready: number;
  unacked: number;
  consumers: number;
  /** Messages resting in `<queue>.dlq`. */
  deadLetters: number;
}

export interface MetricsOptions {
  /** Collect prom-client's default process metrics (CPU, memory, event loop lag, GC, handles). Default true. */
  defaultMetrics?: boolean;
  /** Called when a scrape-time source (database, management API) fails; the gauges keep their last values. */
  onSourceError?: (source: string, err: unknown) => void;
}

/** Buckets for job attempts: PDF work takes from tens of milliseconds to tens of minutes. */
export const JOB_DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800];
/** Buckets for HTTP requests (uploads of large files are slow on purpose). */
export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * The metric registry of one Quire process and every shared metric definition (Prometheus, prom-client).
 * Every series carries the `service` label. App-specific metrics are registered on `registry` by the app itself.
 *
 * Names (all prefixed `quire_`):
 * - `job_attempt_duration_seconds{type,outcome}` histogram, `job_attempts_total{type,outcome}`,
 *   `job_retries_total{type}`, `job_dead_letters_total{queue,type}` (workers);
 * - `jobs{type,status}` gauge from the database, `queue_messages{queue}`, `queue_messages_ready{queue}`,
 *   `queue_messages_unacked{queue}`, `queue_consumers{queue}`, `queue_dead_letters{queue}` gauges from the broker
 *   (registered by the apps that pass a source: see `registerJobCounts` / `registerQueueStats`);
 * - `http_requests_total{method,route,status}`, `http_request_duration_seconds{method,route}` (gateway);
 * - `metrics_source_errors_total{source}`; plus prom-client's default process metrics (`process_*`, `nodejs_*`).
 */
export class QuireMetrics {
  readonly registry = new Registry();
  readonly jobAttemptDuration: Histogram<'type' | 'outcome'>;
  readonly jobAttempts: Counter<'type' | 'outcome'>;
  readonly jobRetries: Counter<'type'>;
  readonly deadLetters: Counter<'queue' | 'type'>;
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route'>;
  readonly sourceErrors: Counter<'source'>;

  constructor(
    readonly service: string,
    private readonly options: MetricsOptions = {},
  ) {
    this.registry.setDefaultLabels({ service });
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    this.jobAttemptDuration = new Histogram({
      name: 'quire_job_attempt_duration_seconds',
      help: 'Duration of job attempts by job type and outcome',
      labelNames: ['type', 'outcome'],
      buckets: JOB_DURATION_BUCKETS,
      registers,
    });
    this.jobAttempts = new Counter({
      name: 'quire_job_attempts_total',
      help: 'Job attempts that ended, by job type and outcome',
      labelNames: ['type', 'outcome'],
      registers,
    });
    this.jobRetries = new Counter({
      name: 'quire_job_retries_total',
      help: 'Retries scheduled after a failed attempt, by job type',
      labelNames: ['type'],
      registers,
    });
    this.deadLetters = new Counter({
      name: 'quire_job_dead_letters_total',
      help: 'Messages this process sent to a dead-letter queue, by queue and job type',
      labelNames: ['queue', 'type'],
      registers,
    });
    this.httpRequests = new Counter({
      name: 'quire_http_requests_total',
      help: 'HTTP requests by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'quire_http_request_duration_seconds',
      help: 'HTTP request duration by method and route pattern',
      labelNames: ['method', 'route'],
      buckets: HTTP_DURATION_BUCKETS,
      registers,
    });
    this.sourceErrors = new Counter({
      name: 'quire_metrics_source_errors_total',
      help: 'Scrape-time metric sources (database, management API) that failed',
      labelNames: ['source'],
      registers,
    });
  }

  /** Records the end of a job attempt (wire it to the worker runtime's `onAttemptEnd`). */
  recordAttempt(type: string, outcome: AttemptOutcome, seconds: number): void {
    this.jobAttempts.inc({ type, outcome });
    this.jobAttemptDuration.observe({ type, outcome }, Math.max(0, seconds));
    if (outcome === 'retrying') this.jobRetries.inc({ type });
  }

  /**
   * Registers `quire_jobs{type,status}`, read from `source` on scrape. Results are cached for `maxAgeMs`
   * (default 15 s) so several scrapers do not each run the query.
   */
  registerJobCounts(source: () => Promise<JobCountRow[]>, maxAgeMs = 15_000): void {
    const read = this.cached('jobs', source, maxAgeMs);
    const gauge: Gauge<'type' | 'status'> = new Gauge({
      name: 'quire_jobs',
      help: 'Jobs in the database by type and status (expired jobs excluded)',
      labelNames: ['type', 'status'],
      registers: [this.registry],
      collect: async () => {
        const rows = await read();
        if (!rows) return;
        gauge.reset();
        for (const r of rows) gauge.set({ type: r.type, status: r.status }, r.count);
      },
    });
  }

  /** Registers the per-queue gauges (depth, ready, unacked, consumers, dead letters), read from `source` on scrape. */
  registerQueueStats(source: () => Promise<QueueStatRow[]>, maxAgeMs = 5_000): void {
    const read = this.cached('queues', source, maxAgeMs);
    const fields: Array<[string, string, (r: QueueStatRow) => number]> = [
      ['quire_queue_messages', 'Messages in the queue (ready + unacknowledged)', (r) => r.messages],
      ['quire_queue_messages_ready', 'Messages ready for delivery', (r) => r.ready],
      ['quire_queue_messages_unacked', 'Messages delivered and not yet acknowledged', (r) => r.unacked],
      ['quire_queue_consumers', 'Consumers of the queue', (r) => r.consumers],
      [
        'quire_queue_dead_letters',
        'Messages in the queue’s dead-letter queue (<queue>.dlq)',
        (r) => r.deadLetters,
      ],
    ];
    for (const [name, help, pick] of fields) {
      const gauge: Gauge<'queue'> = new Gauge({
        name,
        help,
        labelNames: ['queue'],
        registers: [this.registry],
        collect: async () => {
          const rows = await read();
          if (!rows) return;
          gauge.reset();
          for (const r of rows) gauge.set({ queue: r.queue }, pick(r));
        },
      });
    }
  }

  /** The exposition text and its content type, for a `/metrics` endpoint. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /** Caches a source for `maxAgeMs`, shares one in-flight call, and returns null (keep last values) on failure. */
  private cached<T>(name: string, source: () => Promise<T>, maxAgeMs: number): () => Promise<T | null> {
    let value: T | null = null;
    let at = 0;
    let inFlight: Promise<T | null> | null = null;
    return () => {
      if (value !== null && Date.now() - at < maxAgeMs) return Promise.resolve(value);
      inFlight ??= source()
        .then((v) => {
          value = v;
          at = Date.now();
          return v;
        })
        .catch((err: unknown) => {
          this.sourceErrors.inc({ source: name });
          this.options.onSourceError?.(name, err);
          return null;
        })
        .finally(() => {
          inFlight = null;
        });
      return inFlight;
    };
  }
}

/** A registry for one process (see QuireMetrics). */
export function createMetrics(service: string, options: MetricsOptions = {}): QuireMetrics {
  return new QuireMetrics(service, options);
}
