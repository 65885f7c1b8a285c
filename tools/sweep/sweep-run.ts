/**
 * The robustness sweep (docs/architecture.md (robustness sweep)): every file of a folder through every job type that
 * takes PDFs, over the public HTTP API of a running stack. Each (file, type) must end in a 4xx with an error body or
 * a terminal job with a human-readable reason; the workers must stay under their memory caps and never restart.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { highWaterMark, isAlive, ProcessWatch, type WatchedProcess } from './process-watch';
import { filesFor, type SweepType } from './sweep-plan';

export type OutcomeKind = 'completed' | 'failed' | 'rejected' | 'violation';

export interface SweepOutcome {
  type: string;
  file: string;
  kind: OutcomeKind;
  /** HTTP status of the submission. */
  status: number;
  /** Error code of a 4xx or of a failed job. */
  code?: string;
  message?: string;
  /** What broke the rule, for `violation`. */
  violation?: string;
  /** From submission to terminal state (or rejection). */
  seconds: number;
}

export interface TypeRow {
  type: string;
  worker: string;
  completed: number;
  failed: number;
  rejected: number;
  violations: number;
  /** Largest resident size of the worker's process tree sampled while this type ran. */
  peakRssMb: number;
  capMb: number;
  seconds: number;
  /** Slowest single job of the type. */
  slowestSeconds: number;
  /** Failure / rejection codes seen, with counts. */
  codes: Record<string, number>;
}

export interface SweepReport {
  rows: TypeRow[];
  outcomes: SweepOutcome[];
  /** Process-level violations: a worker gone or restarted, over its cap. */
  processViolations: string[];
  files: number;
  seconds: number;
}

export interface SweepOptions {
  url: string;
  key: string;
  files: readonly string[];
  types: readonly SweepType[];
  /** Worker processes to watch (empty when their pids are unknown: memory and restarts are then not checked). */
  processes: readonly WatchedProcess[];
  /** Jobs in flight per queue. */
  concurrency?: number;
  /** A job not terminal by then is a hang (a violation). */
  jobDeadlineMs?: number;
  /** Files' paths are shown relative to this. */
  root?: string;
  log?: (line: string) => void;
}

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);
const STACK_TRACE = /\n\s*at\s|\bat\s+\S+\s+\(?[^\s)]*:\d+:\d+\)?/;
const PRIVATE_PATH = /\/(tmp|home|work|var|usr|proc|root)\//;

/** Whether a job's or a response's error text is a reason a client can read: words, no stack, no internals. */
export function reasonProblem(
  error: { code?: unknown; message?: unknown } | null | undefined,
): string | null {
  if (!error || typeof error.code !== 'string' || error.code === '') return 'no error code';
  if (typeof error.message !== 'string') return 'no error message';
  const message = error.message;
  if (message.trim().length < 10 || !/[a-z]{3}/i.test(message)) return `no reason in "${message}"`;
  if (STACK_TRACE.test(message)) return 'a stack trace as the reason';
  if (PRIVATE_PATH.test(message)) return 'a server path in the reason';
  if (error.code === 'INTERNAL') return `INTERNAL: ${message}`;
  return null;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

interface Submitted {
  status: number;
  body: Record<string, unknown> | null;
  text: string;
}

async function submit(options: SweepOptions, t: SweepType, file: string, data: Buffer): Promise<Submitted> {
  // 429 / 503 are the platform's back-pressure (tenant quotas, a busy gateway), not the file's outcome: wait and
  // resend, for as long as the job deadline allows.
  const deadline = Date.now() + (options.jobDeadlineMs ?? 600_000);
  for (;;) {
    const form = new FormData();
    for (let i = 0; i < t.copies; i++)
      form.append('file', new Blob([data], { type: 'application/pdf' }), path.basename(file));
    form.append('params', JSON.stringify(t.params));
    const res = await fetch(`${options.url}/v1/jobs/${t.type}`, {
      method: 'POST',
      body: form,
      headers: { authorization: `Bearer ${options.key}` },
      signal: AbortSignal.timeout(120_000),
    });
    const text = await res.text();
    let body: Record<string, unknown> | null = null;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = null;
    }
    if ((res.status === 429 || res.status === 503) && Date.now() < deadline) {
      const retryAfter = Number(res.headers.get('retry-after') ?? '1');
      await sleep(Math.min(30_000, Math.max(500, retryAfter * 1000)));
      continue;
    }
    return { status: res.status, body, text };
  }
}

