/**
 * Offline validation of Quire's deployment manifests (no cluster needed).
 *
 *   npx tsx tools/k8s/validate.ts                      # k8s/overlays/dev and k8s/overlays/prod + deploy/
 *   npx tsx tools/k8s/validate.ts k8s/overlays/dev     # one kustomization
 *   npx tsx tools/k8s/validate.ts --render k8s/overlays/prod > prod.yaml   # print what it rendered
 *
 * Renders each kustomization with `kubectl kustomize` (tools/k8s/kubectl.ts: a pinned official kubectl), checks
 * every object against the published Kubernetes and CRD schemas (tools/k8s/schemas.ts), then the set against
 * Quire's rules (tools/k8s/rules.ts), and checks that deploy/ (docker-compose + rabbitmq.conf) agrees with the
 * Kubernetes settings on time limits. Exits 1 and lists the problems when there are any.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { get, obj, str, toJson, type JsonObject } from './json';
import { ensureKubectl, KustomizeError, renderKustomization } from './kubectl';
import { QUIRE, type QuireFacts } from './quire';
import { consumerTimeoutFromConf, resourceId, validateObjects, type Problem } from './rules';
import { validateSchemas } from './schemas';

export type { Problem } from './rules';
export { validateObjects } from './rules';
export { ensureKubectl, renderKustomization } from './kubectl';

/** Repository root (tools/k8s/../..). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_OVERLAYS = ['k8s/overlays/dev', 'k8s/overlays/prod'];

export interface KustomizationReport {
  dir: string;
  objects: JsonObject[];
  problems: Problem[];
}

/** Renders and validates one kustomization; rendering errors are reported as problems. */
export async function validateKustomization(
  dir: string,
  facts: QuireFacts = QUIRE,
): Promise<KustomizationReport> {
  await ensureKubectl();
  let objects: JsonObject[];
  try {
    objects = renderKustomization(dir);
  } catch (error) {
    if (error instanceof KustomizeError)
      return { dir, objects: [], problems: [{ object: dir, message: error.message }] };
    throw error;
  }
  return { dir, objects, problems: await validateRendered(objects, facts) };
}

/** Schema problems of each object, then the rules over the whole set. */
export async function validateRendered(objects: JsonObject[], facts: QuireFacts = QUIRE): Promise<Problem[]> {
  const schemaProblems = (await validateSchemas(objects)).map((p) => ({
    object: resourceId(objects[p.index]),
    message: p.message,
  }));
  return [...schemaProblems, ...validateObjects(objects, facts)];
}

/** "660s", "11m", "1h30m", "90" (seconds) -> seconds; undefined if malformed. */
export function parseComposeDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001, us: 1e-6 };
  let total = 0;
  let rest = value.trim();
  while (rest.length > 0) {
    const match = /^(\d+(?:\.\d+)?)(h|ms|us|m|s)/.exec(rest);
    if (!match) return undefined;
    total += Number(match[1]) * units[match[2]];
    rest = rest.slice(match[0].length);
  }
  return total;
}

/**
 * The compose stack must respect the same limits as Kubernetes: each worker's stop_grace_period
 * between its hard time limit and the broker's consumer_timeout, and rabbitmq.conf's
 * consumer_timeout equal to the RabbitmqCluster's (when `k8sConsumerTimeoutMs` is given).
 */
