/**
 * Exit codes that say what happened (documented in `quire --help`). Job outcomes come first, so a script can tell a
 * document the server could not process (1) from a request it refused (5) or a server it could not reach (6).
 */
export const EXIT = {
  /** The command did what it was asked; every job it waited for completed. */
  ok: 0,
  /** A job failed (the reason is printed). */
  failed: 1,
  /** Wrong command line or configuration: nothing was sent (or the server's catalog says the request cannot work). */
  usage: 2,
  /** A job was cancelled. */
  cancelled: 3,
  /** The server refused the credentials (401) or the role (403). */
  auth: 4,
  /** The server refused the request (another 4xx: invalid params, not found, not completed yet, too large…). */
  rejected: 5,
  /** The server failed (5xx), stayed unavailable or rate-limited after the retries, or could not be reached. */
  server: 6,
  /** `--timeout` passed before a job finished (it keeps running on the server). */
  timeout: 7,
  /** A bug in the CLI (an unexpected exception): BSD's EX_SOFTWARE. */
  internal: 70,
  /** Interrupted (Ctrl-C). */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure of the command itself, with the exit code it maps to. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT.usage);
    this.name = 'UsageError';
  }
}

/** An HTTP error answer of the gateway (`{ error: { code, message } }`). */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message, exitCodeForStatus(status));
    this.name = 'ApiError';
  }
}

/** The gateway could not be reached (refused, reset, DNS, timeout). */
export class NetworkError extends CliError {
  constructor(message: string) {
    super(message, EXIT.server);
    this.name = 'NetworkError';
  }
}

export function exitCodeForStatus(status: number): ExitCode {
  if (status === 401 || status === 403) return EXIT.auth;
  if (status === 429 || status >= 500) return EXIT.server;
  if (status >= 400) return EXIT.rejected;
  return EXIT.ok;
}

/** A job's final status as an exit code; a job that is not terminal yet (a `--timeout` passed) is `timeout`. */
export function exitCodeForJobStatus(status: string): ExitCode {
  if (status === 'completed') return EXIT.ok;
  if (status === 'failed') return EXIT.failed;
  if (status === 'cancelled') return EXIT.cancelled;
  return EXIT.timeout;
}

/**
 * The exit code of a command that handled several jobs or requests: the most telling one wins. Errors that stop a
 * whole run (auth, server, usage) outrank job outcomes; a failure outranks a cancellation, which outranks a timeout.
 */
const SEVERITY: readonly ExitCode[] = [
  EXIT.interrupted,
  EXIT.internal,
  EXIT.usage,
  EXIT.auth,
  EXIT.server,
  EXIT.failed,
  EXIT.rejected,
  EXIT.cancelled,
  EXIT.timeout,
  EXIT.ok,
];

export function worstExitCode(codes: Iterable<ExitCode>): ExitCode {
  let worst: ExitCode = EXIT.ok;
  for (const code of codes) if (SEVERITY.indexOf(code) < SEVERITY.indexOf(worst)) worst = code;
  return worst;
}
