import path from 'node:path';
import { summarise, writeStatementCsv, writeStatementXlsx } from '@quire/statement-analysis';
import type { JobHandler } from '@quire/worker-runtime';
import { loadSourceStatement, type SourceJobs } from './source-statement';

const CONTENT_TYPES = {
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  csv: 'text/csv; charset=utf-8',
} as const;

export interface StatementReportOptions {
  /** The VAT rate `includeVat` splits amounts at (QUIRE_REPORT_VAT_RATE_PERCENT). */
  vatRatePercent: number;
}

/**
 * `statement-report`: the statement of a completed extraction or categorisation as one XLSX (transactions, totals by
 * category and by month) or CSV file; `includeVat` adds net and VAT columns at the configured rate.
 */
export function statementReportHandler(
  deps: { jobs: SourceJobs },
  options: StatementReportOptions,
): JobHandler<'statement-report'> {
  return async (ctx): ReturnType<JobHandler<'statement-report'>> => {
    ctx.progress({ stage: 'initialization', percent: 0, message: 'reading the source statement' });
    const statement = await loadSourceStatement(deps.jobs, ctx.job, ctx.params.sourceJobId);
    const { format, includeVat } = ctx.params;
    const reportOptions = { includeVat, vatRatePercent: options.vatRatePercent };
    ctx.checkpoint();
    ctx.progress({ stage: 'writing', percent: 30, message: `writing the ${format.toUpperCase()} report` });
    const name = `statement-${ctx.params.sourceJobId.slice(0, 8)}.${format}`;
    const file = path.join(ctx.tempDir, name);
    if (format === 'xlsx') await writeStatementXlsx(statement, reportOptions, file);
    else await writeStatementCsv(statement, reportOptions, file);
    ctx.checkpoint();
    const saved = await ctx.saveOutput(file, name);
    const { byCategory, byMonth } = summarise(statement, reportOptions);
    ctx.progress({ stage: 'finalization', percent: 100, message: 'done' });
    return {
      sourceJobId: ctx.params.sourceJobId,
      format,
      includeVat,
      ...(includeVat ? { vatRatePercent: options.vatRatePercent } : {}),
      transactions: statement.transactions.length,
      byCategory,
      byMonth,
      outputs: [{ name, key: saved.key, bytes: saved.bytes, contentType: CONTENT_TYPES[format] }],
    };
  };
}
