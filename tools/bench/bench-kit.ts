/** What every benchmark script shares: option parsing, corpus listing, running and naming command lines. */
import { execFile, spawn } from 'node:child_process';
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

/** An integer option of at least `min`, or an error naming the option. */
export function intOption(name: string, raw: string, min: number): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min)
    throw new Error(`--${name} must be an integer >= ${min}, got "${raw}"`);
  return n;
}

/** Every PDF below `dir` (recursive), whose path contains `filter` when given, sorted. */
export async function listPdfs(dir: string, filter: string | undefined): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && e.name.toLowerCase().endsWith('.pdf'))
    .map((e) => path.join(e.parentPath, e.name))
    .filter((f) => !filter || f.includes(filter))
    .sort();
}

/** The first line a command prints about its version, or "not found". */
export async function commandVersion(command: string, args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await promisify(execFile)(command, args);
    return `${stdout}${stderr}`.trim().split('\n')[0] ?? '?';
  } catch {
    return 'not found';
  }
}

/** Runs a command line; exit codes in `ok` count as success (qpdf: 3 = repaired with warnings). */
export function cli(command: string, args: string[], ok: number[] = [0]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code !== null && ok.includes(code)) resolve();
      else
        reject(new Error(`${command}: ${signal ?? `exit ${code}`} ${stderr.trim().split('\n').pop() ?? ''}`));
    });
  });
}

/** An empty folder at `dir` (whatever was there is removed). */
export async function cleanDir(dir: string): Promise<string> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  return dir;
}
