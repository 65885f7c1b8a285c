import type { JobProgress } from '@quire/job-model';

export type ProgressUpdate = Partial<JobProgress> & { stage: string };

/**
 * Throttles progress writes to at most one per `intervalMs`, except that a stage change is written at once
 * (docs/architecture.md §6). Writes are serialised; a failing write is logged by `onError`, never thrown into the handler.
 */
export class ProgressReporter {
  private last: JobProgress = { percent: 0, stage: 'queued', message: '' };
  private lastWriteAt = 0;
  private pending: JobProgress | null = null;
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly write: (p: JobProgress) => Promise<void>,
    private readonly onError: (err: unknown) => void,
    private readonly intervalMs = 500,
  ) {}

  report(update: ProgressUpdate): void {
    const next: JobProgress = {
      ...this.last,
      ...update,
      percent: Math.max(0, Math.min(100, Math.round(update.percent ?? this.last.percent))),
      message: update.message ?? this.last.message,
    };
    const stageChanged = next.stage !== this.last.stage;
    this.last = next;
    if (stageChanged || Date.now() - this.lastWriteAt >= this.intervalMs) {
      this.flushNow(next);
    } else {
      this.pending = next;
      this.timer ??= setTimeout(() => {
        this.timer = null;
        if (this.pending) this.flushNow(this.pending);
      }, this.intervalMs);
    }
  }

  /** Waits for queued writes (called before the job's final state is written). */
  async drain(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending) this.flushNow(this.pending);
    await this.chain;
  }

  private flushNow(p: JobProgress): void {
    this.pending = null;
    this.lastWriteAt = Date.now();
    this.chain = this.chain.then(() => this.write(p)).catch(this.onError);
  }
}
