/**
 * Fairness measurement through the HTTP API: one tenant floods small jobs, another submits one; how much longer
 * does the second wait than on an idle system? (docs/architecture.md §11 (tenancy and fair sharing)).
 */
import { performance } from 'node:perf_hooks';

export interface FairnessOptions {
  url: string;
  floodKey: string;
  quietKey: string;
  /** The job every submission sends: type, one file, params. */
  job: { type: string; file: Buffer; fileName: string; params: Record<string, unknown> };
  /** Jobs the flooding tenant gets accepted (it retries 429s after their Retry-After). */
  flood: number;
  /** Parallel submissions of the flooding tenant. */
  floodConcurrency: number;
  /** Unloaded runs of the quiet tenant's job (after one discarded warm-up run); the median is the baseline. */
  baselineRuns: number;
  /** Runs of the quiet tenant's job under the flood, one after another; the median is compared. */
  loadedRuns: number;
  pollMs: number;
  timeoutMs: number;
  log?: (line: string) => void;
}

export interface FairnessReport {
  unloadedMs: number[];
  unloadedMedianMs: number;
  /** Median over the runs under flood. */
  loadedMs: number;
  loadedRunsMs: number[];
  ratio: number;
  /** Medians of how long the quiet job waited for a worker (created → started), unloaded and under flood. */
  unloadedWaitMs: number;
  loadedWaitMs: number;
  /** Flood jobs accepted when the quiet tenant submitted. */
  floodAcceptedBefore: number;
  /** Flood jobs not yet finished when the quiet tenant submitted (what it could queue behind). */
  floodUnfinishedBefore: number;
  floodAccepted: number;
  flood429: number;
  /** Flood submissions that got no HTTP answer (connection errors). */
  floodFailed: number;
}

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

export async function measureFairness(o: FairnessOptions): Promise<FairnessReport> {
  const log = o.log ?? (() => undefined);
  // The first job of a fresh stack pays for cold starts (the engine's first spawn): not a baseline.
  await timedJob(o, o.quietKey, 'warm-up (not counted)');
  const unloaded: JobTiming[] = [];
  for (let i = 0; i < o.baselineRuns; i++)
    unloaded.push(await timedJob(o, o.quietKey, `unloaded run ${i + 1}`));
  const unloadedMs = unloaded.map((t) => t.totalMs);
  const unloadedMedianMs = median(unloadedMs);
  log(
    `unloaded: ${unloadedMs.map((m) => m.toFixed(0)).join(', ')} ms (median ${unloadedMedianMs.toFixed(0)})`,
  );

  const flood = { accepted: 0, rejected429: 0, failed: 0, ids: [] as string[], stop: false };
  const submitters = Array.from({ length: o.floodConcurrency }, async () => {
    while (!flood.stop && flood.accepted < o.flood) {
      const res = await submit(o, o.floodKey).catch(() => ({ status: 0, id: '', retryAfterS: 1 }));
      if (res.status === 0) {
        flood.failed++;
        await sleep(1000);
      } else if (res.status === 202) {
        flood.accepted++;
        flood.ids.push(res.id);
      } else if (res.status === 429) {
        flood.rejected429++;
        await sleep(Math.max(1, res.retryAfterS) * 1000);
      } else throw new Error(`flood submission answered ${res.status}`);
    }
  });
  // The quiet tenant arrives once the flood has filled what it can: all its jobs, or its quota (the first 429).
  while (flood.accepted < o.flood && flood.rejected429 === 0) await sleep(50);
  const floodAcceptedBefore = flood.accepted;
  const floodUnfinishedBefore = await countUnfinished(o, o.floodKey);
  log(`flood: ${floodAcceptedBefore} accepted, ${floodUnfinishedBefore} unfinished; quiet tenant submits`);
  const loaded: JobTiming[] = [];
  for (let i = 0; i < o.loadedRuns; i++) {
    loaded.push(await timedJob(o, o.quietKey, `under flood run ${i + 1}`));
    log(`flood meanwhile: ${await countUnfinished(o, o.floodKey)} unfinished`);
  }
  const loadedRunsMs = loaded.map((t) => t.totalMs);
  const loadedMs = median(loadedRunsMs);
  flood.stop = true;
  await Promise.all(submitters);
  return {
    unloadedMs,
    unloadedMedianMs,
    loadedMs,
    loadedRunsMs,
    ratio: loadedMs / unloadedMedianMs,
    unloadedWaitMs: median(unloaded.map((t) => t.waitMs)),
    loadedWaitMs: median(loaded.map((t) => t.waitMs)),
    floodAcceptedBefore,
    floodUnfinishedBefore,
    floodAccepted: flood.accepted,
    flood429: flood.rejected429,
    floodFailed: flood.failed,
  };
}

