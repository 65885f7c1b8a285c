import { Cron } from 'croner';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '@quire/config';
import { maintenanceWorkerConfigSchema } from './config';
import { retentionCutoffs } from './handlers/cleanup-expired-jobs.handler';
import { maintenancePolicy } from './policy';
import { cronProblem, DEFAULT_SCHEDULES, enabledSchedules, tickKey, tickOf } from './schedules';

const BASE_ENV = {
  QUIRE_AMQP_URL: 'amqp://u:p@127.0.0.1:5672/',
  QUIRE_DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/quire',
  QUIRE_STORAGE_DIR: '/tmp/storage',
};

describe('schedules', () => {
  it('maps a trigger a few ms late to its own tick, and every replica to the same key', () => {
    const everySecond = new Cron('* * * * * *', { paused: true });
    expect(tickOf(everySecond, new Date('2026-01-01T10:00:05.000Z')).toISOString()).toBe(
      '2026-01-01T10:00:05.000Z',
    );
    expect(tickOf(everySecond, new Date('2026-01-01T10:00:05.004Z')).toISOString()).toBe(
      '2026-01-01T10:00:05.000Z',
    );
    expect(tickOf(everySecond, new Date('2026-01-01T10:00:05.999Z')).toISOString()).toBe(
      '2026-01-01T10:00:05.000Z',
    );
    const halfHourly = new Cron(DEFAULT_SCHEDULES['cleanup-temp-files'], { paused: true, timezone: 'UTC' });
    expect(tickOf(halfHourly, new Date('2026-01-01T10:30:00.000Z')).toISOString()).toBe(
      '2026-01-01T10:30:00.000Z',
    );
    expect(tickOf(halfHourly, new Date('2026-01-01T10:30:00.020Z')).toISOString()).toBe(
      '2026-01-01T10:30:00.000Z',
    );
    expect(tickKey('cleanup-temp-files', new Date('2026-01-01T10:30:00.000Z'))).toBe(
      'schedule:cleanup-temp-files:2026-01-01T10:30:00.000Z',
    );
  });

  it('has the seeds’ defaults and lets a schedule be switched off', () => {
    const daily = new Cron(DEFAULT_SCHEDULES['cleanup-expired-jobs'], { paused: true, timezone: 'UTC' });
    expect(daily.nextRun(new Date('2026-01-01T03:00:00Z'))?.toISOString()).toBe('2026-01-02T02:00:00.000Z');
    const health = new Cron(DEFAULT_SCHEDULES['health-check'], { paused: true, timezone: 'UTC' });
    expect(health.nextRun(new Date('2026-01-01T03:01:00Z'))?.toISOString()).toBe('2026-01-01T03:05:00.000Z');
    expect(
      enabledSchedules({
        'cleanup-temp-files': 'off',
        'cleanup-expired-jobs': '0 2 * * *',
        'health-check': ' */5 * * * * ',
        'recover-stuck-jobs': 'off',
      }),
    ).toEqual([
      { task: 'cleanup-expired-jobs', pattern: '0 2 * * *' },
      { task: 'health-check', pattern: '*/5 * * * *' },
    ]);
    expect(cronProblem('61 * * * *')).toMatch(/./);
    expect(cronProblem('*/5 * * * *')).toBeNull();
  });
});

describe('config', () => {
  it('defaults: schedules, 2 h temp age, retention 7/30/7 days kept as marked rows, batches of 1000, 10 % disk', () => {
    const c = loadConfig(maintenanceWorkerConfigSchema, BASE_ENV);
    expect(c).toMatchObject({
      QUIRE_SCHEDULE_CLEANUP_TEMP_FILES: '*/30 * * * *',
      QUIRE_SCHEDULE_CLEANUP_EXPIRED_JOBS: '0 2 * * *',
      QUIRE_SCHEDULE_HEALTH_CHECK: '*/5 * * * *',
      QUIRE_SCHEDULE_RECOVER_STUCK_JOBS: '* * * * *',
      QUIRE_STUCK_AFTER_MS: 300_000,
      QUIRE_SCHEDULER_ENABLED: true,
      QUIRE_TEMP_MAX_AGE_HOURS: 2,
      QUIRE_RETENTION_COMPLETED_DAYS: 7,
      QUIRE_RETENTION_FAILED_DAYS: 30,
      QUIRE_RETENTION_CANCELLED_DAYS: 7,
      QUIRE_RETENTION_MODE: 'mark',
      QUIRE_RETENTION_BATCH_SIZE: 1000,
      QUIRE_DISK_FREE_MIN_PERCENT: 10,
    });
  });

  it('reports every bad value at once', () => {
    let error: unknown;
    try {
      loadConfig(maintenanceWorkerConfigSchema, {
        ...BASE_ENV,
        QUIRE_SCHEDULE_HEALTH_CHECK: 'every five minutes',
        QUIRE_RETENTION_MODE: 'archive',
        QUIRE_SCHEDULER_TIMEZONE: 'Mars/Olympus',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/QUIRE_SCHEDULE_HEALTH_CHECK: invalid cron pattern/);
    expect(problems).toMatch(/QUIRE_RETENTION_MODE/);
    expect(problems).toMatch(/QUIRE_SCHEDULER_TIMEZONE/);
  });

  it('refuses a stuck-job threshold that would race the takeover of a redelivered message', () => {
    expect(() =>
      loadConfig(maintenanceWorkerConfigSchema, {
        ...BASE_ENV,
        QUIRE_STALE_AFTER_MS: '30000',
        QUIRE_STUCK_AFTER_MS: '20000',
      }),
    ).toThrow(/QUIRE_STUCK_AFTER_MS: must exceed QUIRE_STALE_AFTER_MS/);
  });
});

describe('policy and retention', () => {
  it('never retries a maintenance task (seeds)', () => {
    expect(maintenancePolicy()).toMatchObject({ queue: 'maintenance', retryDelaysMs: [], maxAttempts: 1 });
  });

  it('computes one cutoff per status from its retention', () => {
    const now = new Date('2026-03-31T00:00:00Z');
    const c = retentionCutoffs({ completed: 7, failed: 30, cancelled: 0.5 }, now);
    expect(c.completed.toISOString()).toBe('2026-03-24T00:00:00.000Z');
    expect(c.failed.toISOString()).toBe('2026-03-01T00:00:00.000Z');
    expect(c.cancelled.toISOString()).toBe('2026-03-30T12:00:00.000Z');
  });
});
