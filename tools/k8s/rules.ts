/**
 * The rules a schema cannot express, on the rendered manifests as a set (tools/k8s/schemas.ts checks each object's
 * shape against the published Kubernetes and CRD schemas first). Two layers:
 * - references between objects: selectors that select, probes and Service ports on declared container ports,
 *   ConfigMaps/Secrets/PVCs that exist, autoscaler targets; plus the policies Quire holds every pod to (resources,
 *   the restricted security profile, a writable /tmp);
 * - Quire's own deployment rules (docs/architecture.md, deployment): every app deployed and wired, KEDA on queue
 *   depth over the management API with a target equal to the worker's concurrency, grace periods between the hard
 *   time limit and the broker's consumer_timeout, migrations as a Job, broker and database from their operators.
 * Each problem names the object and says what is wrong; an empty list means the set is valid.
 */
import {
  arr,
  get,
  isObject,
  num,
  obj,
  objects,
  str,
  stringMap,
  text,
  type Json,
  type JsonObject,
} from './json';
import { OPERATOR_SECRETS, QUIRE, type QuireFacts, type WorkerFacts } from './quire';

export interface Problem {
  /** group/Kind/namespace/name of the object (or a file) the problem is about. */
  object: string;
  message: string;
}

/** Kinds that have no namespace. */
const CLUSTER_SCOPED_KINDS = new Set([
  'Namespace',
  'PersistentVolume',
  'StorageClass',
  'PriorityClass',
  'ClusterRole',
  'ClusterRoleBinding',
  'ClusterTriggerAuthentication',
]);

export function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
}

/** kustomize's resource id: group, kind, namespace and name. */
export function resourceId(object: JsonObject): string {
  const group = groupOf(str(object['apiVersion']) ?? '');
  const kind = str(object['kind']) ?? '?';
  const name = str(get(object, 'metadata', 'name')) ?? '?';
  const namespace = str(get(object, 'metadata', 'namespace'));
  return `${group ? `${group}/` : ''}${kind}/${namespace ? `${namespace}/` : ''}${name}`;
}

/** Splits an image reference into name, tag and digest. */
export function parseImage(image: string): { name: string; tag?: string; digest?: string } {
  const at = image.indexOf('@');
  const digest = at >= 0 ? image.slice(at + 1) : undefined;
  const rest = at >= 0 ? image.slice(0, at) : image;
  const colon = rest.lastIndexOf(':');
  const tagged = colon > rest.lastIndexOf('/');
  return {
    name: tagged ? rest.slice(0, colon) : rest,
    ...(tagged ? { tag: rest.slice(colon + 1) } : {}),
    ...(digest ? { digest } : {}),
  };
}

/** Groups served by Kubernetes itself (their alpha/beta versions get removed; CRD groups version on their own). */
const KUBERNETES_GROUPS = new Set([
  '',
  'apps',
  'batch',
  'policy',
  'autoscaling',
  'networking.k8s.io',
  'rbac.authorization.k8s.io',
  'storage.k8s.io',
  'scheduling.k8s.io',
]);

