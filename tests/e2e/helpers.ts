import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect } from 'vitest';

const run = promisify(execFile);

export interface JobJson {
  id: string;
  type: string;
  status: string;
  progress: { percent: number; stage: string; message: string };
  attempts: number;
  error: { code: string; message: string } | null;
  result: Record<string, unknown> | null;
  createdAt: string;
  updatedAt: string;
  startedAt?: string | null;
}

/** A small client of the public HTTP contract (docs/architecture.md §7). */
export class QuireClient {
  constructor(
    readonly baseUrl: string,
    readonly apiKey: string,
  ) {}

  async submit(
    type: string,
    files: Array<{ name: string; data: Buffer }>,
    params?: unknown,
    headers: Record<string, string> = {},
  ) {
    const form = new FormData();
    for (const f of files) form.append('file', new Blob([f.data], { type: 'application/pdf' }), f.name);
    if (params !== undefined)
      form.append('params', typeof params === 'string' ? params : JSON.stringify(params));
    const res = await fetch(`${this.baseUrl}/v1/jobs/${type}`, {
      method: 'POST',
      body: form,
      headers: { authorization: `Bearer ${this.apiKey}`, ...headers },
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
  }

  async get(path: string) {
    const res = await fetch(`${this.baseUrl}${path}`, {
      headers: { authorization: `Bearer ${this.apiKey}` },
    });
    const type = res.headers.get('content-type') ?? '';
    return {
      status: res.status,
      headers: res.headers,
      body: type.includes('json')
        ? ((await res.json()) as Record<string, unknown>)
        : Buffer.from(await res.arrayBuffer()),
    };
  }

  async job(id: string): Promise<JobJson> {
    const r = await this.get(`/v1/jobs/${id}`);
    expect(r.status).toBe(200);
    return r.body as unknown as JobJson;
  }

  /** Polls until the job is terminal; fails the test past `timeoutMs`. */
  async waitTerminal(id: string, timeoutMs = 120_000): Promise<JobJson> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = await this.job(id);
      if (['completed', 'failed', 'cancelled'].includes(job.status)) return job;
      if (Date.now() > deadline) throw new Error(`job ${id} still ${job.status} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** Page count by qpdf (an engine independent of the one that wrote the file); also checks the file parses. */
export async function pageCount(path: string): Promise<number> {
  const { stdout } = await run('qpdf', ['--show-npages', path]);
  return Number(stdout.trim());
}

/** curl, a real client, for cases where the server cuts the upload off (413). */
export async function curlUpload(url: string, apiKey: string, filePath: string, params?: string) {
  const args = [
    '-s',
    '--max-time',
    '60',
    '-o',
    '-',
    '-w',
    '\n%{http_code}',
    '-H',
    `Authorization: Bearer ${apiKey}`,
    '-F',
    `file=@${filePath};type=application/pdf`,
  ];
  if (params) args.push('-F', `params=${params}`);
  args.push(url);
  const { stdout } = await run('curl', args, { maxBuffer: 10 * 1024 * 1024 }).catch(
    (e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }),
  );
  const lines = stdout.trimEnd().split('\n');
  const status = Number(lines.pop());
  return { status, body: lines.join('\n') };
}

export { pdfPageTexts as pageTexts } from '@quire/testing';
