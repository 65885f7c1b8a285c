export {
  ChildProcessPool,
  ChildTaskError,
  createChildPool,
  type ChildExitCause,
  type ChildFailureDetails,
  type ChildPoolOptions,
  type PoolEvent,
  type PoolStats,
  type RunOptions,
  type TaskResult,
} from './pool';
export {
  CommandRunner,
  createCommandRunner,
  type CommandResult,
  type CommandRunnerOptions,
  type CommandRunnerStats,
  type CommandRunOptions,
} from './command-runner';
export type { ChildHandler, ChildTaskContext } from './child-types';
