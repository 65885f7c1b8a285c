import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { get, obj, str, type Json, type JsonObject } from './json';
import { parseYamlDocuments, renderKustomization, resourceId } from './kustomize';
import { QUIRE } from './quire';
import { parseQuantity, validateObjects, type Problem } from './rules';
import { strategicMerge } from './smp';
import {
  DEFAULT_OVERLAYS,
  REPO_ROOT,
  parseComposeDuration,
  validateCompose,
  validateKustomization,
} from './validate';

const BASE = path.join(REPO_ROOT, 'k8s', 'base');
const tmpDirs: string[] = [];
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
  return renderKustomization(path.join(REPO_ROOT, 'k8s', 'overlays', 'dev')).map((r) => r.object);
}

function findObject(objects: JsonObject[], kind: string, name: string): JsonObject {
  const found = objects.find((o) => o['kind'] === kind && get(o, 'metadata', 'name') === name);
  if (!found) throw new Error(`${kind}/${name} not rendered`);
  return found;
}

const hasKubectl = ((): boolean => {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore', timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
})();

describe('Quire manifests', () => {
  it.each(DEFAULT_OVERLAYS)('%s renders and passes every check', (dir) => {
    const report = validateKustomization(path.join(REPO_ROOT, dir));
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
  it('reports every breakage of an overlay on disk', () => {
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
    const found = messages(validateKustomization(dir).problems).join('\n');
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

  it('reports broken references, autoscaling conflicts and unsafe pods', () => {
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

    const found = messages(validateObjects(objects)).join('\n');
    expect(found).toMatch(
      /Deployment\/quire-dev\/gateway: spec.replicas is set although HorizontalPodAutoscaler\/gateway owns/,
    );
    expect(found).toMatch(
      /ScaledObject\/quire-dev\/conversion-worker: scaleTargetRef Deployment\/conversion does not exist/,
    );
    expect(found).toMatch(/conversion-worker: expected one ScaledObject targeting it, found 0/);
    expect(found).toMatch(/PodDisruptionBudget\/quire-dev\/ocr-worker: unknown apiVersion policy\/v1beta1/);
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

  it('reports what it cannot render instead of guessing', () => {
    const unsupported = overlay('commonLabels:\n  team: pdf\n');
    expect(messages(validateKustomization(unsupported).problems).join('\n')).toMatch(
      /kustomization field "commonLabels" is not supported/,
    );
    const dangling = overlay('patches:\n  - path: p.yaml\n', {
      'p.yaml':
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: pdf-worker\nspec:\n  replicas: 1\n',
    });
    expect(messages(validateKustomization(dangling).problems).join('\n')).toMatch(
      /no resource matches patch apps\/Deployment\/pdf-worker/,
    );
    // `on` is a boolean to kubectl (YAML 1.1) but a string to a YAML 1.2 parser.
    const ambiguous = overlay('patches:\n  - path: p.yaml\n', {
      'p.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: quire-config\ndata:\n  TRACE: on\n',
    });
    expect(messages(validateKustomization(ambiguous).problems).join('\n')).toMatch(
      /\$\.data\.TRACE .* reads differently in YAML 1\.1/,
    );
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

/** A fixture exercising renderer features our overlays do not use yet. */
const FEATURE_FIXTURE: Record<string, string> = {
  'base/kustomization.yaml': 'resources: [deploy.yaml, extra.yaml]\n',
  'base/deploy.yaml': `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      tolerations: [{key: a, operator: Exists}]
      initContainers:
        - {name: init, image: side:1.0}
      containers:
        - name: main
          image: app
          args: [a, b]
          env: [{name: A, value: "1"}, {name: B, value: "2"}]
          envFrom: [{configMapRef: {name: c1}}]
          ports: [{name: http, containerPort: 80}, {name: m, containerPort: 9100}]
          volumeMounts: [{name: v1, mountPath: /a}, {name: v2, mountPath: /b}]
        - name: sidecar
          image: side:1.0@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
      volumes: [{name: v1, emptyDir: {}}, {name: v2, emptyDir: {}}]
`,
  'base/extra.yaml': `apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}, {name: m, port: 9100, targetPort: m}]
---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: web}
spec:
  scaleTargetRef: {name: web}
  triggers:
    - {type: rabbitmq, metadata: {queueName: q, value: "2"}}
    - {type: cpu, metadata: {value: "50"}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: c1}
data: {X: "1", "Y": "2"}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
spec:
  items: [{name: a, size: 1}, {name: b, size: 2}]
  image: app:9
`,
  'overlay/kustomization.yaml': `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: ns1
resources: [../base, ns.yaml]
images:
  - {name: app, newName: reg.example.com/app, newTag: "2.0"}
  - {name: side, digest: "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"}
patches:
  - path: smp.yaml
  - target: {kind: Deployment, name: "we.*"}
    patch: |
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: ignored, annotations: {touched: "yes"}}
  - target: {kind: Service, name: web}
    patch: |
      - {op: replace, path: /spec/ports/0/port, value: 8080}
      - {op: add, path: /metadata/labels, value: {x: "y"}}
      - {op: remove, path: /spec/ports/1}
  - target: {group: keda.sh, kind: ScaledObject}
    patch: |
      - {op: add, path: /spec/triggers/-, value: {type: memory, metadata: {value: "70"}}}
`,
  'overlay/ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata: {name: ns1}\n',
  'overlay/smp.yaml': `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      tolerations: [{key: b, operator: Exists}]
      containers:
        - name: main
          args: [c]
          env: [{name: B, value: "3"}, {name: C, value: "4"}, {name: A, $patch: delete}]
          envFrom: [{configMapRef: {name: c2}}]
          ports: [{containerPort: 9100, name: metrics}]
          volumeMounts: [{mountPath: /b, $patch: delete}, {name: v3, mountPath: /c}]
          resources: {limits: {memory: 1Gi}}
      volumes: [{name: v3, emptyDir: {medium: Memory}}]
---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: web}
spec:
  minReplicaCount: 2
  triggers:
    - {type: cpu, metadata: {value: "60"}}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
spec:
  items: [{name: b, size: 5}, {name: c, size: 3}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: c1}
data: {X: null, Z: "3"}
`,
};

describe.skipIf(!hasKubectl)('the offline renderer matches `kubectl kustomize`', () => {
  function compare(dir: string): void {
    const ours = new Map(renderKustomization(dir).map((r) => [resourceId(r.object), r.object]));
    const output = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', timeout: 60_000 });
    const theirs = new Map(parseYamlDocuments(output, 'kubectl kustomize').map((o) => [resourceId(o), o]));
    expect([...ours.keys()].sort()).toEqual([...theirs.keys()].sort());
    for (const [id, object] of theirs) {
      // toEqual ignores key order, as YAML does; list order still counts.
      expect({ id, object: ours.get(id) }).toEqual({ id, object });
      expect(isDeepStrictEqual(ours.get(id), object)).toBe(true);
    }
  }

  it.each(['k8s/base', ...DEFAULT_OVERLAYS])('%s', (dir) => compare(path.join(REPO_ROOT, dir)));

  it('on namespace, images, targeted, JSON 6902 and strategic merge patches', () => {
    compare(path.join(writeTree(FEATURE_FIXTURE), 'overlay'));
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

  it('merges lists on their merge key, patch items first, like kustomize', () => {
    const base: Json = {
      spec: { containers: [{ name: 'a', env: [{ name: 'X', value: '1' }] }, { name: 'b' }] },
    };
    const patch: Json = { spec: { containers: [{ name: 'b', image: 'i' }, { name: 'c' }] } };
    expect(strategicMerge(base, patch, true)).toEqual({
      spec: {
        containers: [
          { name: 'b', image: 'i' },
          { name: 'c' },
          { name: 'a', env: [{ name: 'X', value: '1' }] },
        ],
      },
    });
    // Custom resources have no schema: their lists are replaced.
    expect(
      strategicMerge(
        { spec: { triggers: [{ type: 'a' }, { type: 'b' }] } },
        { spec: { triggers: [{ type: 'b' }] } },
        false,
      ),
    ).toEqual({
      spec: { triggers: [{ type: 'b' }] },
    });
  });
});
