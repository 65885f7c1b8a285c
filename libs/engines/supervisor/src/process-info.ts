import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

/**
 * Resident set size of a process in bytes, from /proc/<pid>/status (Linux only).
 * `undefined` when the process is gone or /proc is unavailable (then the memory cap cannot be enforced).
 */
export async function readRssBytes(pid: number): Promise<number | undefined> {
  let status: string;
  try {
    status = await readFile(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return match ? Number(match[1]) * 1024 : undefined;
}

/** {@link readRssBytes}, synchronously (one small /proc read): for decisions that must not yield to the event loop. */
export function readRssBytesSync(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

const SIGNAL_MEANINGS: Record<string, string> = {
  SIGSEGV: 'segmentation fault',
  SIGBUS: 'bus error',
  SIGABRT: 'aborted',
  SIGILL: 'illegal instruction',
  SIGFPE: 'arithmetic error',
  SIGKILL: 'killed',
  SIGTERM: 'terminated',
  SIGINT: 'interrupted',
  SIGTRAP: 'trap',
};

/** Human-readable reason a child ended, e.g. "killed by signal SIGSEGV (segmentation fault)". */
export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) {
    const meaning = SIGNAL_MEANINGS[signal];
    return meaning ? `killed by signal ${signal} (${meaning})` : `killed by signal ${signal}`;
  }
  if (code === null) return 'exited for an unknown reason';
  // 134 = 128 + SIGABRT: what a C abort() looks like when a shell or libc reports it as an exit code.
  if (code > 128 && code < 160) return `exited with code ${code} (probably signal ${code - 128})`;
  return `exited with code ${code}`;
}

/** "30 s", "0.25 s": deadlines in messages read better in seconds. */
export function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}
