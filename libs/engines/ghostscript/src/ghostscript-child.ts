// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- ambient types must reach every project that type-checks this file through the path alias
/// <reference path="./ghostscript4js.d.ts" />
/**
 * Child module of the Ghostscript pool: one libgs run per task. libgs keeps global state and may crash or hang on
 * hostile input, which is why it only ever runs here, under the supervisor. Its messages go straight to this
 * process's stdout/stderr, which the supervisor captures per task.
 */
import type { ChildHandler } from '@quire/engine-supervisor';
import gs from 'ghostscript4js';

export interface GhostscriptRequest {
  /** Full argument list, without the program name. */
  args: string[];
}

export interface GhostscriptResponse {
  revision: number;
}

// Fails the child's start-up (a clear DependencyUnavailableError) when libgs cannot be loaded, instead of the first task.
const { revision } = gs.version();

const run: ChildHandler<GhostscriptRequest, GhostscriptResponse> = async ({ args }) => {
  try {
    // Async execute runs libgs on a libuv thread, so the event loop stays free to notice a dead parent.
    // 'gs' fills argv[0], which gsapi_init_with_args skips.
    await gs.execute(['gs', ...args]);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const code = /Error code: (-?\d+)/.exec(message);
    const failure = new Error(message) as Error & { code?: number };
    failure.name = 'GhostscriptError';
    if (code) failure.code = Number(code[1]);
    throw failure;
  }
  return { revision };
};

export default run;