interface JobView {
  status: string;
  error: { code: string; message: string } | null;
}

async function waitTerminal(options: SweepOptions, id: string): Promise<JobView | null> {
  const deadline = Date.now() + (options.jobDeadlineMs ?? 600_000);
  while (Date.now() < deadline) {
    const res = await fetch(`${options.url}/v1/jobs/${id}`, {
      headers: { authorization: `Bearer ${options.key}` },
      signal: AbortSignal.timeout(30_000),
    });
    if (res.status === 200) {
      const job = (await res.json()) as JobView;
      if (TERMINAL.has(job.status)) return job;
    } else await res.arrayBuffer();
    await sleep(400);
  }
  return null;
}

/** The `{ error: { code, message } }` of a response body, if it has one. */
function errorOf(body: Record<string, unknown> | null): { code?: string; message?: string } | null {
  const error = body?.error;
  if (typeof error !== 'object' || error === null) return null;
  const { code, message } = error as Record<string, unknown>;
  return {
    ...(typeof code === 'string' ? { code } : {}),
    ...(typeof message === 'string' ? { message } : {}),
  };
}

/** One (file, type): submitted, followed to its end and judged. */
async function sweepOne(options: SweepOptions, t: SweepType, file: string): Promise<SweepOutcome> {
  const started = Date.now();
  const base = { type: t.type, file: path.relative(options.root ?? '', file) };
  const seconds = () => (Date.now() - started) / 1000;
  let sent: Submitted;
  try {
    sent = await submit(options, t, file, await readFile(file));
  } catch (err) {
    return {
      ...base,
      kind: 'violation',
      status: 0,
      violation: `submission failed: ${(err as Error).message}`,
      seconds: seconds(),
    };
  }
  if (sent.status === 202 && typeof sent.body?.id === 'string') {
    const job = await waitTerminal(options, sent.body.id);
    if (!job)
      return {
        ...base,
        kind: 'violation',
        status: 202,
        violation: `job ${sent.body.id} not terminal in time`,
        seconds: seconds(),
      };
    if (job.status === 'completed') return { ...base, kind: 'completed', status: 202, seconds: seconds() };
    const problem = job.status === 'cancelled' ? 'cancelled by nobody' : reasonProblem(job.error);
    return {
      ...base,
      kind: problem ? 'violation' : 'failed',
      status: 202,
      code: job.error?.code,
      message: job.error?.message,
      ...(problem ? { violation: `job ${sent.body.id} ${job.status}: ${problem}` } : {}),
      seconds: seconds(),
    };
  }
  const error = errorOf(sent.body);
  if (sent.status >= 400 && sent.status < 500) {
    const problem = reasonProblem(error);
    return {
      ...base,
      kind: problem ? 'violation' : 'rejected',
      status: sent.status,
      code: error?.code,
      message: error?.message,
      ...(problem ? { violation: `${sent.status}: ${problem}` } : {}),
      seconds: seconds(),
    };
  }
  return {
    ...base,
    kind: 'violation',
    status: sent.status,
    code: error?.code,
    message: error?.message ?? sent.text.slice(0, 200),
    violation: `answered ${sent.status}`,
    seconds: seconds(),
  };
}

/** Runs `work` over `items` with at most `limit` at once. */
async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]);
  });
  await Promise.all(lanes);
}

/**
 * Runs the sweep: the queues in parallel (each has its own worker), the types of one queue one after another, so a
 * worker's sampled peak belongs to one type.
 */
