/**
 * Tracing end to end (docs/architecture.md (tracing)): gateway and compression-worker as processes export their
 * spans over OTLP/HTTP to a local receiver; one job submitted with a client `traceparent` yields one connected
 * trace: the client's span → the gateway's request span → the worker's job span → the engine span.
 */
import http, { type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestEnvironment,
  getFreePort,
  makeNumberedPdf,
  startApp,
  type StartedApp,
  type TestEnvironment,
} from '@quire/testing';
import { QuireClient } from './helpers';

const ADMIN_KEY = 'qk_e2e_bootstrap_key_tracing_0123456789';

interface ExportedSpan {
  service: string;
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
}

interface OtlpJson {
  resourceSpans?: Array<{
    resource?: { attributes?: Array<{ key: string; value: { stringValue?: string } }> };
    scopeSpans?: Array<{
      spans?: Array<{ name: string; traceId: string; spanId: string; parentSpanId?: string }>;
    }>;
  }>;
}

describe('tracing end to end (gateway + compression-worker, OTLP/HTTP receiver)', () => {
  let env: TestEnvironment;
  let work: string;
  let apps: StartedApp[] = [];
  let client: QuireClient;
  let collector: Server;
  const spans: ExportedSpan[] = [];
  const contentTypes = new Set<string>();

  beforeAll(async () => {
    env = await createTestEnvironment();
    work = await mkdtemp(path.join(os.tmpdir(), 'quire-e2e-tracing-'));
    // A minimal OTLP/HTTP collector: JSON export requests on /v1/traces.
    collector = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        contentTypes.add(String(req.headers['content-type']));
        if (req.url === '/v1/traces') {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpJson;
          for (const rs of body.resourceSpans ?? []) {
            const service =
              rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? '?';
            for (const ss of rs.scopeSpans ?? [])
              for (const s of ss.spans ?? [])
                spans.push({
                  service,
                  name: s.name,
                  traceId: s.traceId,
                  spanId: s.spanId,
                  parentSpanId: s.parentSpanId ?? '',
                });
          }
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    const common = {
      ...env.env,
      QUIRE_TEMP_DIR: path.join(work, 'tmp'),
      LOG_LEVEL: 'info',
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    };
    const gatewayPort = await getFreePort();
    apps = await Promise.all([
      startApp('gateway', { ...common, PORT: String(gatewayPort), QUIRE_BOOTSTRAP_API_KEY: ADMIN_KEY }),
      startApp('compression-worker', { ...common, PORT: String(await getFreePort()) }),
    ]);
    client = new QuireClient(`http://127.0.0.1:${gatewayPort}`, ADMIN_KEY);
  });

  afterAll(async () => {
    for (const app of apps.reverse()) await app.stop().catch(() => undefined);
    await new Promise<void>((resolve) => collector?.close(() => resolve()));
    await env?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('one job is one connected trace continuing the client traceparent: gateway → worker → engine', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const clientSpanId = 'b7ad6b7169203331';
    const res = await client.submit(
      'compress',
      [{ name: 'in.pdf', data: makeNumberedPdf(2, 60) }],
      {
        preset: 'ebook',
      },
      { traceparent: `00-${traceId}-${clientSpanId}-01`, 'x-correlation-id': 'trace-e2e-1' },
    );
    expect(res.status).toBe(202);
    expect(res.body.correlationId).toBe('trace-e2e-1');
    const id = String(res.body.id);
    expect((await client.waitTerminal(id)).status).toBe('completed');

    const inTrace = () => spans.filter((s) => s.traceId === traceId);
    await expect
      .poll(() => inTrace().map((s) => s.name), { timeout: 20_000, interval: 250 })
      .toEqual(expect.arrayContaining(['POST /v1/jobs/:type', 'job compress', 'engine ghostscript']));

    const byName = (name: string) => inTrace().find((s) => s.name === name)!;
    const gatewaySpan = byName('POST /v1/jobs/:type');
    const jobSpan = byName('job compress');
    const engineSpan = byName('engine ghostscript');
    expect(gatewaySpan).toMatchObject({ service: 'gateway', parentSpanId: clientSpanId });
    expect(jobSpan).toMatchObject({ service: 'compression-worker', parentSpanId: gatewaySpan.spanId });
    expect(engineSpan).toMatchObject({ service: 'compression-worker', parentSpanId: jobSpan.spanId });
    // Every span of the job's work is in the client's trace; other requests (GET polling) are separate traces.
    expect(new Set(inTrace().map((s) => s.service))).toEqual(new Set(['gateway', 'compression-worker']));
    expect(spans.some((s) => s.name === 'GET /v1/jobs/:id' && s.traceId !== traceId)).toBe(true);
    expect([...contentTypes].some((t) => t.includes('json'))).toBe(true);
  });
});
