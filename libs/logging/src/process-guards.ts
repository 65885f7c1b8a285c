import type { Logger } from './logger';

/**
 * Makes a stray failure visible in the structured log instead of a bare stack on stderr.
 *
 * An unhandled promise rejection is a bug, but it concerns one request or one job: the process logs it and keeps
 * serving (Node's default would kill the gateway with every upload in flight). An uncaught exception leaves the
 * process in an unknown state, so it is logged and the process exits 1 for its supervisor to replace it.
 */
let installed = false;

export function installProcessGuards(logger: Logger): void {
  // Idempotent: an app and the worker runtime it starts may both ask for it.
  if (installed) return;
  installed = true;
  process.on('unhandledRejection', (reason) => {
    logger.error('unhandled promise rejection (a bug; the process carries on)', { err: describe(reason) });
  });
  process.on('uncaughtException', (err) => {
    logger.error('uncaught exception; exiting', { err: describe(err) });
    // Give the transport a moment to flush the line before exiting.
    setTimeout(() => process.exit(1), 200).unref();
  });
}

function describe(value: unknown): string {
  if (value instanceof Error) return value.stack ?? `${value.name}: ${value.message}`;
  return String(value);
}
