/**
 * Fairness benchmark against a running stack (gateway + compression-worker): one tenant floods small compress jobs,
 * another submits one; prints its latency against its unloaded latency.
 *
 *   npx tsx tools/bench/fairness/run.ts --url http://localhost:3000 --flood-key KEY_A --quiet-key KEY_B [--flood 500]
 *
 * The two keys must belong to different tenants. A self-contained run (own PostgreSQL, RabbitMQ and processes):
 *   QUIRE_FAIRNESS_BENCH=1 npx vitest run --config vitest.e2e.config.ts tests/e2e/fairness-bench.e2e.spec.ts
 */
import { parseArgs } from 'node:util';
import { makeNumberedPdf } from '@quire/pdf-fixtures';
import { intOption } from '../bench-kit';
import { measureFairness, type FairnessReport } from './fairness';

const USAGE = `usage: npx tsx tools/bench/fairness/run.ts --flood-key KEY --quiet-key KEY [options]
  --url URL            gateway base URL (default http://localhost:3000)
  --flood N            jobs the flooding tenant gets accepted (default 500)
  --concurrency N      parallel submissions of the flooding tenant (default 8)
  --baseline N         unloaded runs of the quiet tenant's job, median reported (default 5)
  --runs N             runs of the quiet tenant's job under the flood, median reported (default 3)
  --timeout-ms MS      deadline of the quiet tenant's job (default 1800000)
  --poll-ms MS         how often a job's status is read to time it (default 25)`;

export function formatFairness(r: FairnessReport): string {
  return [
    `unloaded latency (median of ${r.unloadedMs.length}): ${r.unloadedMedianMs.toFixed(0)} ms`,
    `latency under flood (median of ${r.loadedRunsMs.length}: ${r.loadedRunsMs.map((m) => m.toFixed(0)).join(', ')}): ${r.loadedMs.toFixed(0)} ms (${r.ratio.toFixed(2)}× unloaded; target ≤ 2×)`,
    `waited for a worker (median): ${r.unloadedWaitMs.toFixed(0)} ms unloaded, ${r.loadedWaitMs.toFixed(0)} ms under flood`,
    `flood when the quiet job was submitted: ${r.floodAcceptedBefore} accepted, ${r.floodUnfinishedBefore} unfinished`,
    `flood total: ${r.floodAccepted} accepted, ${r.flood429} answered 429, ${r.floodFailed} without answer`,
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string', default: 'http://localhost:3000' },
      'flood-key': { type: 'string' },
      'quiet-key': { type: 'string' },
      flood: { type: 'string', default: '500' },
      concurrency: { type: 'string', default: '8' },
      baseline: { type: 'string', default: '5' },
      runs: { type: 'string', default: '3' },
      'timeout-ms': { type: 'string', default: '1800000' },
      'poll-ms': { type: 'string', default: '25' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || !values['flood-key'] || !values['quiet-key']) {
    console.log(USAGE);
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  const report = await measureFairness({
    url: values.url,
    floodKey: values['flood-key'],
    quietKey: values['quiet-key'],
    job: { type: 'compress', file: makeNumberedPdf(1), fileName: 'one.pdf', params: { preset: 'ebook' } },
    flood: intOption('flood', values.flood, 1),
    floodConcurrency: intOption('concurrency', values.concurrency, 1),
    baselineRuns: intOption('baseline', values.baseline, 1),
    loadedRuns: intOption('runs', values.runs, 1),
    // Fine enough not to round a ~100 ms job up to the next poll (100 ms polls made the baseline jump by 100 ms).
    pollMs: intOption('poll-ms', values['poll-ms'], 1),
    timeoutMs: intOption('timeout-ms', values['timeout-ms'], 1),
    log: (line) => console.log(line),
  });
  console.log(formatFairness(report));
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
