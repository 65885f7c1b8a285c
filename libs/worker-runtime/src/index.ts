/**
 * @quire/worker-runtime: what every worker app shares. `startWorker` wires database, broker, consumer and health
 * server; handlers get a JobContext (params, progress, abort signal, temp dir, storage) and return the result their
 * job type's result schema describes (checked before the job completes).
 */
export {
  startWorker,
  type StartWorkerOptions,
  type RunningWorker,
  type WorkerServices,
} from './start-worker';
export { retryingWorkerSchema, workerBaseSchema, type WorkerBaseConfig } from './worker-config';
export type { AnyJobHandler, JobContext, JobHandler, HandlerRegistry, WorkerDefinition } from './job-handler';
export { createJobContext, type JobContextOptions } from './job-context';
export { checkedResult } from './attempt-outcome';
export { ProgressReporter, type ProgressUpdate } from './progress-reporter';
export { createJobConsumerHandlers, type JobConsumerDeps } from './job-consumer';
export { StageProgress, scaledDeadline, type Stage } from './stage-progress';
export { baseName, padded } from './output-names';
export { chunkContext, type FanOut, type FanOutRegistry, type FanOutSettings } from './fan-out';
