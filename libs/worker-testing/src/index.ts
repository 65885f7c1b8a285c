/**
 * @quire/worker-testing: a real JobContext for handler unit tests (no broker, no database). Apart from
 * @quire/testing because it builds on the production libs (worker-runtime, job-model, storage): the int specs of
 * those libs use @quire/testing, so @quire/testing must not depend on them (that was a project cycle).
 */
export { createTestJobContext, type TestJob, type TestInput } from './job-context';
export { expectValidResult } from './job-result';
