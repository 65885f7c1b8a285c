/**
 * Full fault run: `npx tsx tools/chaos/run.ts [--jobs 200] [--workers 2] [--kill-every-ms 1500] [--pages 8]`.
 * Prints the report and every fault with the jobs in flight when it struck; exits 1 when a promise is broken (a job
 * lost, completed twice, failed unexpectedly or with an invalid output, no takeover, a fault that struck an idle
 * system) and 2 when the run could not be staged (e.g. the queue drained before a planned fault).
 */
import { parseArgs } from 'node:util';
import { ChaosSetupError, chaosViolations, formatReport, runChaos } from './chaos-run';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '200' },
    workers: { type: 'string', default: '2' },
    'kill-every-ms': { type: 'string', default: '1500' },
    pages: { type: 'string', default: '8' },
    'deadline-s': { type: 'string', default: '900' },
  },
});
try {
  const report = await runChaos({
    jobs: Number(values.jobs),
    workers: Number(values.workers),
    killEveryMs: Number(values['kill-every-ms']),
    keepKilling: true,
    pages: Number(values.pages),
    restartBroker: true,
    restartDatabase: true,
    deadlineMs: Number(values['deadline-s']) * 1000,
  });
  process.stdout.write(`${formatReport(report)}\n`);
  const violations = chaosViolations(report);
  for (const v of violations) process.stdout.write(`VIOLATED: ${v}\n`);
  process.exit(violations.length === 0 ? 0 : 1);
} catch (err) {
  if (!(err instanceof ChaosSetupError)) throw err;
  process.stderr.write(`chaos run not staged: ${err.message}\n`);
  process.exit(2);
}
