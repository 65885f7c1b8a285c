import path from 'node:path';
import { extractStatementFromPdf, type StatementExtraction } from '@quire/pipeline-extraction';
import { writeStatementCsv, writeStatementXlsx } from '@quire/statement-analysis';
import { StageProgress, type JobContext } from '@quire/worker-runtime';
import {
  CONTENT_TYPES,
  EXTRACTION_STAGES,
  prepare,
  type ExtractionHandlerDeps,
  type OutputFile,
} from './shared';

/**
 * `extract-bank-statement`: a bank statement from a PDF through the extraction pipeline (@quire/pipeline-extraction):
 * words with positions (text layer; OCR for scanned pages), the layout reader, the validators and, as `mode` says,
 * the language model. `result.statement` holds the transactions, `result.validation` what was checked, and a
 * statement that does not reconcile completes with failed checks (never a silent wrong total). `format` csv or
 * xlsx also writes the transactions as a file (@quire/statement-analysis).
 */
export function extractBankStatementHandler(
  deps: ExtractionHandlerDeps,
): (ctx: JobContext<'extract-bank-statement'>) => Promise<StatementExtraction & { outputs?: OutputFile[] }> {
  return async (ctx) => {
    const progress = new StageProgress(ctx, EXTRACTION_STAGES);
    const { options, outputBase } = await prepare(ctx, progress);
    const extracted = await extractStatementFromPdf(deps, options);
    progress.report('finalization', 0);
    const outputs: OutputFile[] = [];
    const { format } = ctx.params;
    if (format !== 'json') {
      const name = `${outputBase}.${format}`;
      const local = path.join(ctx.tempDir, name);
      const report = { includeVat: false, vatRatePercent: deps.vatRatePercent };
      if (format === 'xlsx') await writeStatementXlsx(extracted.statement, report, local);
      else await writeStatementCsv(extracted.statement, report, local);
      const saved = await ctx.saveOutput(local, name);
      outputs.push({ name, key: saved.key, bytes: saved.bytes, contentType: CONTENT_TYPES[format] });
    }
    const n = extracted.statement.transactions.length;
    progress.report(
      'finalization',
      1,
      `Extracted ${n} transaction${n === 1 ? '' : 's'}${extracted.validation.passed ? '' : ' (checks failed)'}`,
    );
    return { ...extracted, ...(outputs.length ? { outputs } : {}) };
  };
}