export function validateCompose(
  composeFile: string,
  rabbitmqConf: string,
  k8sConsumerTimeoutMs: number | undefined,
  facts: QuireFacts = QUIRE,
): Problem[] {
  const problems: Problem[] = [];
  const report = (object: string, message: string): void => {
    problems.push({ object, message });
  };
  const conf = readFileSync(rabbitmqConf, 'utf8');
  const timeout = consumerTimeoutFromConf(conf);
  const confName = path.relative(REPO_ROOT, rabbitmqConf);
  if (timeout === undefined) report(confName, 'does not set consumer_timeout');
  else if (k8sConsumerTimeoutMs !== undefined && timeout !== k8sConsumerTimeoutMs) {
    report(
      confName,
      `consumer_timeout ${timeout} differs from the RabbitmqCluster's ${k8sConsumerTimeoutMs}`,
    );
  }
  const consumerTimeoutS = (timeout ?? facts.defaultConsumerTimeoutMs) / 1000;

  // Compose files use YAML merge keys (<<: *anchor), which YAML 1.2 parsers only honour on request.
  const compose = obj(toJson(parse(readFileSync(composeFile, 'utf8'), { merge: true }) as unknown));
  const composeName = path.relative(REPO_ROOT, composeFile);
  const services = obj(compose?.['services']) ?? {};
  const rabbitVolumes = JSON.stringify(get(services, 'rabbitmq', 'volumes') ?? []);
  if (!rabbitVolumes.includes(path.basename(rabbitmqConf))) {
    report(`${composeName} rabbitmq`, `does not mount ${path.basename(rabbitmqConf)}`);
  }
  for (const worker of facts.workers) {
    const service = obj(services[worker.app]);
    const where = `${composeName} ${worker.app}`;
    if (!service) {
      report(where, 'service is missing');
      continue;
    }
    const command = get(service, 'command');
    const app = Array.isArray(command) ? command[0] : str(command)?.split(/\s+/)[0];
    if (app !== worker.app) report(where, `command must start with ${worker.app}`);
    const grace = parseComposeDuration(service['stop_grace_period']);
    if (grace === undefined) report(where, 'stop_grace_period is missing or malformed');
    else if (grace <= worker.hardTimeLimitSeconds || grace >= consumerTimeoutS) {
      report(
        where,
        `stop_grace_period ${grace} s must be above the hard time limit (${worker.hardTimeLimitSeconds} s) and below consumer_timeout (${consumerTimeoutS} s)`,
      );
    }
  }
  for (const app of [
    facts.gateway.app,
    ...facts.workers.map((w) => w.app),
    'migrate',
    'rabbitmq',
    'postgres',
  ]) {
    if (!services[app]) report(`${composeName} ${app}`, 'service is missing');
  }
  return problems;
}

function consumerTimeoutOf(objects: JsonObject[]): number | undefined {
  const cluster = objects.find((o) => o['kind'] === 'RabbitmqCluster');
  return consumerTimeoutFromConf(str(get(cluster, 'spec', 'rabbitmq', 'additionalConfig')) ?? '');
}

function formatProblems(problems: Problem[]): string {
  return problems.map((p) => `  - ${p.object}: ${p.message}`).join('\n');
}

/** CLI entry point; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const render = argv.includes('--render');
  const dirs = argv.filter((a) => !a.startsWith('--'));
  const targets = (dirs.length > 0 ? dirs : DEFAULT_OVERLAYS).map((d) =>
    path.resolve(dirs.length > 0 ? process.cwd() : REPO_ROOT, d),
  );

  await ensureKubectl((line) => console.error(`[kubectl] ${line}`));
  if (render) {
    for (const dir of targets) {
      for (const object of renderKustomization(dir)) process.stdout.write(`---\n${stringify(object)}`);
    }
    return 0;
  }

  let failed = false;
  let consumerTimeoutMs: number | undefined;
  for (const dir of targets) {
    const report = await validateKustomization(dir);
    consumerTimeoutMs ??= consumerTimeoutOf(report.objects);
    const name = path.relative(process.cwd(), dir) || '.';
    if (report.problems.length === 0) {
      console.log(`ok   ${name}: ${report.objects.length} objects`);
    } else {
      failed = true;
      console.log(`FAIL ${name}: ${report.problems.length} problem(s)\n${formatProblems(report.problems)}`);
    }
  }
  if (dirs.length === 0) {
    const compose = path.join(REPO_ROOT, 'deploy', 'docker-compose.yml');
    const conf = path.join(REPO_ROOT, 'deploy', 'rabbitmq.conf');
    if (existsSync(compose) && existsSync(conf)) {
      const problems = validateCompose(compose, conf, consumerTimeoutMs);
      if (problems.length === 0) console.log('ok   deploy/docker-compose.yml, deploy/rabbitmq.conf');
      else {
        failed = true;
        console.log(`FAIL deploy/: ${problems.length} problem(s)\n${formatProblems(problems)}`);
      }
    }
  }
  return failed ? 1 : 0;
}

const invokedDirectly =
  process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
