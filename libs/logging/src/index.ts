export { createLogger, withLogContext, addLogContext, currentLogContext } from './logger';
export type { Logger, LogContext } from './logger';
export { installProcessGuards } from './process-guards';
export { redactString } from './redact';
