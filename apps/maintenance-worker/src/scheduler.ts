import { Cron } from 'croner';
import type { Logger } from '@quire/logging';
import { tickKey, tickOf, type MaintenanceTask, type ScheduleSpec } from './schedules';

/** The leader lock the scheduler competes for (AdvisoryLock of @quire/job-model). */
export interface LeaderLock {
  readonly held: boolean;
  tryAcquire(): Promise<boolean>;
  verify(): Promise<boolean>;
  release(): Promise<void>;
}

export type TickOutcome = 'fired' | 'duplicate' | 'lost-leadership' | 'error';

export interface SchedulerOptions {
  schedules: ScheduleSpec[];
  lock: LeaderLock;
  /**
   * Creates the tick's job (through the outbox) under `idempotencyKey`; `created` is false when a job with that key
   * exists already (the tick was fired by another replica during a leadership hand-over).
   */
  createJob: (task: MaintenanceTask, idempotencyKey: string) => Promise<{ jobId: string; created: boolean }>;
  logger: Logger;
  /** How often a follower tries to take the lock and the leader re-checks it holds it. */
  leaderRetryMs: number;
  /** IANA time zone of the patterns; default: the process's. */
  timezone?: string;
  onTick?: (task: MaintenanceTask, outcome: TickOutcome) => void;
  onLeadership?: (leader: boolean) => void;
}

/**
 * The maintenance schedules (croner) under a PostgreSQL advisory-lock leader (docs/architecture.md §8). Every replica runs
 * the cron timers, but only the lock holder fires: before each tick it confirms with the server that its session
 * still holds the lock, then creates the tick's job with the idempotency key `schedule:<task>:<tick time>`, so even
 * two replicas that both believed they led (a dropped session) cannot create a tick's job twice. A fired tick is an
 * ordinary job on the `maintenance` queue, published through the outbox.
 */
export class MaintenanceScheduler {
  private readonly crons: Cron[] = [];
  private timer: NodeJS.Timeout | null = null;
  private leader = false;
  private closed = false;
  private electing: Promise<void> | null = null;

  constructor(private readonly options: SchedulerOptions) {}

  get isLeader(): boolean {
    return this.leader;
  }

  /** Starts the timers and the election (the first attempt is awaited). */
  async start(): Promise<void> {
    await this.elect();
    this.timer = setInterval(() => void this.elect(), this.options.leaderRetryMs);
    for (const spec of this.options.schedules) {
      const cron = new Cron(spec.pattern, {
        // A tick still being queued (slow database) is not overlapped by the next one.
        protect: true,
        ...(this.options.timezone ? { timezone: this.options.timezone } : {}),
      });
      cron.schedule(() => this.fire(spec.task, cron));
      this.crons.push(cron);
    }
    this.options.logger.info('scheduler started', {
      schedules: this.options.schedules.map((s) => `${s.task}: ${s.pattern}`),
      leader: this.leader,
      timezone: this.options.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
    });
  }

  /** Stops the timers and hands the lock over (a follower takes it at its next attempt). */
  async close(): Promise<void> {
    this.closed = true;
    for (const cron of this.crons) cron.stop();
    if (this.timer) clearInterval(this.timer);
    await this.electing;
    await this.options.lock.release();
    this.setLeader(false);
  }

  /** Next run of each schedule (for logs and the admin view). */
  nextRuns(): Array<{ task: MaintenanceTask; next: string | null }> {
    return this.crons.map((c, i) => ({
      task: this.options.schedules[i].task,
      next: c.nextRun()?.toISOString() ?? null,
    }));
  }

  private elect(): Promise<void> {
    this.electing ??= (async () => {
      if (this.closed) return;
      const leader = await this.options.lock.tryAcquire();
      if (!this.closed) this.setLeader(leader);
    })().finally(() => {
      this.electing = null;
    });
    return this.electing;
  }

  private setLeader(leader: boolean): void {
    if (leader === this.leader) return;
    this.leader = leader;
    this.options.logger.info(
      leader ? 'scheduler: this replica is now the leader' : 'scheduler: leadership released or lost',
    );
    this.options.onLeadership?.(leader);
  }

  private async fire(task: MaintenanceTask, cron: Cron): Promise<void> {
    const tick = tickOf(cron);
    if (this.closed || !this.leader) return;
    try {
      if (!(await this.options.lock.verify())) {
        this.setLeader(false);
        this.options.onTick?.(task, 'lost-leadership');
        this.options.logger.warn('scheduler: lock lost before a tick; not firing', {
          task,
          tick: tick.toISOString(),
        });
        return;
      }
      const key = tickKey(task, tick);
      const { jobId, created } = await this.options.createJob(task, key);
      this.options.onTick?.(task, created ? 'fired' : 'duplicate');
      this.options.logger.info(
        created ? 'scheduled task queued' : 'scheduled tick already queued by another replica',
        {
          task,
          tick: tick.toISOString(),
          maintenanceJobId: jobId,
        },
      );
    } catch (err) {
      this.options.onTick?.(task, 'error');
      this.options.logger.error('scheduler: could not queue a scheduled task', {
        task,
        tick: tick.toISOString(),
        err: String(err),
      });
    }
  }
}
