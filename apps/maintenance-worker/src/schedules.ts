import { Cron } from 'croner';
import type { JobType } from '@quire/job-model';

/** The maintenance job types (docs/architecture.md §2), each a task the scheduler fires and an admin can run now. */
export const MAINTENANCE_TASKS = [
  'cleanup-temp-files',
  'cleanup-expired-jobs',
  'health-check',
  'recover-stuck-jobs',
] as const satisfies readonly JobType[];
export type MaintenanceTask = (typeof MAINTENANCE_TASKS)[number];

/** The seeds' schedules (cron, minute precision; a sixth leading field adds seconds). */
export const DEFAULT_SCHEDULES: Readonly<Record<MaintenanceTask, string>> = {
  'cleanup-temp-files': '*/30 * * * *',
  'cleanup-expired-jobs': '0 2 * * *',
  'health-check': '*/5 * * * *',
  // Every minute: a job stuck in `processing` waits at most QUIRE_STUCK_AFTER_MS plus a minute.
  'recover-stuck-jobs': '* * * * *',
};

export interface ScheduleSpec {
  task: MaintenanceTask;
  pattern: string;
}

/** A schedule value disables its task when it is one of these. */
const OFF = new Set(['off', 'none', 'disabled', '']);

export function isScheduleOff(value: string): boolean {
  return OFF.has(value.trim().toLowerCase());
}

/** Null when `pattern` is a valid croner pattern (5 or 6 fields, nicknames like @daily), else the parser's complaint. */
export function cronProblem(pattern: string, timezone?: string): string | null {
  try {
    new Cron(pattern, { paused: true, ...(timezone ? { timezone } : {}) }).stop();
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** The enabled schedules, in task order. */
export function enabledSchedules(patterns: Readonly<Record<MaintenanceTask, string>>): ScheduleSpec[] {
  return MAINTENANCE_TASKS.filter((task) => !isScheduleOff(patterns[task])).map((task) => ({
    task,
    pattern: patterns[task].trim(),
  }));
}

/**
 * The idempotency key of one tick of one schedule. Every replica computes the same key for the same tick, and the
 * job table's unique (tenant, idempotency_key) index lets only one job per key exist.
 */
export function tickKey(task: MaintenanceTask, tick: Date): string {
  return `schedule:${task}:${tick.toISOString()}`;
}

/**
 * The scheduled time of the run being triggered at `now`: the latest time matching the pattern at or before `now`
 * (croner never triggers early; a run a few milliseconds late still maps to its own tick). `previousRuns` excludes
 * a run exactly at its reference, and a trigger landing on the exact millisecond is common, hence the +1 ms.
 */
export function tickOf(cron: Cron, now: Date = new Date()): Date {
  return (
    cron.previousRuns(1, new Date(now.getTime() + 1))[0] ?? new Date(Math.floor(now.getTime() / 1000) * 1000)
  );
}
