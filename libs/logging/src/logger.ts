import { AsyncLocalStorage } from 'node:async_hooks';
import winston from 'winston';
import { redactValue } from './redact';

/** Fields carried on every log line of a unit of work (HTTP request or job attempt). */
export interface LogContext {
  jobId?: string;
  correlationId?: string;
  queue?: string;
  attempt?: number;
  tenantId?: string;
  [key: string]: unknown;
}

const contextStore = new AsyncLocalStorage<LogContext>();

/** Runs `fn` with `ctx` merged into the current log context; every log line inside carries it. */
export function withLogContext<T>(ctx: LogContext, fn: () => T): T {
  return contextStore.run({ ...contextStore.getStore(), ...ctx }, fn);
}

/** Adds fields to the current context in place (e.g. the jobId once the gateway has created the job). */
export function addLogContext(ctx: LogContext): void {
  const store = contextStore.getStore();
  if (store) Object.assign(store, ctx);
}

export function currentLogContext(): LogContext {
  return { ...contextStore.getStore() };
}

// The four correlation fields are always present (null when unknown) so log queries can rely on them.
const injectContext = winston.format((info) => {
  const ctx = contextStore.getStore() ?? {};
  const base = { jobId: null, correlationId: null, queue: null, attempt: null };
  return Object.assign(
    info,
    base,
    ctx,
    Object.fromEntries(Object.entries(info).filter(([, v]) => v !== undefined)),
  );
});

// Runs after `errors` has turned an Error into message + stack, so those are covered too.
const redact = winston.format((info) => {
  for (const key of Object.keys(info)) {
    const value = info[key];
    const clean = redactValue(value);
    if (clean !== value) info[key] = clean;
  }
  return info;
});

export type Logger = winston.Logger;

/** A JSON logger for one service; `service` is on every line, plus the AsyncLocalStorage context. */
export function createLogger(service: string, level = 'info', options: { silent?: boolean } = {}): Logger {
  return winston.createLogger({
    level,
    silent: options.silent ?? false,
    defaultMeta: { service },
    format: winston.format.combine(
      injectContext(),
      winston.format.errors({ stack: true }),
      redact(),
      winston.format.timestamp(),
      winston.format.json(),
    ),
    transports: [new winston.transports.Console()],
  });
}
