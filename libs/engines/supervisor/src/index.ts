export {
  Supervisor,
  type ChildFailureDetails,
  type RunControl,
  type SupervisorOptions,
  type SupervisorTotals,
} from './supervisor';
export {
  ChildProcessPool,
  ChildTaskError,
  type ChildPoolOptions,
  type PoolStats,
  type RunOptions,
  type TaskResult,
} from './pool';
export {
  CommandRunner,
  type CommandResult,
  type CommandRunnerOptions,
  type CommandRunnerStats,
  type CommandRunOptions,
} from './command-runner';
export type { ChildHandler, ChildTaskContext } from './child-types';
