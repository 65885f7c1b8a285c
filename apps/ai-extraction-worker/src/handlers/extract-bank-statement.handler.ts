import type { JobResult } from '@quire/job-model';
import { extractStatementFromPdf, type StatementExtraction } from '@quire/pipeline-extraction';
import { categorize, compileRules, writeStatementCsv, writeStatementXlsx } from '@quire/statement-analysis';
import { StageProgress, type JobHandler } from '@quire/worker-runtime';
import {
  saveExtractionOutput,
  EXTRACTION_STAGES,
  extractionExtras,
  prepare,
  type ExtractionHandlerDeps,
} from './shared';

type StatementResult = JobResult<'extract-bank-statement'>;

/**
 * `extract-bank-statement`: a bank statement from a PDF through the extraction pipeline (@quire/pipeline-extraction):
 * words with positions (text layer; OCR for scanned pages), the layout reader, the validators and, as `mode` says,
 * the language model. `result.statement` holds the transactions, `result.validation` what was checked; a statement
 * that does not reconcile completes with failed checks (never a silent wrong total). The statement is also written
 * as one output file in `format`: json, or csv / xlsx through @quire/statement-analysis.
 */
export function extractBankStatementHandler(
  deps: ExtractionHandlerDeps,
): JobHandler<'extract-bank-statement'> {
  return async (ctx): ReturnType<JobHandler<'extract-bank-statement'>> => {
    const progress = new StageProgress(ctx, EXTRACTION_STAGES);
    const { options, outputBase } = await prepare(ctx, progress);
    const extracted = await extractStatementFromPdf(deps, options);
    progress.report('finalization', 0);
    let result = statementResult(extracted);
    const { format, rules } = ctx.params;
    if (rules) {
      // Rules given at extraction time: categorise now, as categorize-transactions would on this result.
      const { transactions, totals } = categorize(result.statement.transactions, compileRules(rules));
      result = { ...result, statement: { ...result.statement, transactions }, totals };
    }
    const report = { includeVat: false, vatRatePercent: deps.vatRatePercent };
    const output = await saveExtractionOutput(ctx, outputBase, format, result.statement, {
      csv: (statement, file) => writeStatementCsv(statement, report, file),
      xlsx: (statement, file) => writeStatementXlsx(statement, report, file),
    });
    const n = result.statement.transactions.length;
    progress.report(
      'finalization',
      1,
      `Extracted ${n} transaction${n === 1 ? '' : 's'}${result.validation.passed ? '' : ' (checks failed)'}`,
    );
    return {
      ...result,
      outputs: [output],
    };
  };
}

/** The pipeline's statement in the job-result contract (the reader's own bookkeeping moves to the result's top). */
function statementResult(x: StatementExtraction): Omit<StatementResult, 'outputs'> {
  const s = x.statement;
  return {
    statement: {
      bank: s.bank,
      accountNumber: s.accountNumber,
      currency: s.currency,
      openingBalance: s.openingBalance,
      closingBalance: s.closingBalance,
      periodStart: s.periodStart,
      periodEnd: s.periodEnd,
      // A model's rows carry no page (0): left out rather than invented.
      transactions: s.transactions.map(({ date, description, amount, balance, page }) => ({
        date,
        description,
        amount,
        balance,
        ...(page >= 1 ? { page } : {}),
      })),
    },
    method: x.method,
    validation: x.validation,
    warnings: x.warnings,
    skippedRows: s.skippedRows,
    ...extractionExtras(x),
  };
}
