// @ts-check
/**
 * The console's client of the v1 API (docs/architecture.md §7). The API key lives in sessionStorage (this tab only,
 * gone when it closes) and is sent as `Authorization: Bearer`; EventSource cannot send that header, so job events are
 * read with fetch() and a stream reader.
 */

const KEY = 'quire.apiKey';

export function apiKey() {
  return sessionStorage.getItem(KEY);
}
/** @param {string} key */
export function signIn(key) {
  sessionStorage.setItem(KEY, key);
}
export function signOut() {
  sessionStorage.removeItem(KEY);
}

export class ApiError extends Error {
  /** @param {number} status @param {string} code @param {string} message */
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** @param {RequestInit} [init] */
function withAuth(init = {}) {
  const headers = new Headers(init.headers);
  const key = apiKey();
  if (key) headers.set('authorization', `Bearer ${key}`);
  return { ...init, headers };
}

/** @param {Response} res */
async function failure(res) {
  let code = `HTTP_${res.status}`;
  let message = res.statusText || `HTTP ${res.status}`;
  try {
    const body = await res.json();
    if (body?.error) ({ code, message } = body.error);
  } catch {
    // Not JSON (a proxy's page): the status line says enough.
  }
  return new ApiError(res.status, code, message);
}

/**
 * JSON in, JSON out; throws ApiError with the gateway's code and message on any non-2xx.
 * @param {string} path @param {RequestInit & {json?: unknown}} [init]
 */
export async function api(path, init = {}) {
  const { json, ...rest } = init;
  if (json !== undefined) {
    rest.body = JSON.stringify(json);
    rest.headers = { ...rest.headers, 'content-type': 'application/json' };
  }
  const res = await fetch(path, withAuth(rest));
  if (!res.ok) throw await failure(res);
  if (res.status === 204) return null;
  return res.json();
}

/**
 * Follows `GET /v1/jobs/{id}/events` (each `data:` is the job JSON) until the stream ends; falls back to polling
 * when streaming fails (a proxy that buffers, the tenant's stream limit). Resolves with the last job seen.
 * @param {string} id @param {(job: any) => void} onJob @param {AbortSignal} [signal]
 */
export async function followJob(id, onJob, signal) {
  let last = null;
  try {
    const res = await fetch(`/v1/jobs/${id}/events`, withAuth({ signal }));
    if (!res.ok || !res.body) throw await failure(res);
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end;
      while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
        const lines = block.split(/\r?\n/);
        const event =
          lines
            .find((l) => l.startsWith('event:'))
            ?.slice(6)
            .trim() ?? 'message';
        const data = lines
          .filter((l) => l.startsWith('data:'))
          .map((l) => l.slice(5).trimStart())
          .join('\n');
        if (event === 'deleted') throw new ApiError(404, 'NOT_FOUND', 'the job was deleted');
        if (!data) continue; // a keep-alive comment
        last = JSON.parse(data);
        onJob(last);
      }
    }
  } catch (err) {
    if (signal?.aborted) return last;
    if (err instanceof ApiError && err.status === 404) throw err;
  }
  if (last && isTerminal(last.status)) return last;
  // Polling fallback (also covers a stream that ended early).
  while (!signal?.aborted) {
    last = await api(`/v1/jobs/${id}`);
    onJob(last);
    if (isTerminal(last.status)) return last;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return last;
}

/** @param {string} status */
export function isTerminal(status) {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}

/**
 * Downloads with the Bearer header (a plain link could not carry it): fetch → blob → object URL → a click.
 * @param {string} url @param {string} fallbackName
 */
export async function download(url, fallbackName) {
  const res = await fetch(url, withAuth());
  if (!res.ok) throw await failure(res);
  const disposition = res.headers.get('content-disposition') ?? '';
  const match = /filename\*=UTF-8''([^;]+)|filename="?([^";]+)"?/i.exec(disposition);
  const name = match ? decodeURIComponent(match[1] ?? match[2]) : fallbackName;
  const href = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
  return name;
}

/** The public job types with their upload and params schemas, from /openapi.json (the document the gateway serves). */
export async function loadJobTypes() {
  const doc = await (await fetch('/openapi.json')).json();
  /** @type {Array<{type: string, summary: string, minFiles: number, maxFiles: number, params: any}>} */
  const types = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    const m = /^\/v1\/jobs\/([a-z0-9-]+)$/.exec(path);
    if (!m || !ops.post) continue;
    const schema = ops.post.requestBody.content['multipart/form-data'].schema;
    const file = schema.properties.file;
    const { description: _d, ...params } = schema.properties.params ?? {};
    types.push({
      type: m[1],
      summary: ops.post.summary,
      minFiles: file ? (file.minItems ?? 1) : 0,
      maxFiles: file ? (file.maxItems ?? 1) : 0,
      params,
    });
  }
  /** @type {string[]} */
  const tasks = Object.keys(doc.paths).flatMap((p) => {
    const task = /^\/v1\/admin\/maintenance\/([a-z0-9-]+)$/.exec(p)?.[1];
    return task && task !== 'jobs' ? [task] : [];
  });
  /** @type {string[]} */
  const queues = doc.paths['/v1/admin/dead-letters/{queue}'].get.parameters[0].schema.enum;
  /** @type {string[]} */
  const statuses = doc.components.schemas.Job.properties.status.enum;
  return { types, tasks, queues, statuses };
}
