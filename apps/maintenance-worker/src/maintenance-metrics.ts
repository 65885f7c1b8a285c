import { Counter, Gauge } from 'prom-client';
import type { QuireMetrics } from '@quire/metrics';

/** The maintenance worker's own metrics, on the process registry (besides the shared ones of @quire/metrics). */
export function maintenanceMetrics(metrics: QuireMetrics) {
  const registers = [metrics.registry];
  return {
    freedFiles: new Counter({
      name: 'quire_maintenance_freed_files_total',
      help: 'Files removed by maintenance tasks',
      labelNames: ['task'],
      registers,
    }),
    freedBytes: new Counter({
      name: 'quire_maintenance_freed_bytes_total',
      help: 'Bytes freed by maintenance tasks',
      labelNames: ['task'],
      registers,
    }),
    jobsExpired: new Counter({
      name: 'quire_jobs_expired_total',
      help: 'Jobs expired by the retention policy, by status',
      labelNames: ['status'],
      registers,
    }),
    jobsRecovered: new Counter({
      name: 'quire_jobs_recovered_total',
      help: 'Jobs stuck in processing taken back by recover-stuck-jobs, by queue and outcome (retrying, failed, cancelled)',
      labelNames: ['queue', 'outcome'],
      registers,
    }),
    webhookAttempts: new Counter({
      name: 'quire_webhook_attempts_total',
      help: 'Callback delivery attempts, by event and outcome (delivered, retrying, failed)',
      labelNames: ['event', 'outcome'],
      registers,
    }),
    schedulerLeader: new Gauge({
      name: 'quire_scheduler_leader',
      help: '1 while this replica holds the scheduler lock',
      registers,
    }),
    schedulerTicks: new Counter({
      name: 'quire_scheduler_ticks_total',
      help: 'Schedule ticks handled by the leader, by task and outcome (fired, duplicate, lost-leadership, error)',
      labelNames: ['task', 'outcome'],
      registers,
    }),
  };
}
