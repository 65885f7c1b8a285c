/**
 * The CLI end to end: built, packed and installed with `npm i -g --prefix` into a temp folder exactly as a user
 * would, then run as a child process against the real gateway and compression worker (real PostgreSQL, RabbitMQ,
 * Ghostscript). Asserts what a script relies on: exit codes, --json on stdout, files on disk.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  REPO_ROOT,
  createTestEnvironment,
  getFreePort,
  makeNumberedPdf,
  startApp,
  type StartedApp,
} from '@quire/testing';
import { pageCount } from './helpers';

const run = promisify(execFile);
const ADMIN_KEY = 'qk_e2e_bootstrap_key_0123456789abcdef';

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

describe('quire CLI (installed globally from its packed tarball) against the real stack', () => {
  let gateway: StartedApp;
  let worker: StartedApp;
  let work: string;
  let quire: string;
  const cleanups: Array<() => Promise<void>> = [];

  /** Runs the installed `quire` with a clean HOME (no profile file) and no colour; never throws. */
  async function cli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
    try {
      const { stdout, stderr } = await run(quire, args, {
        cwd: work,
        timeout: 120_000,
        env: {
          PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? ''}`,
          HOME: work,
          NO_COLOR: '1',
          QUIRE_URL: gateway.url,
          QUIRE_API_KEY: ADMIN_KEY,
          ...env,
        },
      });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code?: unknown; stdout?: string; stderr?: string };
      if (typeof e.code !== 'number') throw err;
      return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  }

  const jsonLines = (stdout: string) =>
    stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'quire-cli-e2e-'));
    // The artifact users install: bundle, pack, `npm i -g` into a prefix (offline: the bundle has no dependencies).
    await run(process.execPath, ['apps/cli/build.mjs'], { cwd: REPO_ROOT });
    const { stdout: tarball } = await run('npm', ['pack', '--silent', '--pack-destination', work], {
      cwd: path.join(REPO_ROOT, 'apps/cli'),
    });
    const prefix = path.join(work, 'prefix');
    await run(
      'npm',
      [
        'install',
        '-g',
        '--prefix',
        prefix,
        '--offline',
        '--no-audit',
        '--no-fund',
        path.join(work, tarball.trim()),
      ],
      {
        cwd: work,
      },
    );
    quire = path.join(prefix, 'bin', 'quire');

    const testEnv = await createTestEnvironment();
    cleanups.push(() => testEnv.cleanup());
    const common = { ...testEnv.env, QUIRE_TEMP_DIR: path.join(work, 'tmp'), LOG_LEVEL: 'warn' };
    gateway = await startApp('gateway', {
      ...common,
      PORT: String(await getFreePort()),
      QUIRE_BOOTSTRAP_API_KEY: ADMIN_KEY,
    });
    worker = await startApp('compression-worker', { ...common, PORT: String(await getFreePort()) });
  });

  afterAll(async () => {
    await worker?.stop();
    await gateway?.stop();
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('installs as a global command that prints its help with the exit codes', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Exit codes:[\s\S]*4 +authentication/);
    const version = await cli(['--version']);
    const pkg = JSON.parse(await readFile(path.join(REPO_ROOT, 'apps/cli/package.json'), 'utf8')) as {
      version: string;
    };
    expect(version.stdout.trim()).toBe(pkg.version);
  });

  it('submits a PDF for compress, waits, downloads it: a PDF with the same pages; --json is pure JSON on stdout', async () => {
    await writeFile(path.join(work, 'report.pdf'), makeNumberedPdf(3, 200));
    const out = path.join(work, 'out');
    const res = await cli([
      'submit',
      'compress',
      'report.pdf',
      '-p',
      'preset=ebook',
      '--download',
      out,
      '--json',
    ]);
    expect(res.stderr).not.toMatch(/quire: /);
    expect(res.code).toBe(0);
    const [job, ...rest] = jsonLines(res.stdout);
    expect(rest).toEqual([]);
    expect(job).toMatchObject({ type: 'compress', status: 'completed', params: { preset: 'ebook' } });
    expect(String(job.downloadedTo)).toMatch(/^.*out\/.*\.pdf$/);
    expect(await pageCount(String(job.downloadedTo))).toBe(3);
    // Progress went to stderr (a line per change when stderr is not a terminal).
    expect(res.stderr).toMatch(/compress report\.pdf: completed/);

    // The same job through the other commands.
    const id = String(job.id);
    const get = await cli(['get', id, '--json']);
    expect(JSON.parse(get.stdout)).toMatchObject({ id, status: 'completed' });
    const result = await cli(['result', id, '--json']);
    expect(JSON.parse(result.stdout)).toHaveProperty('outputs');
    const again = await cli(['download', id, '--out', path.join(work, 'again.pdf')]);
    expect(again.code).toBe(0);
    expect(await pageCount(path.join(work, 'again.pdf'))).toBe(3);
    const cancel = await cli(['cancel', id]);
    expect(cancel.code).toBe(5);
    expect(cancel.stderr).toMatch(/already completed: nothing to cancel/);
  });

  it('bulk-submits a folder: one job per PDF, other files left out, outputs side by side', async () => {
    const folder = path.join(work, 'bulk');
    await mkdir(folder);
    await writeFile(path.join(folder, 'a.pdf'), makeNumberedPdf(1));
    await writeFile(path.join(folder, 'b.pdf'), makeNumberedPdf(2));
    await writeFile(path.join(folder, 'notes.txt'), 'not a document');
    const out = path.join(work, 'bulk-out');
    const res = await cli(['submit', 'compress', folder, '--download', out]);
    expect(res.code).toBe(0);
    const lines = res.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).toMatch(/^[0-9a-f-]{36} +completed +compress +[ab]\.pdf → /);
    const files = (await readdir(out)).sort();
    expect(files).toHaveLength(2);
    expect(await Promise.all(files.map((f) => pageCount(path.join(out, f))))).toEqual([1, 2]);
  });

  it('exits 1 with the reason when the job fails', async () => {
    const plain = path.join(work, 'plain.pdf');
    await writeFile(plain, makeNumberedPdf(1));
    await run('qpdf', [
      '--encrypt',
      'user-pw',
      'owner-pw',
      '256',
      '--',
      plain,
      path.join(work, 'locked.pdf'),
    ]);
    const res = await cli(['submit', 'compress', 'locked.pdf', '--wait']);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/failed +compress +locked\.pdf: PDF_ENCRYPTED: .*password required/i);
  });

  it('exits 4 on a bad key and 2 on a usage error, before any job exists', async () => {
    const bad = await cli(['list'], { QUIRE_API_KEY: 'qk_not_a_real_key_000000000000' });
    expect(bad.code).toBe(4);
    expect(bad.stderr).toMatch(/^quire: .*check the API key/m);
    expect(bad.stdout).toBe('');
    const usage = await cli(['submit', 'compress', 'report.pdf', '-p', 'quality=9']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/compress has no param "quality" \(its params: preset\)/);
    const list = await cli(['list', '--json', '--limit', '100']);
    expect(list.code).toBe(0);
    const page = JSON.parse(list.stdout) as { items: Array<{ status: string }> };
    // report.pdf, a.pdf, b.pdf, locked.pdf: the refused submit created nothing.
    expect(page.items).toHaveLength(4);
  });
});
