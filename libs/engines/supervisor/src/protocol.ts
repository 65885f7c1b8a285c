/**
 * IPC messages between a pool and its children. Kept free of runtime imports so the child bootstrap can load it
 * without resolving any workspace alias.
 */

/** Parent → child: run one task. `marker` is written to stdout and stderr after the handler ends. */
export interface TaskMessage {
  kind: 'task';
  id: number;
  marker: string;
  payload: unknown;
}

/** What crosses the process boundary when a handler throws (Error objects do not survive IPC as-is). */
export interface SerializedError {
  name: string;
  message: string;
  code?: string | number;
  stack?: string;
  /** Extra, structured-cloneable data the handler attached as `error.data`. */
  data?: unknown;
}

export type ChildMessage =
  | { kind: 'ready' }
  | { kind: 'event'; id: number; event: unknown }
  | { kind: 'result'; id: number; ok: true; value: unknown }
  | { kind: 'result'; id: number; ok: false; error: SerializedError };

export function isChildMessage(value: unknown): value is ChildMessage {
  if (typeof value !== 'object' || value === null) return false;
  const kind = (value as { kind?: unknown }).kind;
  return kind === 'ready' || kind === 'event' || kind === 'result';
}

export function isTaskMessage(value: unknown): value is TaskMessage {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'task';
}
