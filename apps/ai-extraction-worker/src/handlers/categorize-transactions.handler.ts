import { categorize, compileRules } from '@quire/statement-analysis';
import type { JobHandler } from '@quire/worker-runtime';
import { loadSourceStatement, type SourceJobs } from './source-statement';

/**
 * `categorize-transactions`: the statement of a completed extraction (or of an earlier categorisation, to
 * re-categorise), each transaction given the category of the first rule that matches, with totals per category.
 */
export function categorizeTransactionsHandler(deps: {
  jobs: SourceJobs;
}): JobHandler<'categorize-transactions'> {
  return async (ctx): ReturnType<JobHandler<'categorize-transactions'>> => {
    ctx.progress({ stage: 'initialization', percent: 0, message: 'reading the source statement' });
    const statement = await loadSourceStatement(deps.jobs, ctx.job, ctx.params.sourceJobId);
    const rules = compileRules(ctx.params.rules);
    ctx.checkpoint();
    ctx.progress({
      stage: 'categorizing',
      percent: 50,
      message: `${statement.transactions.length} transactions`,
    });
    const { transactions, totals } = categorize(statement.transactions, rules);
    ctx.progress({ stage: 'finalization', percent: 100, message: 'done' });
    return {
      sourceJobId: ctx.params.sourceJobId,
      statement: { ...statement, transactions },
      totals,
      outputs: [],
    };
  };
}
