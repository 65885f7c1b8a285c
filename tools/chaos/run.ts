/**
 * Full fault run: `npx tsx tools/chaos/run.ts [--jobs 200] [--workers 2] [--kill-every-ms 1500]`.
 * Exits 1 unless every job is terminal, none lost, none completed twice.
 */
import { parseArgs } from 'node:util';
import { formatReport, runChaos } from './chaos-run';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '200' },
    workers: { type: 'string', default: '2' },
    'kill-every-ms': { type: 'string', default: '1500' },
    'deadline-s': { type: 'string', default: '900' },
  },
});
const report = await runChaos({
  jobs: Number(values.jobs),
  workers: Number(values.workers),
  killEveryMs: Number(values['kill-every-ms']),
  restartBroker: true,
  restartDatabase: true,
  deadlineMs: Number(values['deadline-s']) * 1000,
});
process.stdout.write(`${formatReport(report)}\n`);
process.exit(
  report.lost === 0 && report.duplicateCompletions === 0 && report.terminal === report.submitted ? 0 : 1,
);
