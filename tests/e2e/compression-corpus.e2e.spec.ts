import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestEnvironment,
  getFreePort,
  REPO_ROOT,
  startApp,
  type StartedApp,
  type TestEnvironment,
} from '@quire/testing';
import { QuireClient, pageCount, type JobJson } from './helpers';

const CORPUS = path.resolve(REPO_ROOT, '../shared/corpus');
const hasCorpus = existsSync(path.join(CORPUS, 'robustness')) && existsSync(path.join(CORPUS, 'compression'));
if (!hasCorpus)
  console.warn(`[corpus] ${CORPUS} not found: skipping the compression corpus end-to-end tests`);

const ADMIN_KEY = 'qk_e2e_corpus_key_0123456789abcdef';

async function listPdfs(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(path.join(entry.parentPath, entry.name));
  }
  return out.sort();
}

function alive(app: StartedApp): boolean {
  try {
    process.kill(app.pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!hasCorpus)('compression over the shared corpus (2 worker processes)', () => {
  let env: TestEnvironment;
  let gateway: StartedApp;
  const workers: StartedApp[] = [];
  let client: QuireClient;
  let work: string;

  beforeAll(async () => {
    env = await createTestEnvironment();
    work = await mkdtemp(path.join(os.tmpdir(), 'quire-corpus-'));
    const common = { ...env.env, QUIRE_TEMP_DIR: path.join(work, 'tmp'), LOG_LEVEL: 'warn' };
    const port = await getFreePort();
    gateway = await startApp('gateway', {
      ...common,
      PORT: String(port),
      QUIRE_BOOTSTRAP_API_KEY: ADMIN_KEY,
    });
    for (let i = 0; i < 2; i++) {
      workers.push(
        await startApp('compression-worker', {
          ...common,
          PORT: String(await getFreePort()),
          // Short enough that a hanging file fails well inside the 2-minute budget per file.
          QUIRE_GS_TIMEOUT_MS: '45000',
          QUIRE_RETRY_DELAYS_MS: '1000,1000,1000',
        }),
      );
    }
    client = new QuireClient(`http://127.0.0.1:${port}`, ADMIN_KEY);
  });

  afterAll(async () => {
    for (const w of workers) await w.stop();
    await gateway?.stop();
    await env?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('every robustness file ends completed, failed with a reason, or a precise 4xx; workers stay up', async () => {
    const files = await listPdfs(path.join(CORPUS, 'robustness'));
    const accepted = new Map<string, string>();
    const rejected: Array<{ file: string; status: number; code: string }> = [];
    for (const file of files) {
      const res = await client.submit(
        'compress',
        [{ name: path.basename(file), data: await readFile(file) }],
        { preset: 'ebook' },
      );
      if (res.status === 202) accepted.set(String(res.body.id), file);
      else {
        expect([400, 413, 415]).toContain(res.status);
        rejected.push({ file, status: res.status, code: (res.body.error as { code: string }).code });
      }
    }
    const results: Array<{ file: string; job: JobJson; seconds: number }> = [];
    for (const [id, file] of accepted) {
      const job = await client.waitTerminal(id, 15 * 60_000);
      const full = (await client.get(`/v1/jobs/${id}`)).body as {
        startedAt: string | null;
        finishedAt: string | null;
      };
      const seconds =
        full.startedAt && full.finishedAt
          ? (Date.parse(full.finishedAt) - Date.parse(full.startedAt)) / 1000
          : 0;
      results.push({ file, job, seconds });
    }
    const byOutcome = new Map<string, number>();
    for (const r of results) {
      const key = r.job.status === 'failed' ? `failed:${r.job.error?.code}` : r.job.status;
      byOutcome.set(key, (byOutcome.get(key) ?? 0) + 1);
    }
    for (const r of rejected)
      byOutcome.set(
        `rejected:${r.status}:${r.code}`,
        (byOutcome.get(`rejected:${r.status}:${r.code}`) ?? 0) + 1,
      );
    console.log(`[corpus] robustness: ${files.length} files →`, Object.fromEntries([...byOutcome].sort()));
    const slowest = [...results].sort((a, b) => b.seconds - a.seconds).slice(0, 3);
    console.log(
      '[corpus] slowest:',
      slowest.map((s) => `${path.relative(CORPUS, s.file)} ${s.seconds.toFixed(1)} s (${s.job.status})`),
    );

    for (const r of results) {
      expect(['completed', 'failed'], r.file).toContain(r.job.status);
      if (r.job.status === 'failed') {
        expect(r.job.error?.message.length, r.file).toBeGreaterThan(5);
        expect(r.job.error?.message, r.file).not.toMatch(/internal error/i);
      }
      expect(r.seconds, r.file).toBeLessThan(120);
    }
    expect(workers.every(alive)).toBe(true);
    expect(alive(gateway)).toBe(true);
  });

  it('compresses every compression-corpus file: same page count, never larger', async () => {
    const files = await listPdfs(path.join(CORPUS, 'compression'));
    const rows: string[] = [];
    for (const file of files) {
      const input = await readFile(file);
      const res = await client.submit('compress', [{ name: path.basename(file), data: input }], {
        preset: 'ebook',
      });
      expect(res.status, file).toBe(202);
      const job = await client.waitTerminal(String(res.body.id), 5 * 60_000);
      expect(job.status, `${file}: ${job.error?.message}`).toBe('completed');
      const out = (await client.get(`/v1/jobs/${job.id}/download`)).body as Buffer;
      expect(out.length, file).toBeLessThanOrEqual(input.length);
      const local = path.join(work, 'dl.pdf');
      await writeFile(local, out);
      const inPages = await pageCount(file);
      expect(await pageCount(local), file).toBe(inPages);
      rows.push(
        `${path.relative(CORPUS, file)}: ${input.length} → ${out.length} (${((out.length / input.length) * 100).toFixed(0)} %)`,
      );
    }
    console.log(`[corpus] compression (ebook):\n  ${rows.join('\n  ')}`);
  });
});
