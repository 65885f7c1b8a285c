/**
 * Memory and liveness of the worker processes during a sweep, read from /proc (Linux): the resident set of a worker
 * and of every process below it (its Ghostscript, qpdf and Tesseract children), sampled periodically, plus the
 * kernel's own high-water mark (VmHWM) of the worker process, which no sampling interval can miss.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface WatchedProcess {
  /** e.g. `ocr-worker` */
  name: string;
  pid: number;
  /** The memory the process tree may use (its pod's memory limit, docs/architecture.md (deployment)). */
  capMb: number;
}

function statusField(pid: number, field: 'VmRSS' | 'VmHWM'): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** pid → parent pid of every process visible in /proc. */
function parentTable(): Map<number, number> {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name (field 2) is in parentheses and may contain spaces: parse after its closing bracket.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(entry), Number(rest[1]));
    } catch {
      // The process ended while we looked.
    }
  }
  return parents;
}

function descendants(root: number, parents: Map<number, number>): number[] {
  const out: number[] = [];
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parents) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    for (const child of children.get(pid) ?? []) {
      out.push(child);
      stack.push(child);
    }
  }
  return out;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Proportional set size (shared pages split among the processes sharing them): what a container's memory limit
 * counts. Summing RSS instead would count the node binary and its libraries once per engine child. Falls back to RSS
 * where smaps_rollup is not readable.
 */
function proportionalSize(pid: number): number {
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const match = /^Pss:\s+(\d+) kB/m.exec(rollup);
    if (match) return Number(match[1]) * 1024;
  } catch {
    // not readable or gone: fall through
  }
  return statusField(pid, 'VmRSS') ?? 0;
}

/** Memory of `pid` and all its descendants now, as a container limit counts it (PSS; 0 when it is gone). */
export function treeRss(pid: number, parents = parentTable()): number {
  let total = proportionalSize(pid);
  for (const child of descendants(pid, parents)) total += proportionalSize(child);
  return total;
}

/** The worker process's own peak resident size as the kernel recorded it. */
export function highWaterMark(pid: number): number | null {
  return statusField(pid, 'VmHWM');
}

/**
 * Samples the trees of `processes` every `intervalMs`. `peakSince(mark)` gives the largest tree seen for a process
 * since a mark, so a sweep can attribute peaks to the job type that was running.
 */
export class ProcessWatch {
  private readonly samples = new Map<string, Array<{ at: number; bytes: number }>>();
  private readonly deaths = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly processes: readonly WatchedProcess[],
    private readonly intervalMs = 250,
  ) {
    for (const p of processes) this.samples.set(p.name, []);
  }

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.sample();
  }

  private sample(): void {
    if (this.processes.length === 0) return;
    const parents = parentTable();
    const at = Date.now();
    for (const p of this.processes) {
      if (!isAlive(p.pid)) {
        if (!this.deaths.has(p.name)) this.deaths.set(p.name, at);
        continue;
      }
      // Keep only peaks per sample window of one second: a long sweep must not hold millions of samples.
      const list = this.samples.get(p.name)!;
      const bytes = treeRss(p.pid, parents);
      const last = list.at(-1);
      if (last && at - last.at < 1_000) last.bytes = Math.max(last.bytes, bytes);
      else list.push({ at, bytes });
    }
  }

  /** Largest tree resident size of `name` sampled in [from, to]. */
  peak(name: string, from = 0, to = Number.POSITIVE_INFINITY): number {
    let max = 0;
    for (const s of this.samples.get(name) ?? [])
      if (s.at >= from - 1_000 && s.at <= to) max = Math.max(max, s.bytes);
    return max;
  }

  /** Processes that died (or whose pid vanished) during the watch, with when it was noticed. */
  died(): Array<{ name: string; at: number }> {
    return [...this.deaths].map(([name, at]) => ({ name, at }));
  }
}
