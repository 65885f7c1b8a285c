/** What a handler gets besides its request. */
export interface ChildTaskContext {
  /** The pool-assigned id of the task (unique per pool). */
  readonly taskId: number;
  /** Sends an event to the parent while the task runs; delivered to `RunOptions.onEvent`. Must be structured-cloneable. */
  emit(event: unknown): void;
}

/**
 * The default export of a child module: runs one task at a time, inside the child process.
 *
 * A child module must import workspace libraries with `import type` only: it is loaded by plain Node + tsx in the
 * child, where `@quire/*` aliases are not resolved. Relative imports and npm packages are fine.
 * To pass structured details with a failure, throw an Error with a `code` and/or a cloneable `data` property.
 */
export type ChildHandler<Req = unknown, Res = unknown> = (
  request: Req,
  ctx: ChildTaskContext,
) => Promise<Res> | Res;
