/** What every command gets: the process's streams, the resolved config, the API client, the parsed options. */
import { parseDuration } from './args';
import type { CliConfig } from './config';
import { CliError, EXIT } from './exit-codes';
import type { ApiClient } from './http';
import type { Job } from './job';
import type { ProgressView, Stream } from './progress';
import type { Palette } from './style';

/** What the CLI touches of the process, so tests can run it in-process. */
export interface CliIo {
  stdout: Stream;
  stderr: Stream;
  /** The environment (default: the process's, read only in config.ts). */
  env?: Record<string, string | undefined>;
  /** Aborted on Ctrl-C. */
  signal?: AbortSignal;
  fetch?: typeof fetch;
}

export type Values = Record<string, string | boolean | string[] | undefined>;

export interface Context {
  io: CliIo;
  config: CliConfig;
  api: ApiClient;
  values: Values;
  positionals: string[];
  json: boolean;
  quiet: boolean;
  /** Colours for stdout (its own TTY check) and stderr. */
  out: Palette;
  /** A notice on stderr, through the progress view when one is drawing. */
  notice(message: string): void;
  view: ProgressView | null;
}

/** What happened to one submitted or watched job (or the request for it). */
export interface Outcome {
  label: string;
  job?: Job;
  error?: CliError;
  downloaded?: { path: string; bytes: number };
}

export const str = (v: Values[string]): string | undefined => (typeof v === 'string' ? v : undefined);

export function print(ctx: Context, human: string, machine: unknown): void {
  ctx.io.stdout.write(ctx.json ? `${JSON.stringify(machine)}\n` : `${human}\n`);
}

export function asCliError(err: unknown): CliError {
  if (err instanceof CliError) return err;
  if (err instanceof Error && err.name === 'AbortError') return new CliError('interrupted', EXIT.interrupted);
  return new CliError(
    `unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
    EXIT.internal,
  );
}

/** Errors after which nothing else in this run can succeed: stop instead of trying the next file. */
export function stopsTheRun(err: CliError): boolean {
  return err.exitCode === EXIT.auth || err.exitCode === EXIT.server || err.exitCode === EXIT.interrupted;
}

export function deadlineOf(values: Values): number | undefined {
  const text = str(values.timeout);
  return text === undefined ? undefined : Date.now() + parseDuration(text, '--timeout');
}
