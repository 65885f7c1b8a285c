/**
 * The web console (/console) in a real browser: Debian's Chromium driven by playwright-core (no browser is
 * downloaded), against the real gateway and compression worker (real PostgreSQL, RabbitMQ, Ghostscript). Asserts what
 * a user sees and gets: a PDF dropped on the compress form completes and downloads as a PDF with the same pages; an
 * operator replays a dead letter from the console and the job completes. One browser launch for the whole file.
 *
 * QUIRE_CONSOLE_SCREENSHOTS=<dir> also writes the README's screenshots there (sign-in, a completed job, queues).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import amqp from 'amqplib';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyRepository, createDataSource } from '@quire/job-model';
import {
  createTestEnvironment,
  getFreePort,
  makeNumberedPdf,
  startApp,
  type StartedApp,
  type TestEnvironment,
} from '@quire/testing';
import { QuireClient, pageCount } from './helpers';

const OPERATOR_KEY = 'qk_e2e_console_operator_0123456789abcdef';
const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = process.env.QUIRE_CONSOLE_SCREENSHOTS;

interface BrowserFileApi {
  DataTransfer: new () => { items: { add(file: unknown): void } };
  File: new (parts: Uint8Array[], name: string, options: { type: string }) => unknown;
}

describe('web console in headless Chromium (gateway + compression-worker)', () => {
  let env: TestEnvironment;
  let work: string;
  let gateway: StartedApp;
  let worker: StartedApp;
  let client: QuireClient;
  let ds: DataSource;
  let browser: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    // A system dependency like Ghostscript (tools/dev/ensure-deps.sh installs it): missing is an error, not a skip.
    if (!existsSync(CHROMIUM))
      throw new Error(`${CHROMIUM} not found: run tools/dev/ensure-deps.sh (apt-get install chromium)`);
    env = await createTestEnvironment();
    work = await mkdtemp(path.join(os.tmpdir(), 'quire-console-'));
    const common = { ...env.env, QUIRE_TEMP_DIR: path.join(work, 'tmp'), LOG_LEVEL: 'warn' };
    const port = await getFreePort();
    [gateway, worker] = await Promise.all([
      startApp('gateway', { ...common, PORT: String(port), QUIRE_BOOTSTRAP_API_KEY: OPERATOR_KEY }),
      startApp('compression-worker', { ...common, PORT: String(await getFreePort()) }),
    ]);
    client = new QuireClient(`http://127.0.0.1:${port}`, OPERATOR_KEY);
    ds = createDataSource(env.database.url, { poolSize: 1 });
    await ds.initialize();
    // A fresh profile per run (launchPersistentContext owns --user-data-dir); nothing phones home.
    browser = await chromium.launchPersistentContext(path.join(work, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      acceptDownloads: true,
      viewport: { width: 1100, height: 760 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = browser.pages()[0] ?? (await browser.newPage());
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([worker?.stop(), gateway?.stop()]);
    await ds?.destroy();
    await env?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const shot = async (name: string) => {
    if (SCREENSHOTS) await page.screenshot({ path: path.join(SCREENSHOTS, name), fullPage: false });
  };

  it('signs in with an API key, compresses a dropped PDF with live progress and downloads it (same pages)', async () => {
    await page.goto(`${gateway.url}/console`);
    await shot('console-sign-in.png');
    await page.getByLabel('API key').fill('qk_wrong_key_0123456789abcdef0123');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/not accepted/);
    await page.getByLabel('API key').fill(OPERATOR_KEY);
    await page.keyboard.press('Enter');
    await page.getByLabel('Job type').selectOption('compress');
    await page.getByLabel('preset').selectOption('ebook');

    // A real drop event carrying a File (what the browser does when a PDF is dragged from the desktop).
    const pdf = makeNumberedPdf(4, 300);
    const dataTransfer = await page.evaluateHandle(
      (bytes) => {
        // Runs in the page; the tests' tsconfig has no DOM lib, so the two browser classes are typed here.
        const browser = globalThis as unknown as BrowserFileApi;
        const dt = new browser.DataTransfer();
        dt.items.add(new browser.File([new Uint8Array(bytes)], 'report.pdf', { type: 'application/pdf' }));
        return dt;
      },
      [...pdf],
    );
    await page.dispatchEvent('label.drop', 'drop', { dataTransfer });
    await expect.poll(() => page.locator('label.drop').textContent()).toMatch(/Selected: report\.pdf/);
    await page.getByRole('button', { name: 'Submit compress' }).click();

    const status = page.locator('.job-status').first();
    await status.waitFor();
    expect(await status.getAttribute('aria-live')).toBe('polite');
    await expect.poll(() => status.textContent(), { timeout: 120_000 }).toMatch(/^completed/);
    await page.locator('section[aria-label^="Job "]').scrollIntoViewIfNeeded();
    await shot('console-job-completed.png');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: /^Download .*\.pdf$/ }).click(),
    ]);
    const saved = path.join(work, 'downloaded.pdf');
    await download.saveAs(saved);
    const bytes = await readFile(saved);
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(await pageCount(saved)).toBe(4);

    // The job page: params, result and the event history (GET /v1/jobs/{id}/history) as the console shows them.
    await page.locator('section[aria-label^="Job "] h2 a').first().click();
    await page.getByRole('heading', { name: 'Event history' }).waitFor();
    const rows = page.locator('table tbody tr');
    await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(3);
    const transitions = await rows.locator('td:nth-child(3)').allTextContents();
    expect(transitions).toEqual(expect.arrayContaining(['pending', 'processing', 'completed']));
    expect(await page.locator('pre').first().textContent()).toContain('"preset": "ebook"');
  });

  it('as operator: shows the queues and replays a dead letter from the console; the job completes', async () => {
    // A completed job put back to `retrying` whose retry message only exists as a dead letter (as if the broker
    // had dead-lettered it): replay must queue it again and the worker completes it.
    const res = await client.submit('compress', [{ name: 'dl.pdf', data: makeNumberedPdf(2) }]);
    const id = String(res.body.id);
    expect((await client.waitTerminal(id)).status).toBe('completed');
    await ds.query(
      `UPDATE job SET status = 'retrying', result = NULL, finished_at = NULL, next_attempt_at = now() WHERE id = $1`,
      [id],
    );
    const conn = await amqp.connect(env.vhost.url);
    try {
      const ch = await conn.createConfirmChannel();
      ch.publish(
        'quire.dlx',
        'compression',
        Buffer.from(JSON.stringify({ jobId: id, type: 'compress', correlationId: id })),
        { persistent: true, messageId: `${id}:dlq` },
      );
      await ch.waitForConfirms();
    } finally {
      await conn.close();
    }

    await page.getByRole('link', { name: 'Operator' }).click();
    const queues = page.getByRole('region', { name: 'Queues' });
    await expect.poll(() => queues.locator('tbody tr').count()).toBeGreaterThan(0);
    const compressionRow = queues.locator('tbody tr', { hasText: 'compression' });
    // Broker statistics lag a little: the console's Refresh button reads them again.
    await expect
      .poll(
        async () => {
          await queues.getByRole('button', { name: 'Refresh' }).click();
          return compressionRow.locator('td').nth(3).textContent();
        },
        { timeout: 30_000, interval: 500 },
      )
      .toBe('1');
    // Throughput over the last 5 minutes: this test's job (and the previous test's) completed a moment ago.
    expect(Number(await compressionRow.locator('td').nth(4).textContent())).toBeGreaterThan(0);
    await shot('console-operator-queues.png');

    await compressionRow.getByRole('button').click();
    const replay = page.getByRole('button', { name: `Replay ${id.slice(0, 8)}` });
    await replay.waitFor();
    await replay.click();
    await expect
      .poll(() => page.getByRole('region', { name: 'Dead letters' }).getByRole('status').textContent())
      .toMatch(new RegExp(`${id}: republished`));
    expect(await client.waitTerminal(id, 60_000)).toMatchObject({ status: 'completed', attempts: 2 });
    // The route behind the console's history table: creation first, the replayed attempt in it.
    const api = await client.get(`/v1/jobs/${id}/history`);
    expect(api.status).toBe(200);
    const items = (api.body as { items: Array<{ from: string | null; to: string; attempt: number }> }).items;
    expect(items[0]).toMatchObject({ from: null, to: 'pending' });
    expect(items.at(-1)).toMatchObject({ to: 'completed', attempt: 2 });
    expect(items.some((e) => e.from === 'retrying' && e.to === 'processing' && e.attempt === 2)).toBe(true);

    // The job page says so too, with the retry in its history.
    await page.goto(`${gateway.url}/console#job/${id}`);
    await expect.poll(() => page.locator('dd.status-completed').count()).toBe(1);
    // The history table is fetched after the job itself: wait for it rather than read it at once.
    await expect
      .poll(async () => {
        const history = await page.locator('table tbody tr td:nth-child(3)').allTextContents();
        return history.filter((t) => t === 'completed').length;
      })
      .toBe(2);
  });

  it('signs out, and a user key sees the operator pages refused with a clear message (403)', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    const userKey = (await new ApiKeyRepository(ds).createKey('console-tenant', 'user')).key;
    await page.getByLabel('API key').fill(userKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Operator' }).click();
    const queues = page.getByRole('region', { name: 'Queues' });
    await expect
      .poll(() => queues.getByRole('alert').textContent())
      .toMatch(/^Needs the operator or admin role/);
    // The user's own job list is empty (another tenant's jobs are invisible).
    await page.getByRole('link', { name: 'Jobs' }).click();
    await expect.poll(() => page.locator('main').textContent()).toContain('No jobs match.');
  });
});
