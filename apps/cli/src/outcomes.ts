/** Following, downloading and reporting the jobs a command submitted or was given. */
import { downloadJob } from './download';
import { EXIT, exitCodeForJobStatus, worstExitCode, type ExitCode } from './exit-codes';
import { isTerminal } from './job';
import { jobLine } from './output';
import { createProgressView } from './progress';
import { MAX_STREAMS, StreamSlots, pollIntervalMs, watchJob } from './watch';
import { asCliError, print, stopsTheRun, type Context, type Outcome } from './context';

/** Follows the jobs with one progress view; each outcome gets its final (or last seen) job, or the error. */
export async function follow(ctx: Context, outcomes: Outcome[], deadline: number | undefined): Promise<void> {
  const view = createProgressView(ctx.io.stderr, { quiet: ctx.quiet, color: ctx.config.color });
  ctx.view = view;
  const slots = new StreamSlots(MAX_STREAMS);
  const waiting = outcomes.filter((o) => o.job && !o.error);
  const pollMs = pollIntervalMs(waiting.length);
  try {
    await Promise.all(
      waiting.map(async (o) => {
        try {
          o.job = await watchJob(ctx.api, o.job!, {
            onUpdate: (job) => view.update(job),
            slots,
            pollMs,
            ...(deadline !== undefined ? { deadline } : {}),
            ...(ctx.io.signal ? { signal: ctx.io.signal } : {}),
          });
        } catch (err) {
          o.error = asCliError(err);
        }
      }),
    );
  } finally {
    view.done();
    ctx.view = null;
  }
}

/** Downloads the output of each completed job into the folder. */
export async function downloadAll(ctx: Context, outcomes: Outcome[], dir: string): Promise<void> {
  const taken = new Set<string>();
  for (const o of outcomes) {
    if (o.error || o.job?.status !== 'completed') continue;
    try {
      o.downloaded = await downloadJob(ctx.api, o.job.id, { dir, taken });
    } catch (err) {
      o.error = asCliError(err);
      if (stopsTheRun(o.error)) break;
    }
  }
}

/** One line per outcome on stdout; returns the exit code they add up to. */
export function report(ctx: Context, outcomes: Outcome[], waited: boolean): ExitCode {
  const codes: ExitCode[] = [];
  for (const o of outcomes) {
    if (o.error?.exitCode === EXIT.interrupted) {
      // Said once for the whole run (below), not once per job.
      codes.push(EXIT.interrupted);
      if (o.job) print(ctx, jobLine(o.job, ctx.out), o.job);
      continue;
    }
    if (o.error) {
      codes.push(o.error.exitCode);
      ctx.io.stderr.write(`quire: ${o.label}: ${o.error.message}\n`);
      if (ctx.json) {
        const code = 'code' in o.error ? String((o.error as { code: unknown }).code) : 'CLI_ERROR';
        print(ctx, '', {
          ...(o.job ? { id: o.job.id } : {}),
          input: o.label,
          error: { code, message: o.error.message, exitCode: o.error.exitCode },
        });
      }
      continue;
    }
    const job = o.job!;
    if (waited) codes.push(exitCodeForJobStatus(job.status));
    if (waited && !isTerminal(job))
      ctx.io.stderr.write(
        `quire: ${job.id} is still ${job.status} at --timeout; it keeps running (quire watch ${job.id})\n`,
      );
    const saved = o.downloaded ? ` → ${o.downloaded.path}` : '';
    print(
      ctx,
      jobLine(job, ctx.out, saved),
      o.downloaded ? { ...job, downloadedTo: o.downloaded.path } : job,
    );
  }
  const code = worstExitCode(codes);
  if (code === EXIT.interrupted)
    ctx.io.stderr.write('quire: interrupted; the jobs keep running on the server\n');
  return code;
}
