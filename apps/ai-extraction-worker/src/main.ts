import { startWorker, type HandlerRegistry, type WorkerServices } from '@quire/worker-runtime';
import { loadAiExtractionWorkerConfig } from './config';
import { createExtractionEngines } from './engines';
import { extractBankStatementHandler } from './handlers/extract-bank-statement.handler';
import { extractInvoiceHandler } from './handlers/extract-invoice.handler';
import { aiExtractionPolicy } from './policy';

const config = loadAiExtractionWorkerConfig();
const policy = aiExtractionPolicy({ retryDelaysMs: config.QUIRE_RETRY_DELAYS_MS });
const { deps, closeables } = createExtractionEngines(config);

/**
 * One handler per available job type of the queue. A factory given the worker's services: the statement analyser's
 * jobs ('categorize-transactions', 'statement-report'), whose input is another job's result, read the source job
 * through the database (`services.dataSource`) and register here beside the two extractions.
 */
function handlers(_services: WorkerServices): HandlerRegistry {
  return {
    'extract-invoice': extractInvoiceHandler(deps),
    'extract-bank-statement': extractBankStatementHandler(deps),
  };
}

await startWorker({ service: 'ai-extraction-worker', config, policy, handlers, closeables });
