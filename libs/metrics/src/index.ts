/**
 * @quire/metrics: the Prometheus registry of a Quire process (prom-client) and the metric definitions every app
 * shares: job attempts and their durations, retries, dead letters, jobs by status, queue depths, HTTP requests,
 * plus the default process metrics. Each app serves `render()` at `/metrics`.
 */
export {
  QuireMetrics,
  createMetrics,
  JOB_DURATION_BUCKETS,
  HTTP_DURATION_BUCKETS,
  type AttemptOutcome,
  type JobCountRow,
  type QueueStatRow,
  type MetricsOptions,
} from './metrics';
