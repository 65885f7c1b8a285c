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
export type { ChildHandler, ChildTaskContext } from './child-types';
