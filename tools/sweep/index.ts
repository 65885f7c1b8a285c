/** The robustness sweep as a library, for the short version in the test command (tests/e2e/robustness-sweep). */
export { highWaterMark, isAlive, ProcessWatch, treeRss, type WatchedProcess } from './process-watch';
export { writeHostileImages } from './hostile-images';
export { filesFor, listFiles, onePerFolder, sweepTypes, WORKER_OF_QUEUE, type SweepType } from './sweep-plan';
export {
  formatSweepTable,
  reasonProblem,
  runSweep,
  sweepViolations,
  type SweepOptions,
  type SweepOutcome,
  type SweepReport,
  type TypeRow,
} from './sweep-run';
export { startSweepStack, WORKER_CAP_MB, type SweepStack } from './stack';
