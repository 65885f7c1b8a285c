import { ApiError, NetworkError } from './exit-codes';

/** Statuses worth another try after a pause: rate limits and a dependency or proxy that is down for a moment. */
const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);
/** A server that cannot be reached at all is told within seconds (1 s + 2 s), not after the full retry budget. */
const NETWORK_RETRIES = 2;

export interface ApiClientOptions {
  baseUrl: string;
  apiKey?: string;
  userAgent: string;
  /** Tries after a 429/502/503/504 (honouring Retry-After) and after a network error. */
  maxRetries?: number;
  /** A Retry-After longer than this is not waited for: the error is reported instead. */
  maxWaitMs?: number;
  /** Told before each pause, so the user sees why nothing happens. */
  onRetry?: (waitMs: number, reason: string) => void;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  fetch?: typeof fetch;
  /** Aborts every request that brings no signal of its own (Ctrl-C). */
  signal?: AbortSignal;
}

export interface RequestOptions {
  /** A fresh body per try (a FormData of file-backed Blobs can be rebuilt cheaply; a stream could not be re-sent). */
  body?: () => NonNullable<RequestInit['body']>;
  headers?: Record<string, string>;
  /** false: no retry at all (event streams fall back to polling instead). */
  retry?: boolean;
  /**
   * Whether a try may be repeated after a network error, when the server may have acted on it already. GETs and
   * DELETEs may; a submission may because it carries an Idempotency-Key; a retry request may not.
   */
  repeatable?: boolean;
  signal?: AbortSignal;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** `Retry-After` in milliseconds: delta-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (value === null || value.trim() === '') return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** 1 s, 2 s, 4 s… capped at 30 s: when the server gives no Retry-After. */
export function backoffMs(attempt: number): number {
  return Math.min(30_000, 1000 * 2 ** attempt);
}

/** The gateway's error body `{ error: { code, message } }`, or a description of whatever came instead. */
async function apiErrorOf(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body.error?.message === 'string')
      return new ApiError(
        res.status,
        typeof body.error.code === 'string' ? body.error.code : 'ERROR',
        body.error.message,
      );
  } catch {
    // not JSON: a proxy's page, say
  }
  const snippet = text.replace(/\s+/g, ' ').trim().slice(0, 200);
  return new ApiError(
    res.status,
    `HTTP_${res.status}`,
    `HTTP ${res.status} ${res.statusText}${snippet ? `: ${snippet}` : ''}`,
  );
}

function describeNetworkError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error).message;
}

/** A client of the public HTTP API (docs/architecture.md §7): auth header, retries, errors mapped to exit codes. */
export class ApiClient {
  readonly baseUrl: string;
  private readonly maxRetries: number;
  private readonly maxWaitMs: number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: ApiClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.maxRetries = options.maxRetries ?? 5;
    this.maxWaitMs = options.maxWaitMs ?? 120_000;
    this.sleep = options.sleep ?? sleep;
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** The response of a successful (2xx) request; errors become ApiError / NetworkError. */
  async request(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = {
      'user-agent': this.options.userAgent,
      ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
      ...opts.headers,
    };
    const retries = opts.retry === false ? 0 : this.maxRetries;
    opts = { ...opts, ...(!opts.signal && this.options.signal ? { signal: this.options.signal } : {}) };
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await this.fetch(`${this.baseUrl}${path}`, {
          method,
          headers,
          ...(opts.body ? { body: opts.body() } : {}),
          ...(opts.signal ? { signal: opts.signal } : {}),
        });
      } catch (err) {
        if (opts.signal?.aborted) throw err;
        const reason = describeNetworkError(err);
        if (attempt < Math.min(retries, NETWORK_RETRIES) && opts.repeatable !== false) {
          const wait = backoffMs(attempt);
          this.options.onRetry?.(wait, `cannot reach ${this.baseUrl} (${reason})`);
          await this.sleep(wait, opts.signal);
          continue;
        }
        throw new NetworkError(`cannot reach ${this.baseUrl}: ${reason}`);
      }
      if (res.ok) return res;
      if (RETRYABLE_STATUSES.has(res.status) && attempt < retries) {
        const wait = parseRetryAfter(res.headers.get('retry-after')) ?? backoffMs(attempt);
        if (wait <= this.maxWaitMs) {
          const error = await apiErrorOf(res);
          this.options.onRetry?.(wait, error.message);
          await this.sleep(wait, opts.signal);
          continue;
        }
      }
      throw await apiErrorOf(res);
    }
  }

  async json<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.request(method, path, {
      ...opts,
      headers: { accept: 'application/json', ...opts.headers },
    });
    if (res.status === 204) return undefined as T;
    return (await res.json()) as T;
  }
}
