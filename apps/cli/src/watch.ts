import { ApiError, EXIT } from './exit-codes';
import { sleep, type ApiClient } from './http';
import { isTerminal, parseJob, type Job } from './job';
import { SseParser } from './sse';

/**
 * Following jobs to their end (docs/architecture.md §6, §7): the event stream `GET /v1/jobs/{id}/events` pushes
 * the job JSON on every change; when a stream cannot be had (the tenant's cap of open streams answers 429, a proxy
 * that does not stream) or there are more jobs than streams worth holding, the job is polled instead.
 */

/** Event streams one CLI holds at once: well under the gateway's per-tenant cap (QUIRE_TENANT_MAX_EVENT_STREAMS, 20). */
export const MAX_STREAMS = 8;

/** A counter of streams the CLI may still open. */
export class StreamSlots {
  constructor(private free: number) {}
  tryTake(): boolean {
    if (this.free <= 0) return false;
    this.free--;
    return true;
  }
  give(): void {
    this.free++;
  }
}

/** Poll interval: about a second for one job, longer for many, so a bulk run does not hammer the gateway. */
export function pollIntervalMs(jobs: number): number {
  return Math.min(5_000, 1_000 + 100 * jobs);
}

export interface WatchOptions {
  onUpdate: (job: Job) => void;
  slots: StreamSlots;
  pollMs: number;
  /** When to stop waiting (epoch ms); the last state seen is returned. */
  deadline?: number;
  /** Interruption (Ctrl-C): rejects. */
  signal?: AbortSignal;
}

/** Reads a job's event stream, calling onJob per `job` event; 'terminal' once the job ended, 'ended' if cut off. */
export async function followEvents(
  api: ApiClient,
  id: string,
  onJob: (job: Job) => void,
  signal: AbortSignal,
): Promise<'terminal' | 'ended'> {
  const res = await api.request('GET', `/v1/jobs/${encodeURIComponent(id)}/events`, {
    headers: { accept: 'text/event-stream' },
    retry: false,
    signal,
  });
  if (!res.body || !(res.headers.get('content-type') ?? '').includes('text/event-stream')) {
    await res.body?.cancel();
    throw new Error('the server did not answer with an event stream');
  }
  const parser = new SseParser();
  for await (const chunk of res.body.pipeThrough(new TextDecoderStream())) {
    for (const event of parser.push(chunk)) {
      if (event.event === 'deleted') throw new ApiError(404, 'NOT_FOUND', `job ${id} was deleted`);
      if (event.event !== 'job') continue;
      const job = parseJob(JSON.parse(event.data));
      onJob(job);
      if (isTerminal(job)) return 'terminal';
    }
  }
  return 'ended';
}

/** Follows one job until it is terminal, the deadline passes (returns the last state) or the signal aborts. */
export async function watchJob(api: ApiClient, initial: Job, opts: WatchOptions): Promise<Job> {
  let job = initial;
  const update = (next: Job) => {
    job = next;
    opts.onUpdate(next);
  };
  update(initial);
  const stop = new AbortController();
  let timedOut = false;
  const timer =
    opts.deadline === undefined
      ? undefined
      : setTimeout(
          () => {
            timedOut = true;
            stop.abort(new Error('timeout'));
          },
          Math.max(0, opts.deadline - Date.now()),
        );
  const onInterrupt = () => stop.abort(opts.signal?.reason);
  opts.signal?.addEventListener('abort', onInterrupt, { once: true });
  let streams = true;
  try {
    while (!isTerminal(job)) {
      if (streams && opts.slots.tryTake()) {
        try {
          if ((await followEvents(api, job.id, update, stop.signal)) === 'terminal') break;
          // Cut off before the end (a restart, a proxy's timeout): poll once below, then stream again.
        } catch (err) {
          if (stop.signal.aborted) break;
          if (err instanceof ApiError && (err.exitCode === EXIT.auth || err.status === 404)) throw err;
          // A 429 at the tenant's stream cap, a proxy that buffers…: polling from now on still gets there.
          streams = false;
        } finally {
          opts.slots.give();
        }
      }
      await sleep(opts.pollMs, stop.signal);
      update(
        parseJob(await api.json('GET', `/v1/jobs/${encodeURIComponent(job.id)}`, { signal: stop.signal })),
      );
    }
  } catch (err) {
    if (!(stop.signal.aborted && timedOut)) throw err;
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onInterrupt);
  }
  if (opts.signal?.aborted) throw opts.signal.reason;
  return job;
}
