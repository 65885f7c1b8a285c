import { JobRepository, RedactionAuditRepository } from '@quire/job-model';
import { startWorker, type HandlerRegistry, type WorkerServices } from '@quire/worker-runtime';
import { loadRedactionWorkerConfig } from './config';
import { createRedactionEngines } from './engines';
import { redactHandler } from './handlers/redact.handler';
import { redactionPolicy } from './policy';

const config = loadRedactionWorkerConfig();
const policy = redactionPolicy({ retryDelaysMs: config.QUIRE_RETRY_DELAYS_MS });
const { engines, closeables } = createRedactionEngines(config);

/** `redact` reads its source job (a reviewer's boxes) and writes the audit record through the database. */
function handlers(services: WorkerServices): HandlerRegistry {
  return {
    redact: redactHandler({
      engines,
      jobs: new JobRepository(services.dataSource),
      audit: new RedactionAuditRepository(services.dataSource),
    }),
  };
}

await startWorker({ service: 'redaction-worker', config, policy, handlers, closeables });
