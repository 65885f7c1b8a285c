import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleUi } from './console';

describe('/console (static web console)', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    const app = express();
    app.use(consoleUi());
    app.use((_req, res) => res.status(404).end());
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('serves the page and every module it imports from the gateway itself (no CDN, nothing built per request)', async () => {
    const page = await fetch(`${base}/console`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const sources = [...html.matchAll(/(?:src|href)="([^"#]+)"/g)].map((m) => m[1]);
    expect(sources).toEqual(expect.arrayContaining(['/console/console.css', '/console/main.js']));
    // Walk the module graph from main.js: every import is a relative file the gateway serves as JavaScript.
    const seen = new Set<string>();
    const queue = ['main.js'];
    while (queue.length) {
      const file = queue.shift() as string;
      if (seen.has(file)) continue;
      seen.add(file);
      const res = await fetch(`${base}/console/${file}`);
      expect(res.status, file).toBe(200);
      expect(res.headers.get('content-type'), file).toMatch(/javascript/);
      const text = await res.text();
      for (const m of text.matchAll(/from '([^']+)'/g)) {
        expect(m[1], `${file} imports ${m[1]}`).toMatch(/^\.\/[a-z-]+\.js$/);
        queue.push(m[1].slice(2));
      }
    }
    expect([...seen].sort()).toEqual([
      'api.js',
      'dom.js',
      'jobs.js',
      'main.js',
      'operator.js',
      'schema-form.js',
    ]);
  });

  it('serves nothing outside its folder', async () => {
    expect((await fetch(`${base}/console/..%2fhttp%2fconsole.ts`)).status).toBe(404);
    expect((await fetch(`${base}/console/missing.js`)).status).toBe(404);
  });
});
