/**
 * @quire/worker-runtime: what every worker app shares. `startWorker` wires database, broker, consumer and health
 * server; handlers get a JobContext (params, progress, abort signal, temp dir, storage) and return the result.
 */
export {
  startWorker,
  type StartWorkerOptions,
  type RunningWorker,
  type WorkerServices,
} from './start-worker';
export { retryingWorkerSchema, workerBaseSchema, type WorkerBaseConfig } from './worker-config';
export type { JobContext, JobHandler, HandlerRegistry, WorkerDefinition } from './job-handler';
export { ProgressReporter, type ProgressUpdate } from './progress-reporter';
export { createJobConsumerHandlers, type JobConsumerDeps } from './job-consumer';
export { StageProgress, scaledDeadline, type Stage } from './stage-progress';
export { baseName, padded } from './output-names';
