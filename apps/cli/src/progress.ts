import type { Job } from './job';
import { paint, type Palette } from './style';

/** How job progress is shown on stderr: bars on a terminal, a line per change elsewhere, nothing with --quiet. */
export interface ProgressView {
  update(job: Job): void;
  /** A message above the bars (a retry notice, a submitted job). */
  log(message: string): void;
  /** The final drawing; the view is not used again. */
  done(): void;
}

export interface Stream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
  rows?: number;
}

const BAR_WIDTH = 24;

function label(job: Job): string {
  const name = job.inputs?.[0]?.name;
  const more = (job.inputs?.length ?? 0) > 1 ? ` +${(job.inputs?.length ?? 1) - 1}` : '';
  return `${job.id.slice(0, 8)} ${job.type}${name ? ` ${name}${more}` : ''}`;
}

/** "pages 3/10" style detail when the worker reports counts. */
function counts(job: Job): string {
  const { current, total } = job.progress;
  return current !== undefined && total !== undefined ? ` ${current}/${total}` : '';
}

function statusText(job: Job, p: Palette): string {
  if (job.status === 'completed') return p.green('completed');
  if (job.status === 'failed') return p.red(`failed: ${job.error?.message ?? 'no reason given'}`);
  if (job.status === 'cancelled') return p.yellow('cancelled');
  if (job.status === 'retrying') return p.yellow(`retrying${job.error ? ` (${job.error.message})` : ''}`);
  // The worker's message ("Compressing page 3 of 10") says it best; the stage and counts when it sends none.
  if (job.progress.message) return p.dim(job.progress.message);
  return `${job.progress.stage || job.status}${counts(job)}`;
}

/** One bar line, at most `width` visible characters. */
export function barLine(job: Job, width: number, p: Palette): string {
  const percent = job.status === 'completed' ? 100 : Math.max(0, Math.min(100, job.progress.percent));
  const filled = Math.round((percent / 100) * BAR_WIDTH);
  const bar = '█'.repeat(filled) + '░'.repeat(BAR_WIDTH - filled);
  const head = `${label(job)} `;
  const line = `${head}${bar} ${String(Math.floor(percent)).padStart(3)}% ${statusText(job, p)}`;
  return truncateVisible(line, width);
}

/** Cuts a line with ANSI colour codes to `width` visible characters. */
export function truncateVisible(text: string, width: number): string {
  let visible = 0;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\x1b') {
      const end = text.indexOf('m', i);
      if (end !== -1) {
        out += text.slice(i, end + 1);
        i = end;
        continue;
      }
    }
    if (visible >= width) break;
    out += text[i];
    visible++;
  }
  return out.includes('\x1b') ? `${out}\x1b[0m` : out;
}

/** Redraws one line per job in place (ANSI cursor movement), at most every 100 ms. */
class BarsView implements ProgressView {
  private readonly jobs = new Map<string, Job>();
  private drawn = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly out: Stream,
    private readonly p: Palette,
  ) {}

  update(job: Job): void {
    this.jobs.set(job.id, job);
    this.timer ??= setTimeout(() => this.draw(), 100);
  }

  log(message: string): void {
    this.clear();
    this.out.write(`${message}\n`);
    this.draw();
  }

  done(): void {
    this.draw();
  }

  private clear(): void {
    if (this.drawn > 0) this.out.write(`\x1b[${this.drawn}A\x1b[0J`);
    this.drawn = 0;
  }

  private draw(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    // A terminal that reports no size (0, as under some emulators) is taken as 80×24.
    const width = Math.max(20, (this.out.columns || 80) - 1);
    const room = Math.max(3, (this.out.rows || 24) - 2);
    const all = [...this.jobs.values()];
    // In submission order while they fit (lines do not jump); more jobs than the screen holds: the unfinished ones
    // first, then a count of the rest.
    const finished = (j: Job) => ['completed', 'failed', 'cancelled'].includes(j.status);
    const order = all.length <= room ? all : [...all.filter((j) => !finished(j)), ...all.filter(finished)];
    const shown = order.length > room ? order.slice(0, room - 1) : order;
    const lines = shown.map((j) => barLine(j, width, this.p));
    if (shown.length < order.length) {
      const rest = order.slice(shown.length);
      const tally = (s: string) => rest.filter((j) => j.status === s).length;
      lines.push(
        this.p.dim(
          `… ${rest.length} more: ${tally('completed')} completed, ${tally('failed')} failed, ${rest.length - tally('completed') - tally('failed')} other`,
        ),
      );
    }
    this.clear();
    if (lines.length) this.out.write(`${lines.join('\n')}\n`);
    this.drawn = lines.length;
  }
}

/** For logs and pipes: a line when a job's status or stage changes, or its percent passes another quarter. */
class LinesView implements ProgressView {
  private readonly last = new Map<string, string>();

  constructor(private readonly out: Stream) {}

  update(job: Job): void {
    const quarter = Math.floor(job.progress.percent / 25);
    const key = `${job.status}|${job.progress.stage}|${quarter}`;
    if (this.last.get(job.id) === key) return;
    this.last.set(job.id, key);
    const p = paint(false);
    const percent = ['pending', 'completed', 'failed', 'cancelled'].includes(job.status)
      ? ''
      : ` ${Math.floor(job.progress.percent)}%`;
    this.out.write(
      `${label(job)}: ${job.status}${percent}${job.status === 'processing' ? ` ${statusText(job, p)}` : ''}\n`,
    );
  }

  log(message: string): void {
    this.out.write(`${message}\n`);
  }

  done(): void {}
}

class SilentView implements ProgressView {
  update(): void {}
  log(): void {}
  done(): void {}
}

export function createProgressView(out: Stream, opts: { quiet: boolean; color: boolean }): ProgressView {
  if (opts.quiet) return new SilentView();
  if (out.isTTY) return new BarsView(out, paint(opts.color));
  return new LinesView(out);
}
