import { JobRepository } from '@quire/job-model';
import { startWorker, type HandlerRegistry, type WorkerServices } from '@quire/worker-runtime';
import { loadAiExtractionWorkerConfig } from './config';
import { createExtractionEngines } from './engines';
import { categorizeTransactionsHandler } from './handlers/categorize-transactions.handler';
import { extractBankStatementHandler } from './handlers/extract-bank-statement.handler';
import { extractInvoiceHandler } from './handlers/extract-invoice.handler';
import { statementReportHandler } from './handlers/statement-report.handler';
import { aiExtractionPolicy } from './policy';

const config = loadAiExtractionWorkerConfig();
const policy = aiExtractionPolicy({ retryDelaysMs: config.QUIRE_RETRY_DELAYS_MS });
const { deps, closeables } = createExtractionEngines(config);

/**
 * One handler per available job type of the queue. A factory given the worker's services: the statement analyser's
 * jobs ('categorize-transactions', 'statement-report'), whose input is another job's result, read the source job
 * through the database (`services.dataSource`) and register here beside the two extractions.
 */
function handlers(services: WorkerServices): HandlerRegistry {
  const jobs = new JobRepository(services.dataSource);
  return {
    'extract-invoice': extractInvoiceHandler(deps),
    'extract-bank-statement': extractBankStatementHandler(deps),
    'categorize-transactions': categorizeTransactionsHandler({ jobs }),
    'statement-report': statementReportHandler(
      { jobs },
      { vatRatePercent: config.QUIRE_REPORT_VAT_RATE_PERCENT },
    ),
  };
}

await startWorker({ service: 'ai-extraction-worker', config, policy, handlers, closeables });