export async function runSweep(options: SweepOptions): Promise<SweepReport> {
  const log = options.log ?? (() => undefined);
  const watch = new ProcessWatch(options.processes);
  const capOf = new Map(options.processes.map((p) => [p.name, p.capMb]));
  const started = Date.now();
  const outcomes: SweepOutcome[] = [];
  const rows: TypeRow[] = [];
  watch.start();
  try {
    const queues = [...new Set(options.types.map((t) => t.queue))];
    await Promise.all(
      queues.map(async (queue) => {
        for (const t of options.types.filter((x) => x.queue === queue)) {
          const from = Date.now();
          const mine: SweepOutcome[] = [];
          await pool(filesFor(t, options.files), options.concurrency ?? 2, async (file) => {
            const outcome = await sweepOne(options, t, file);
            mine.push(outcome);
            if (outcome.kind === 'violation')
              log(`VIOLATION ${t.type} ${outcome.file}: ${outcome.violation}`);
          });
          outcomes.push(...mine);
          const codes: Record<string, number> = {};
          for (const o of mine)
            if (o.code && o.kind !== 'completed')
              codes[`${o.kind === 'rejected' ? o.status : 'failed'}:${o.code}`] =
                (codes[`${o.kind === 'rejected' ? o.status : 'failed'}:${o.code}`] ?? 0) + 1;
          const row: TypeRow = {
            type: t.type,
            worker: t.worker,
            completed: mine.filter((o) => o.kind === 'completed').length,
            failed: mine.filter((o) => o.kind === 'failed').length,
            rejected: mine.filter((o) => o.kind === 'rejected').length,
            violations: mine.filter((o) => o.kind === 'violation').length,
            peakRssMb: Math.round(watch.peak(t.worker, from, Date.now()) / 1024 / 1024),
            capMb: capOf.get(t.worker) ?? 0,
            seconds: Math.round((Date.now() - from) / 1000),
            slowestSeconds: Math.round(Math.max(0, ...mine.map((o) => o.seconds)) * 10) / 10,
            codes,
          };
          rows.push(row);
          log(`${formatRow(row)}`);
        }
      }),
    );
  } finally {
    watch.stop();
  }
  const processViolations: string[] = [];
  for (const death of watch.died())
    processViolations.push(`${death.name} exited or restarted during the sweep`);
  for (const p of options.processes) {
    if (!isAlive(p.pid)) continue;
    const hwm = highWaterMark(p.pid) ?? 0;
    if (hwm > p.capMb * 1024 * 1024)
      processViolations.push(
        `${p.name}: peak resident ${Math.round(hwm / 1048576)} MB over its cap ${p.capMb} MB`,
      );
    const tree = watch.peak(p.name);
    if (tree > p.capMb * 1024 * 1024)
      processViolations.push(
        `${p.name}: process tree peaked at ${Math.round(tree / 1048576)} MB, over its cap ${p.capMb} MB`,
      );
  }
  rows.sort(
    (a, b) =>
      options.types.findIndex((t) => t.type === a.type) - options.types.findIndex((t) => t.type === b.type),
  );
  return {
    rows,
    outcomes,
    processViolations,
    files: options.files.length,
    seconds: Math.round((Date.now() - started) / 1000),
  };
}

/** Every broken promise of a report, one line each. */
export function sweepViolations(report: SweepReport): string[] {
  return [
    ...report.outcomes
      .filter((o) => o.kind === 'violation')
      .map((o) => `${o.type} ${o.file}: ${o.violation}${o.message ? ` (${o.message.slice(0, 200)})` : ''}`),
    ...report.rows
      .filter((r) => r.capMb > 0 && r.peakRssMb > r.capMb)
      .map((r) => `${r.type}: ${r.worker} peaked at ${r.peakRssMb} MB, over its cap ${r.capMb} MB`),
    ...report.processViolations,
  ];
}

function formatRow(r: TypeRow): string {
  const rss = r.capMb > 0 ? `${r.peakRssMb} / ${r.capMb}` : 'n/a';
  return `| ${r.type} | ${r.completed} | ${r.failed} | ${r.rejected} | ${r.violations} | ${rss} | ${r.seconds} | ${r.slowestSeconds} |`;
}

/** The report as a Markdown table, one row per job type, then the failure codes per type. */
export function formatSweepTable(report: SweepReport): string {
  const lines = [
    `${report.files} files × ${report.rows.length} job types in ${report.seconds} s`,
    '',
    '| job type | completed | failed with reason | 4xx | violations | peak tree PSS MB / cap | time s | slowest job s |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...report.rows.map(formatRow),
    '',
    ...report.rows.map(
      (r) =>
        `${r.type}: ${
          Object.entries(r.codes)
            .sort()
            .map(([code, n]) => `${code} ×${n}`)
            .join(', ') || '—'
        }`,
    ),
    '',
    'slowest:',
    ...[...report.outcomes]
      .sort((a, b) => b.seconds - a.seconds)
      .slice(0, 10)
      .map((o) => `  ${o.seconds.toFixed(1)} s ${o.type} ${o.file} → ${o.kind}${o.code ? ` ${o.code}` : ''}`),
  ];
  return lines.join('\n');
}
