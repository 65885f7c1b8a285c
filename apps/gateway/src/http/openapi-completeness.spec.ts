import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_CATALOG, JOB_TYPES } from '@quire/job-model';
import { createLogger } from '@quire/logging';
import { createApp, type AppDeps } from './app';
import { buildOpenApi } from './openapi';
import { listRoutes } from './route-inventory';

type Operation = { operationId?: string; responses: Record<string, { headers?: Record<string, unknown> }> };
type Spec = {
  paths: Record<string, Record<string, Operation>>;
  components: { headers: Record<string, unknown> };
};

/**
 * Only the route table is read (and /docs served): the routers are built but never reach the repositories, so the
 * dependencies are left empty here; the e2e tests exercise the same app on real PostgreSQL and RabbitMQ.
 */
function routeTableApp() {
  return createApp({
    logger: createLogger('test', 'error', { silent: true }),
    limits: {},
  } as unknown as AppDeps);
}

/** Route parameters the document spells out per value: a path per job type and per maintenance task. */
const EXPANDED: Record<string, string[]> = {
  '/v1/jobs/{type}': JOB_TYPES.filter((t) => JOB_CATALOG[t].public && JOB_CATALOG[t].available),
  '/v1/admin/maintenance/{task}': JOB_TYPES.filter(
    (t) => JOB_CATALOG[t].queue === 'maintenance' && JOB_CATALOG[t].available,
  ),
};

function documentedForms(path: string): string[] {
  const values = EXPANDED[path];
  if (!values) return [path];
  const param = path.slice(path.lastIndexOf('{'));
  return values.map((v) => path.replace(param, v));
}

describe('OpenAPI completeness', () => {
  const spec = buildOpenApi() as unknown as Spec;
  // The viewer's own files (/docs/init.js, /docs/<asset>) belong to /docs, not to the API.
  const routes = listRoutes(routeTableApp()).filter((r) => !r.path.startsWith('/docs/'));

  it('finds the routes of the nested routers (the inventory itself works)', () => {
    const paths = routes.map((r) => `${r.method.toUpperCase()} ${r.path}`);
    expect(paths).toEqual(
      expect.arrayContaining([
        'GET /v1/jobs/{id}',
        'POST /v1/jobs/{type}',
        'POST /v1/admin/dead-letters/{queue}/replay',
        'GET /v1/admin/health',
        'GET /healthz',
      ]),
    );
    expect(routes.length).toBeGreaterThanOrEqual(20);
  });

  it('documents every route the gateway serves', () => {
    const missing = routes.flatMap((r) =>
      documentedForms(r.path)
        .filter((p) => !spec.paths[p]?.[r.method])
        .map((p) => `${r.method.toUpperCase()} ${p}`),
    );
    expect(missing).toEqual([]);
  });

  it('documents no route that does not exist', () => {
    const served = new Set(routes.flatMap((r) => documentedForms(r.path).map((p) => `${r.method} ${p}`)));
    const extra = Object.entries(spec.paths).flatMap(([p, ops]) =>
      Object.keys(ops)
        .filter((m) => !served.has(`${m} ${p}`))
        .map((m) => `${m.toUpperCase()} ${p}`),
    );
    expect(extra).toEqual([]);
  });

  it('gives every operation a unique operationId and documents the headers the gateway sets', () => {
    const ops = Object.values(spec.paths).flatMap((o) => Object.values(o));
    const ids = ops.map((o) => o.operationId);
    expect(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z0-9]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(Object.keys(spec.components.headers).sort()).toEqual(
      ['Idempotent-Replayed', 'Location', 'Retry-After', 'X-Correlation-Id'].sort(),
    );
    const submit = spec.paths['/v1/jobs/compress'].post;
    expect(Object.keys(submit.responses['202'].headers ?? {})).toEqual(
      expect.arrayContaining(['Location', 'Idempotent-Replayed', 'X-Correlation-Id']),
    );
    expect(Object.keys(submit.responses['429'].headers ?? {})).toContain('Retry-After');
  });
});

describe('/docs viewer', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = routeTableApp().listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('serves Swagger UI and its assets from the gateway itself (no CDN)', async () => {
    const page = await fetch(`${base}/docs`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(sources.length).toBeGreaterThanOrEqual(4);
    for (const src of sources) expect(src.startsWith('/'), src).toBe(true);
    const bundle = await fetch(`${base}/docs/swagger-ui-bundle.js`);
    expect(bundle.status).toBe(200);
    expect((await bundle.text()).length).toBeGreaterThan(500_000);
    expect((await fetch(`${base}/docs/init.js`)).headers.get('content-type')).toMatch(/javascript/);
    const unknown = await fetch(`${base}/docs/package.json`);
    expect(unknown.status).toBe(404);
  });
});