async function submit(
  o: FairnessOptions,
  key: string,
): Promise<{ status: number; id: string; retryAfterS: number }> {
  const form = new FormData();
  form.append('file', new Blob([o.job.file], { type: 'application/pdf' }), o.job.fileName);
  form.append('params', JSON.stringify(o.job.params));
  const res = await fetch(`${o.url}/v1/jobs/${o.job.type}`, {
    method: 'POST',
    body: form,
    headers: { authorization: `Bearer ${key}` },
  });
  const body = (await res.json()) as { id?: string };
  return { status: res.status, id: body.id ?? '', retryAfterS: Number(res.headers.get('retry-after') ?? 1) };
}

/** Submit → terminal `completed`, in ms; a 429 is retried after its Retry-After (counted in the time). */
interface JobTiming {
  totalMs: number;
  /** Created → started (database clock): the wait for a worker. */
  waitMs: number;
}

async function timedJob(o: FairnessOptions, key: string, label: string): Promise<JobTiming> {
  const started = performance.now();
  let sub = await submit(o, key);
  while (sub.status === 429) {
    await sleep(sub.retryAfterS * 1000);
    sub = await submit(o, key);
  }
  if (sub.status !== 202) throw new Error(`submission answered ${sub.status}`);
  const deadline = Date.now() + o.timeoutMs;
  for (;;) {
    const res = await fetch(`${o.url}/v1/jobs/${sub.id}`, { headers: { authorization: `Bearer ${key}` } });
    const job = (await res.json()) as JobTimes & { status: string; error?: { message: string } | null };
    if (TERMINAL.has(job.status)) {
      if (job.status !== 'completed')
        throw new Error(`job ${sub.id} ended ${job.status}: ${job.error?.message}`);
      const totalMs = performance.now() - started;
      o.log?.(`${label}: ${totalMs.toFixed(0)} ms; ${breakdown(job)}`);
      const waitMs = job.startedAt ? Date.parse(job.startedAt) - Date.parse(job.createdAt) : Number.NaN;
      return { totalMs, waitMs };
    }
    if (Date.now() > deadline) throw new Error(`job ${sub.id} still ${job.status} after ${o.timeoutMs} ms`);
    await sleep(o.pollMs);
  }
}

/** The tenant's jobs in pending/processing/retrying, by listing each status (at most 100 per page, followed). */
async function countUnfinished(o: FairnessOptions, key: string): Promise<number> {
  let n = 0;
  for (const status of ['pending', 'processing', 'retrying']) {
    let cursor: string | null = null;
    do {
      const q: string = `status=${status}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const res = await fetch(`${o.url}/v1/jobs?${q}`, { headers: { authorization: `Bearer ${key}` } });
      const page = (await res.json()) as { items: unknown[]; nextCursor: string | null };
      n += page.items.length;
      cursor = page.nextCursor;
    } while (cursor);
  }
  return n;
}

interface JobTimes {
  createdAt: string;
  startedAt?: string | null;
  finishedAt?: string | null;
}

/**
 * Where a job's time went, from its own timestamps (database clock): waiting for a worker (created → started,
 * what fair publishing governs) and running (started → finished, what the machine's load governs).
 */
function breakdown(job: JobTimes): string {
  if (!job.startedAt || !job.finishedAt) return 'no timestamps';
  const created = Date.parse(job.createdAt);
  const started = Date.parse(job.startedAt);
  return `waited ${started - created} ms for a worker, ran ${Date.parse(job.finishedAt) - started} ms`;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