/** Parses a Kubernetes quantity ("500m", "1Gi", "2", "1e3") into a number; undefined if malformed. */
export function parseQuantity(value: Json | undefined): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  const match =
    /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:[eE]([+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/.exec(
      value.trim(),
    );
  if (!match) return undefined;
  const base = Number(match[1]);
  if (match[2] !== undefined) return base * 10 ** Number(match[2]);
  const factors: Record<string, number> = {
    n: 1e-9,
    u: 1e-6,
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
  };
  return base * (match[3] ? factors[match[3]] : 1);
}

/** consumer_timeout (ms) from rabbitmq.conf text; undefined when the file does not set it. */
export function consumerTimeoutFromConf(conf: string): number | undefined {
  const match = /^\s*consumer_timeout\s*=\s*(\d+)\s*$/m.exec(conf);
  return match ? Number(match[1]) : undefined;
}

/** Does a label selector ({matchLabels, matchExpressions}) select these labels? Empty selects nothing here. */
export function selectorMatches(selector: Json | undefined, labels: Record<string, string>): boolean {
  const matchLabels = stringMap(get(selector, 'matchLabels'));
  const expressions = objects(get(selector, 'matchExpressions'));
  if (Object.keys(matchLabels).length === 0 && expressions.length === 0) return false;
  for (const [key, value] of Object.entries(matchLabels)) {
    if (labels[key] !== value) return false;
  }
  for (const expression of expressions) {
    const key = str(expression['key']) ?? '';
    const values = arr(expression['values']).filter((v): v is string => typeof v === 'string');
    const has = key in labels;
    switch (str(expression['operator'])) {
      case 'In':
        if (!has || !values.includes(labels[key])) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[key])) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** A plain map selector (Service.spec.selector). */
function mapSelectorMatches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}

interface Workload {
  object: JsonObject;
  kind: string;
  name: string;
  namespace: string;
  podLabels: Record<string, string>;
  podAnnotations: Record<string, string>;
  podSpec: JsonObject;
}

interface EnvValue {
  /** Literal value when known (env value, ConfigMap data). */
  value?: string;
  from: 'value' | 'configMap' | 'secret' | 'other';
}

const nameOf = (object: JsonObject): string => str(get(object, 'metadata', 'name')) ?? '';
const namespaceOf = (object: JsonObject): string => str(get(object, 'metadata', 'namespace')) ?? '';
const kindOf = (object: JsonObject): string => str(object['kind']) ?? '';

class Checker {
  readonly problems: Problem[] = [];
  private readonly workloads: Workload[];
  private readonly configMaps = new Map<string, Record<string, string>>();
  /** namespace/name -> keys; null when the keys are not known. */
  private readonly secrets = new Map<string, Set<string> | null>();

  constructor(
    private readonly objects: JsonObject[],
    private readonly facts: QuireFacts,
  ) {
    this.workloads = objects.flatMap((o) => this.workloadOf(o));
    for (const o of objects) {
      const key = `${namespaceOf(o)}/${nameOf(o)}`;
      if (kindOf(o) === 'ConfigMap' && o['apiVersion'] === 'v1')
        this.configMaps.set(key, stringMap(o['data']));
      if (kindOf(o) === 'Secret' && o['apiVersion'] === 'v1') {
        this.secrets.set(
          key,
          new Set([...Object.keys(obj(o['data']) ?? {}), ...Object.keys(obj(o['stringData']) ?? {})]),
        );
      }
      const generated = OPERATOR_SECRETS[kindOf(o)];
      const group = groupOf(str(o['apiVersion']) ?? '');
      if (generated && (group === 'rabbitmq.com' || group === 'postgresql.cnpg.io')) {
        for (const [suffix, keys] of Object.entries(generated)) {
          this.secrets.set(`${namespaceOf(o)}/${nameOf(o)}${suffix}`, new Set(keys));
        }
      }
    }
  }

  report(object: JsonObject | string, message: string): void {
    this.problems.push({ object: typeof object === 'string' ? object : resourceId(object), message });
  }

  private workloadOf(object: JsonObject): Workload[] {
    const kind = kindOf(object);
    const template =
      kind === 'CronJob'
        ? obj(get(object, 'spec', 'jobTemplate', 'spec', 'template'))
        : ['Deployment', 'StatefulSet', 'DaemonSet', 'Job'].includes(kind)
          ? obj(get(object, 'spec', 'template'))
          : undefined;
    if (!template) return [];
    return [
      {
        object,
        kind,
        name: nameOf(object),
        namespace: namespaceOf(object),
        podLabels: stringMap(get(template, 'metadata', 'labels')),
        podAnnotations: stringMap(get(template, 'metadata', 'annotations')),
        podSpec: obj(template['spec']) ?? {},
      },
    ];
  }

  private find(kind: string, name: string, namespace: string): JsonObject | undefined {
    return this.objects.find((o) => kindOf(o) === kind && nameOf(o) === name && namespaceOf(o) === namespace);
  }

  /** Secret keys, or null if the Secret exists but its keys are unknown; undefined if it does not exist. */
  private secretKeys(name: string, namespace: string): Set<string> | null | undefined {
    const rendered = this.secrets.get(`${namespace}/${name}`);
    if (rendered !== undefined) return rendered;
    const external = this.facts.externalSecrets[name];
    return external ? new Set(external) : undefined;
  }

  // ---------------------------------------------------------------------------------------------
  // generic checks
  // ---------------------------------------------------------------------------------------------

  run(): Problem[] {
    const seen = new Set<string>();
    const namespaces = new Set<string>();
    for (const o of this.objects) {
      const id = resourceId(o);
      if (seen.has(id)) this.report(o, 'duplicate object (same group, kind, namespace and name)');
      seen.add(id);
      this.checkIdentity(o);
      if (!CLUSTER_SCOPED_KINDS.has(kindOf(o))) namespaces.add(namespaceOf(o));
    }
    if (namespaces.size > 1) {
      this.report(
        '(all)',
        `namespaced objects are spread over several namespaces: ${[...namespaces].map((n) => n || '(none)').join(', ')}`,
      );
    }
    for (const o of this.objects) {
      switch (kindOf(o)) {
        case 'Deployment':
          this.checkDeployment(o);
          break;
        case 'Job':
          this.checkJob(o);
          break;
        case 'Service':
          this.checkService(o);
          break;
        case 'PodDisruptionBudget':
          this.checkPdb(o);
          break;
        case 'HorizontalPodAutoscaler':
          this.checkHpa(o);
          break;
        case 'ScaledObject':
          this.checkScaledObject(o);
          break;
        case 'TriggerAuthentication':
          this.checkTriggerAuthentication(o);
          break;
        case 'RabbitmqCluster':
          this.checkRabbitmqCluster(o);
          break;
        default:
          break;
      }
    }
    for (const w of this.workloads) this.checkPod(w);
    this.checkQuire();
    return this.problems;
  }

  private checkIdentity(o: JsonObject): void {
    const apiVersion = str(o['apiVersion']);
    const kind = str(o['kind']);
    if (!apiVersion || !kind || !str(get(o, 'metadata', 'name'))) {
      this.report(o, 'apiVersion, kind and metadata.name are required');
      return;
    }
    if (KUBERNETES_GROUPS.has(groupOf(apiVersion)) && /\/v\d+(alpha|beta)\d+$/.test(apiVersion))
      this.report(
        o,
        `${apiVersion} is a pre-release API (removed in later Kubernetes versions): use the GA one`,
      );
    if (CLUSTER_SCOPED_KINDS.has(kind) && get(o, 'metadata', 'namespace') !== undefined)
      this.report(o, 'cluster-scoped object has a namespace');
  }

  private checkDeployment(o: JsonObject): void {
    const selector = get(o, 'spec', 'selector');
    if (
      Object.keys(stringMap(get(selector, 'matchLabels'))).length === 0 &&
      objects(get(selector, 'matchExpressions')).length === 0
    ) {
      this.report(o, 'spec.selector must have matchLabels');
      return;
    }
    const labels = stringMap(get(o, 'spec', 'template', 'metadata', 'labels'));
    if (!selectorMatches(selector, labels))
      this.report(o, 'spec.selector does not match spec.template.metadata.labels');
  }

  private checkJob(o: JsonObject): void {
    const restart = str(get(o, 'spec', 'template', 'spec', 'restartPolicy'));
    if (restart !== 'Never' && restart !== 'OnFailure')
      this.report(o, 'Job pods need restartPolicy Never or OnFailure');
    if (num(get(o, 'spec', 'backoffLimit')) === undefined) this.report(o, 'set spec.backoffLimit explicitly');
  }

  /** Workloads whose pods a (map) selector selects, in the object's namespace. */
  private selected(namespace: string, match: (labels: Record<string, string>) => boolean): Workload[] {
    return this.workloads.filter((w) => w.namespace === namespace && match(w.podLabels));
  }

  private checkService(o: JsonObject): void {
    const type = str(get(o, 'spec', 'type')) ?? 'ClusterIP';
    if (type === 'ExternalName') return;
    const selector = stringMap(get(o, 'spec', 'selector'));
    const ports = objects(get(o, 'spec', 'ports'));
    if (Object.keys(selector).length === 0) {
      this.report(o, 'spec.selector is empty (the Service would select no pods)');
      return;
    }
    const targets = this.selected(namespaceOf(o), (labels) => mapSelectorMatches(selector, labels));
    if (targets.length === 0) {
      this.report(o, `spec.selector ${JSON.stringify(selector)} selects no pods of any workload`);
      return;
    }
    for (const port of ports) {
      const targetPort = port['targetPort'] ?? port['port'];
      for (const w of targets) {
        if (this.resolvePodPort(w.podSpec, targetPort) === undefined) {
          this.report(
            o,
            `targetPort ${JSON.stringify(targetPort)} is not a container port of ${w.kind}/${w.name}`,
          );
        }
      }
    }
  }

  /** Resolves a Service targetPort (name or number) to a container port number in a pod. */
  private resolvePodPort(podSpec: JsonObject, port: Json | undefined): number | undefined {
    for (const container of objects(podSpec['containers'])) {
      const resolved = resolveContainerPort(container, port);
      if (resolved !== undefined) return resolved;
    }
    return undefined;
  }

  private checkPdb(o: JsonObject): void {
    const spec = obj(o['spec']) ?? {};
    if ('minAvailable' in spec === 'maxUnavailable' in spec)
      this.report(o, 'set exactly one of minAvailable and maxUnavailable');
    const selector = spec['selector'];
    if (this.selected(namespaceOf(o), (labels) => selectorMatches(selector, labels)).length === 0) {
      this.report(o, 'spec.selector selects no pods of any workload');
    }
  }

  private scaleTarget(o: JsonObject, ref: Json | undefined, defaultKind: string): JsonObject | undefined {
    const kind = str(get(ref, 'kind')) ?? defaultKind;
    const name = str(get(ref, 'name'));
    if (!name) {
      this.report(o, 'scaleTargetRef.name is required');
      return undefined;
    }
    const target = this.find(kind, name, namespaceOf(o));
    if (!target) this.report(o, `scaleTargetRef ${kind}/${name} does not exist`);
    else if (target['spec'] !== undefined && get(target, 'spec', 'replicas') !== undefined) {
      this.report(
        target,
        `spec.replicas is set although ${kindOf(o)}/${nameOf(o)} owns the replica count (every apply would reset it)`,
      );
    }
    return target;
  }

  private checkHpa(o: JsonObject): void {
    const target = this.scaleTarget(o, get(o, 'spec', 'scaleTargetRef'), 'Deployment');
    const min = num(get(o, 'spec', 'minReplicas')) ?? 1;
    const max = num(get(o, 'spec', 'maxReplicas'));
    if (max === undefined) this.report(o, 'spec.maxReplicas is required');
    else if (min < 1 || min > max) this.report(o, `replica bounds are inconsistent (min ${min}, max ${max})`);
    const metrics = objects(get(o, 'spec', 'metrics'));
    if (metrics.length === 0) this.report(o, 'spec.metrics is empty');
    if (!target) return;
    for (const metric of metrics) {
      const resource = str(get(metric, 'resource', 'name'));
      if (
        str(metric['type']) !== 'Resource' ||
        !resource ||
        str(get(metric, 'resource', 'target', 'type')) !== 'Utilization'
      )
        continue;
      // Utilization is measured against requests: a container without one makes the metric unusable.
      for (const container of objects(get(target, 'spec', 'template', 'spec', 'containers'))) {
        if (get(container, 'resources', 'requests', resource) === undefined) {
          this.report(
            o,
            `${resource} utilization needs a ${resource} request on container ${str(container['name']) ?? '?'}`,
          );
        }
      }
    }
  }

  private checkScaledObject(o: JsonObject): void {
    this.scaleTarget(o, get(o, 'spec', 'scaleTargetRef'), 'Deployment');
    const min = num(get(o, 'spec', 'minReplicaCount')) ?? 0;
    const max = num(get(o, 'spec', 'maxReplicaCount')) ?? 100;
    if (min > max) this.report(o, `minReplicaCount ${min} is above maxReplicaCount ${max}`);
    const fallback = num(get(o, 'spec', 'fallback', 'replicas'));
    if (fallback !== undefined && (fallback < min || fallback > max)) {
      this.report(o, `fallback.replicas ${fallback} is outside [${min}, ${max}]`);
    }
    const triggers = objects(get(o, 'spec', 'triggers'));
    if (triggers.length === 0) this.report(o, 'spec.triggers is empty');
    for (const trigger of triggers) {
      if (str(trigger['type']) !== 'rabbitmq') continue;
      const metadata = stringMap(trigger['metadata']);
      if (metadata['protocol'] !== 'http') {
        this.report(
          o,
          `rabbitmq trigger must use protocol: http (got ${metadata['protocol'] ?? 'auto'}): over AMQP only ready messages count, so in-flight jobs look like an idle queue`,
        );
      }
      if (metadata['mode'] !== 'QueueLength')
        this.report(o, `rabbitmq trigger must use mode: QueueLength (got ${metadata['mode'] ?? 'none'})`);
      const value = Number(metadata['value']);
      if (metadata['value'] === undefined || !(value > 0))
        this.report(o, 'rabbitmq trigger needs a positive value (messages per replica)');
      if (!metadata['queueName']) this.report(o, 'rabbitmq trigger needs queueName');
      if (metadata['host'] !== undefined || metadata['hostFromEnv'] !== undefined) {
        this.report(
          o,
          'rabbitmq trigger sets the host in metadata; take it from a TriggerAuthentication (it holds credentials)',
        );
      }
      const auth = obj(trigger['authenticationRef']);
      const authName = str(auth?.['name']);
      if (!authName) {
        this.report(o, 'rabbitmq trigger needs an authenticationRef');
        continue;
      }
      const authKind = str(auth?.['kind']) ?? 'TriggerAuthentication';
      const authObject =
        authKind === 'ClusterTriggerAuthentication'
          ? this.objects.find((x) => kindOf(x) === authKind && nameOf(x) === authName)
          : this.find(authKind, authName, namespaceOf(o));
      if (!authObject) {
        this.report(o, `authenticationRef ${authKind}/${authName} does not exist`);
      } else if (
        !objects(get(authObject, 'spec', 'secretTargetRef')).some((ref) => ref['parameter'] === 'host')
      ) {
        this.report(authObject, 'provides no host parameter for the rabbitmq trigger');
      }
    }
  }

  private checkTriggerAuthentication(o: JsonObject): void {
    for (const ref of objects(get(o, 'spec', 'secretTargetRef'))) {
      const name = str(ref['name']);
      const key = str(ref['key']);
      if (!name || !key || !str(ref['parameter'])) {
        this.report(o, 'secretTargetRef entries need parameter, name and key');
        continue;
      }
      this.checkSecretKey(o, name, key, namespaceOf(o), 'secretTargetRef');
    }
  }

  private checkSecretKey(
    o: JsonObject,
    name: string,
    key: string | undefined,
    namespace: string,
    where: string,
  ): void {
    const keys = this.secretKeys(name, namespace);
    if (keys === undefined)
      this.report(
        o,
        `${where}: Secret ${name} is neither rendered, operator-generated nor a known external Secret`,
      );
    else if (key !== undefined && keys !== null && !keys.has(key))
      this.report(o, `${where}: Secret ${name} has no key ${key}`);
  }

  private checkRabbitmqCluster(o: JsonObject): void {
    const replicas = num(get(o, 'spec', 'replicas')) ?? 1;
    if (replicas % 2 === 0)
      this.report(o, `replicas ${replicas} is even: quorum queues need an odd number of nodes`);
  }

  // ---------------------------------------------------------------------------------------------
  // pods
  // ---------------------------------------------------------------------------------------------

  private checkPod(w: Workload): void {
    const o = w.object;
    const spec = w.podSpec;
    const containers = objects(spec['containers']);
    const volumes = new Map(objects(spec['volumes']).map((v) => [str(v['name']) ?? '', v]));
    for (const volume of volumes.values()) this.checkVolume(o, volume, w.namespace);
    for (const constraint of objects(spec['topologySpreadConstraints'])) {
      if (!selectorMatches(constraint['labelSelector'], w.podLabels)) {
        this.report(
          o,
          `topologySpreadConstraint on ${str(constraint['topologyKey']) ?? '?'} does not select the workload's own pods`,
        );
      }
    }
    for (const container of containers) this.checkContainer(w, container, volumes);
  }

  private checkVolume(o: JsonObject, volume: JsonObject, namespace: string): void {
    const name = str(volume['name']) ?? '?';
    const claim = str(get(volume, 'persistentVolumeClaim', 'claimName'));
    if (claim !== undefined && !this.find('PersistentVolumeClaim', claim, namespace)) {
      this.report(o, `volume ${name}: PersistentVolumeClaim ${claim} does not exist`);
    }
    const configMap = str(get(volume, 'configMap', 'name'));
    if (
      configMap !== undefined &&
      get(volume, 'configMap', 'optional') !== true &&
      !this.configMaps.has(`${namespace}/${configMap}`)
    ) {
      this.report(o, `volume ${name}: ConfigMap ${configMap} does not exist`);
    }
    const secret = str(get(volume, 'secret', 'secretName'));
    if (secret !== undefined && get(volume, 'secret', 'optional') !== true) {
      this.checkSecretKey(o, secret, undefined, namespace, `volume ${name}`);
    }
  }

  private checkContainer(w: Workload, c: JsonObject, volumes: Map<string, JsonObject>): void {
    const o = w.object;
    const name = str(c['name']) ?? '?';
    const where = `container ${name}`;

    const image = str(c['image']) ?? '';
    const parsed = parseImage(image);
    if (!parsed.digest && (!parsed.tag || parsed.tag === 'latest')) {
      this.report(o, `${where}: image ${image} needs an explicit tag or digest (not latest)`);
    }

    const isService = w.kind === 'Deployment' || w.kind === 'StatefulSet' || w.kind === 'DaemonSet';
    for (const probeName of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      const probe = obj(c[probeName]);
      if (!probe) {
        if (isService && probeName !== 'startupProbe') this.report(o, `${where}: ${probeName} is missing`);
        continue;
      }
      const handler = ['httpGet', 'tcpSocket', 'grpc'].find((h) => h in probe);
      if (!handler) continue;
      const port = get(probe, handler, 'port');
      if (resolveContainerPort(c, port) === undefined) {
        this.report(
          o,
          `${where}: ${probeName} port ${JSON.stringify(port)} is not one of the container's ports`,
        );
      }
    }

    const requests = obj(get(c, 'resources', 'requests')) ?? {};
    const limits = obj(get(c, 'resources', 'limits')) ?? {};
    for (const [kind, key] of [
      ['requests', 'cpu'],
      ['requests', 'memory'],
      ['limits', 'memory'],
    ] as const) {
      const value = (kind === 'requests' ? requests : limits)[key];
      if (value === undefined) this.report(o, `${where}: resources.${kind}.${key} is required`);
      else if (parseQuantity(value) === undefined)
        this.report(o, `${where}: resources.${kind}.${key} ${JSON.stringify(value)} is not a quantity`);
    }
    for (const [resource, request] of Object.entries(requests)) {
      const limit = parseQuantity(limits[resource]);
      const requested = parseQuantity(request);
      if (limit !== undefined && requested !== undefined && requested > limit) {
        this.report(
          o,
          `${where}: ${resource} request ${text(request)} is above its limit ${text(limits[resource])}`,
        );
      }
    }

    // The "restricted" Pod Security Standard, plus a read-only root filesystem.
    const podSecurity = obj(w.podSpec['securityContext']) ?? {};
    const security = obj(c['securityContext']) ?? {};
    const effective = (key: string): Json | undefined => security[key] ?? podSecurity[key];
    if (effective('runAsNonRoot') !== true) this.report(o, `${where}: runAsNonRoot must be true`);
    if (effective('runAsUser') === 0) this.report(o, `${where}: runAsUser must not be 0`);
    if (security['readOnlyRootFilesystem'] !== true)
      this.report(o, `${where}: readOnlyRootFilesystem must be true`);
    if (security['allowPrivilegeEscalation'] !== false)
      this.report(o, `${where}: allowPrivilegeEscalation must be false`);
    if (!arr(get(security, 'capabilities', 'drop')).includes('ALL'))
      this.report(o, `${where}: capabilities.drop must include ALL`);
    const seccomp = str(get(effective('seccompProfile'), 'type'));
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost')
      this.report(o, `${where}: seccompProfile.type must be RuntimeDefault`);

    const mounts = objects(c['volumeMounts']);
    const mountPaths = new Set<string>();
    for (const mount of mounts) {
      const volumeName = str(mount['name']) ?? '';
      const mountPath = str(mount['mountPath']) ?? '';
      if (!volumes.has(volumeName))
        this.report(o, `${where}: volumeMount ${mountPath} uses undeclared volume ${volumeName}`);
      if (mountPaths.has(mountPath)) this.report(o, `${where}: two volumes mounted at ${mountPath}`);
      mountPaths.add(mountPath);
    }
    const tmp = mounts.find((m) => m['mountPath'] === '/tmp');
    if (!tmp || !isObject(volumes.get(str(tmp['name']) ?? '')?.['emptyDir'])) {
      this.report(o, `${where}: mount an emptyDir at /tmp (the root filesystem is read-only)`);
    }

    const envNames = new Set<string>();
    for (const env of objects(c['env'])) {
      const envName = str(env['name']) ?? '';
      if (envNames.has(envName)) this.report(o, `${where}: env ${envName} is defined twice`);
      envNames.add(envName);
      const secretRef = obj(get(env, 'valueFrom', 'secretKeyRef'));
      if (secretRef && secretRef['optional'] !== true) {
        this.checkSecretKey(
          o,
          str(secretRef['name']) ?? '',
          str(secretRef['key']),
          w.namespace,
          `${where} env ${envName}`,
        );
      } else if (secretRef) {
        // Optional keys may be absent, but a wrong Secret name is still a typo.
        this.checkSecretKey(
          o,
          str(secretRef['name']) ?? '',
          undefined,
          w.namespace,
          `${where} env ${envName}`,
        );
      }
      const configRef = obj(get(env, 'valueFrom', 'configMapKeyRef'));
      if (configRef && configRef['optional'] !== true) {
        const data = this.configMaps.get(`${w.namespace}/${str(configRef['name']) ?? ''}`);
        if (!data)
          this.report(
            o,
            `${where} env ${envName}: ConfigMap ${str(configRef['name']) ?? '?'} does not exist`,
          );
        else if (!((str(configRef['key']) ?? '') in data))
          this.report(o, `${where} env ${envName}: ConfigMap has no key ${str(configRef['key']) ?? '?'}`);
      }
    }
    for (const from of objects(c['envFrom'])) {
      const configMap = str(get(from, 'configMapRef', 'name'));
      if (
        configMap !== undefined &&
        get(from, 'configMapRef', 'optional') !== true &&
        !this.configMaps.has(`${w.namespace}/${configMap}`)
      ) {
        this.report(o, `${where}: envFrom ConfigMap ${configMap} does not exist`);
      }
      const secret = str(get(from, 'secretRef', 'name'));
      if (secret !== undefined && get(from, 'secretRef', 'optional') !== true) {
        this.checkSecretKey(o, secret, undefined, w.namespace, `${where} envFrom`);
      }
    }
  }

  /** The environment a container sees, by name (values when they are literal or from a ConfigMap). */
  private containerEnv(w: Workload, c: JsonObject): Map<string, EnvValue> {
    const env = new Map<string, EnvValue>();
    for (const from of objects(c['envFrom'])) {
      const prefix = str(from['prefix']) ?? '';
      const configMap = str(get(from, 'configMapRef', 'name'));
      if (configMap !== undefined) {
        for (const [k, v] of Object.entries(this.configMaps.get(`${w.namespace}/${configMap}`) ?? {})) {
          env.set(prefix + k, { value: v, from: 'configMap' });
        }
      }
      const secret = str(get(from, 'secretRef', 'name'));
      if (secret !== undefined) {
        for (const k of this.secretKeys(secret, w.namespace) ?? []) env.set(prefix + k, { from: 'secret' });
      }
    }
    for (const e of objects(c['env'])) {
      const name = str(e['name']) ?? '';
      if ('value' in e) env.set(name, { value: text(e['value']), from: 'value' });
      else if (get(e, 'valueFrom', 'secretKeyRef') !== undefined) env.set(name, { from: 'secret' });
      else if (get(e, 'valueFrom', 'configMapKeyRef') !== undefined) {
        const ref = obj(get(e, 'valueFrom', 'configMapKeyRef'))!;
        const value = this.configMaps.get(`${w.namespace}/${str(ref['name']) ?? ''}`)?.[
          str(ref['key']) ?? ''
        ];
        env.set(name, value === undefined ? { from: 'configMap' } : { value, from: 'configMap' });
      } else env.set(name, { from: 'other' });
    }
    return env;
  }

  // ---------------------------------------------------------------------------------------------
  // Quire
  // ---------------------------------------------------------------------------------------------

  private checkQuire(): void {
    const facts = this.facts;
    // The deploy procedure (k8s/README.md) applies objects in stages selected by these labels.
    for (const o of this.objects) {
      const labels = stringMap(get(o, 'metadata', 'labels'));
      if (labels['app.kubernetes.io/part-of'] !== 'quire' || !labels['app.kubernetes.io/component']) {
        this.report(o, 'needs labels app.kubernetes.io/part-of=quire and app.kubernetes.io/component');
      }
    }
    const rabbit = this.objects.filter((o) => kindOf(o) === 'RabbitmqCluster');
    let consumerTimeoutMs = facts.defaultConsumerTimeoutMs;
    if (rabbit.length !== 1) {
      this.report(
        'rabbitmq.com/RabbitmqCluster',
        `expected exactly one RabbitmqCluster (operator-managed broker), found ${rabbit.length}`,
      );
    } else {
      const conf = str(get(rabbit[0], 'spec', 'rabbitmq', 'additionalConfig')) ?? '';
      const timeout = consumerTimeoutFromConf(conf);
      if (timeout === undefined) {
        this.report(
          rabbit[0],
          `additionalConfig does not set consumer_timeout (default ${facts.defaultConsumerTimeoutMs} ms is not above the longest hard time limit)`,
        );
      } else consumerTimeoutMs = timeout;
    }
    const longest = Math.max(...facts.workers.map((w) => w.hardTimeLimitSeconds));
    if (consumerTimeoutMs <= longest * 1000) {
      this.report(
        rabbit[0] ?? 'rabbitmq.com/RabbitmqCluster',
        `consumer_timeout ${consumerTimeoutMs} ms is not above the longest hard time limit (${longest} s)`,
      );
    }
    const postgres = this.objects.filter(
      (o) => kindOf(o) === 'Cluster' && groupOf(str(o['apiVersion']) ?? '') === 'postgresql.cnpg.io',
    );
    if (postgres.length !== 1) {
      this.report(
        'postgresql.cnpg.io/Cluster',
        `expected exactly one CloudNativePG Cluster (operator-managed database), found ${postgres.length}`,
      );
    }
    for (const o of this.objects) {
      if (kindOf(o) === 'StatefulSet') {
        this.report(
          o,
          'StatefulSets are not expected: the broker and the database come from their operators',
        );
      }
    }

    const gateway = this.checkApp(facts.gateway.app, facts.gateway.port);
    if (gateway) this.checkGatewayExposure(gateway);
    for (const worker of facts.workers) {
      const w = this.checkApp(worker.app, facts.workerPort);
      if (w) this.checkWorkerScaling(w, worker, consumerTimeoutMs);
    }

    const migrations = this.workloads.filter(
      (w) =>
        w.kind === 'Job' &&
        objects(w.podSpec['containers']).some((c) => arr(c['args'])[0] === facts.migrateArg),
    );
    if (migrations.length !== 1) {
      this.report(
        'batch/Job',
        `expected exactly one migrations Job (args: [${facts.migrateArg}]), found ${migrations.length}`,
      );
    } else {
      const container = objects(migrations[0].podSpec['containers'])[0];
      const env = this.containerEnv(migrations[0], container);
      for (const name of ['QUIRE_DATABASE_URL', 'QUIRE_AMQP_URL']) {
        if (!env.has(name))
          this.report(migrations[0].object, `migrations container does not receive ${name}`);
      }
    }
  }

  /** Checks one app's Deployment, Service and PDB wiring; returns its workload when found. */
  private checkApp(app: string, port: number): Workload | undefined {
    const matches = this.workloads.filter(
      (w) => w.kind === 'Deployment' && w.podLabels['app.kubernetes.io/name'] === app,
    );
    if (matches.length !== 1) {
      this.report(
        `apps/Deployment/${app}`,
        `expected one Deployment with pods labelled app.kubernetes.io/name=${app}, found ${matches.length}`,
      );
      return undefined;
    }
    const w = matches[0];
    const o = w.object;
    const containers = objects(w.podSpec['containers']);
    const main = containers.find((c) => c['name'] === app) ?? containers[0];
    if (!main) return undefined;
    const env = this.containerEnv(w, main);

    const selectedApp = arr(main['args'])[0] ?? env.get('APP')?.value;
    if (selectedApp !== app)
      this.report(
        o,
        `container runs app ${JSON.stringify(selectedApp ?? null)}, expected ${app} (args[0] or APP)`,
      );

    if (env.get('PORT')?.value !== String(port))
      this.report(o, `PORT must be ${port} (got ${env.get('PORT')?.value ?? 'unset'})`);
    if (resolveContainerPort(main, 'http') !== port) this.report(o, `container port "http" must be ${port}`);
    const probes: [string, string][] = [
      ['readinessProbe', '/readyz'],
      ['livenessProbe', '/healthz'],
    ];
    for (const [probe, path] of probes) {
      if (get(main, probe, 'httpGet', 'path') !== path) this.report(o, `${probe} must GET ${path}`);
      if (resolveContainerPort(main, get(main, probe, 'httpGet', 'port')) !== port)
        this.report(o, `${probe} must probe port ${port}`);
    }
    for (const name of this.facts.requiredEnv) {
      if (!env.has(name)) this.report(o, `container does not receive ${name}`);
    }

    // Blob storage: QUIRE_STORAGE_DIR must be where the shared RWX volume is mounted.
    const storageDir = env.get('QUIRE_STORAGE_DIR')?.value;
    if (storageDir !== undefined) {
      const mount = objects(main['volumeMounts']).find((m) => m['mountPath'] === storageDir);
      const volume = objects(w.podSpec['volumes']).find((v) => mount && v['name'] === mount['name']);
      const claim = str(get(volume, 'persistentVolumeClaim', 'claimName'));
      if (!claim) this.report(o, `QUIRE_STORAGE_DIR ${storageDir} is not a mounted PersistentVolumeClaim`);
      else {
        const pvc = this.find('PersistentVolumeClaim', claim, w.namespace);
        if (pvc && !arr(get(pvc, 'spec', 'accessModes')).includes('ReadWriteMany')) {
          this.report(
            pvc,
            'shared blob storage must be ReadWriteMany (pods of several Deployments mount it on different nodes)',
          );
        }
      }
    }

    const monitored = this.objects.some((x) => kindOf(x) === 'ServiceMonitor' || kindOf(x) === 'PodMonitor');
    if (
      !monitored &&
      (w.podAnnotations['prometheus.io/scrape'] !== 'true' ||
        w.podAnnotations['prometheus.io/port'] !== String(port))
    ) {
      this.report(
        o,
        `pod template needs prometheus.io/scrape "true" and prometheus.io/port "${port}" annotations (or add a ServiceMonitor)`,
      );
    }

    const services = this.objects.filter(
      (s) =>
        kindOf(s) === 'Service' &&
        namespaceOf(s) === w.namespace &&
        mapSelectorMatches(stringMap(get(s, 'spec', 'selector')), w.podLabels),
    );
    if (services.length === 0) this.report(o, 'no Service selects its pods');
    for (const service of services) {
      const selector = stringMap(get(service, 'spec', 'selector'));
      const others = this.selected(w.namespace, (labels) => mapSelectorMatches(selector, labels)).filter(
        (x) => x !== w,
      );
      if (others.length > 0) {
        this.report(
          service,
          `selects pods of ${app} and also of ${others.map((x) => `${x.kind}/${x.name}`).join(', ')}`,
        );
      }
    }
    const pdbs = this.objects.filter(
      (p) =>
        kindOf(p) === 'PodDisruptionBudget' &&
        namespaceOf(p) === w.namespace &&
        selectorMatches(get(p, 'spec', 'selector'), w.podLabels),
    );
    if (pdbs.length !== 1)
      this.report(o, `expected one PodDisruptionBudget for its pods, found ${pdbs.length}`);
    return w;
  }

  private autoscalersOf(w: Workload): { hpas: JsonObject[]; scaledObjects: JsonObject[] } {
    const targets = (o: JsonObject): boolean =>
      namespaceOf(o) === w.namespace &&
      str(get(o, 'spec', 'scaleTargetRef', 'name')) === w.name &&
      (str(get(o, 'spec', 'scaleTargetRef', 'kind')) ?? 'Deployment') === w.kind;
    return {
      hpas: this.objects.filter((o) => kindOf(o) === 'HorizontalPodAutoscaler' && targets(o)),
      scaledObjects: this.objects.filter((o) => kindOf(o) === 'ScaledObject' && targets(o)),
    };
  }

  private checkGatewayExposure(w: Workload): void {
    const { gateway } = this.facts;
    const exposed = this.objects.some(
      (s) =>
        kindOf(s) === 'Service' &&
        namespaceOf(s) === w.namespace &&
        mapSelectorMatches(stringMap(get(s, 'spec', 'selector')), w.podLabels) &&
        objects(get(s, 'spec', 'ports')).some(
          (p) =>
            p['port'] === gateway.servicePort &&
            this.resolvePodPort(w.podSpec, p['targetPort'] ?? p['port']) === gateway.port,
        ),
    );
    if (!exposed) {
      this.report(
        w.object,
        `no Service selects the gateway pods on port ${gateway.servicePort} -> ${gateway.port}`,
      );
    }
    const { hpas, scaledObjects } = this.autoscalersOf(w);
    if (hpas.length !== 1)
      this.report(w.object, `expected one HorizontalPodAutoscaler, found ${hpas.length}`);
    if (scaledObjects.length > 0)
      this.report(w.object, 'the gateway is scaled by its HPA on CPU, not by a ScaledObject');
  }

  private checkWorkerScaling(w: Workload, worker: WorkerFacts, consumerTimeoutMs: number): void {
    const o = w.object;
    const grace = num(w.podSpec['terminationGracePeriodSeconds']) ?? 30;
    if (grace <= worker.hardTimeLimitSeconds) {
      this.report(
        o,
        `terminationGracePeriodSeconds ${grace} must be above the ${worker.queue} hard time limit (${worker.hardTimeLimitSeconds} s) so SIGTERM lets the in-flight job finish`,
      );
    }
    if (grace >= consumerTimeoutMs / 1000) {
      this.report(
        o,
        `terminationGracePeriodSeconds ${grace} must be below RabbitMQ's consumer_timeout (${consumerTimeoutMs / 1000} s)`,
      );
    }
    const { hpas, scaledObjects } = this.autoscalersOf(w);
    if (hpas.length > 0)
      this.report(o, 'a worker is scaled by its KEDA ScaledObject; a separate HPA would fight it');
    if (scaledObjects.length !== 1) {
      this.report(o, `expected one ScaledObject targeting it, found ${scaledObjects.length}`);
      return;
    }
    const scaledObject = scaledObjects[0];
    if ((num(get(scaledObject, 'spec', 'minReplicaCount')) ?? 0) < 1) {
      this.report(
        scaledObject,
        'minReplicaCount must be at least 1: the worker declares its queue at start-up (and the maintenance worker runs the scheduler)',
      );
    }
    const triggers = objects(get(scaledObject, 'spec', 'triggers')).filter((t) => t['type'] === 'rabbitmq');
    const queues = triggers.map((t) => str(get(t, 'metadata', 'queueName')));
    const trigger = triggers.find((t) => get(t, 'metadata', 'queueName') === worker.queue);
    if (!trigger) {
      this.report(
        scaledObject,
        `has no rabbitmq trigger on queue ${worker.queue} (found: ${queues.join(', ') || 'none'})`,
      );
    } else if (get(trigger, 'metadata', 'value') !== String(worker.concurrency)) {
      this.report(
        scaledObject,
        `rabbitmq trigger value ${text(get(trigger, 'metadata', 'value'))} must be '${worker.concurrency}', the ${worker.queue} worker's concurrency (jobs one replica runs at once)`,
      );
    }
  }
}

/** Resolves a probe/targetPort (name or number) against one container's declared ports. */
function resolveContainerPort(container: JsonObject, port: Json | undefined): number | undefined {
  const ports = objects(container['ports']);
  if (typeof port === 'string') {
    if (/^\d+$/.test(port)) return resolveContainerPort(container, Number(port));
    return num(ports.find((p) => p['name'] === port)?.['containerPort']);
  }
  if (typeof port === 'number') return ports.some((p) => p['containerPort'] === port) ? port : undefined;
  return undefined;
}

/** Validates a set of rendered objects; returns every problem found (empty = valid). */
export function validateObjects(objectsToCheck: JsonObject[], facts: QuireFacts = QUIRE): Problem[] {
  return new Checker(objectsToCheck, facts).run();
}
