import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '@quire/metrics';
import { maintenanceMetrics } from './maintenance-metrics';

const DASHBOARD = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../deploy/grafana/quire-dashboard.json',
);

describe('deploy/grafana/quire-dashboard.json', () => {
  it('only queries metrics that Quire exports', async () => {
    const metrics = createMetrics('dashboard-check');
    maintenanceMetrics(metrics);
    metrics.registerJobCounts(() => Promise.resolve([]));
    metrics.registerQueueStats(() => Promise.resolve([]));
    const exported = new Set(
      // Histograms are queried through their _bucket/_count/_sum series.
      (await metrics.registry.getMetricsAsJSON()).flatMap((m) => [
        m.name,
        `${m.name}_bucket`,
        `${m.name}_count`,
        `${m.name}_sum`,
      ]),
    );
    const dashboard = JSON.parse(await readFile(DASHBOARD, 'utf8')) as {
      panels: Array<{ targets?: Array<{ expr: string }> }>;
    };
    const queried = new Set(
      dashboard.panels
        .flatMap((p) => p.targets ?? [])
        .flatMap((t) => [...t.expr.matchAll(/\b((?:quire|process|nodejs)_[a-z0-9_]+)\b/g)].map((m) => m[1])),
    );
    expect(queried.size).toBeGreaterThan(10);
    expect([...queried].filter((name) => !exported.has(name))).toEqual([]);
  });
});
