/** The commands: one function each, from parsed options to an exit code. */
import { randomUUID } from 'node:crypto';
import { openAsBlob } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { CommandName } from './args';
import { buildParams, describeParams, jobTypeInfo, loadCatalog, type JobTypeInfo } from './catalog';
import { downloadJob } from './download';
import { CliError, EXIT, UsageError, exitCodeForJobStatus, type ExitCode } from './exit-codes';
import { contentTypeOf, expandInputs, planJobs } from './inputs';
import { isTerminal, parseJob, type Job } from './job';
import { jobDetails, jobLine, jobTable } from './output';
import { StreamSlots, pollIntervalMs, watchJob } from './watch';
import { asCliError, deadlineOf, print, str, stopsTheRun, type Context, type Outcome } from './context';
import { downloadAll, follow, report } from './outcomes';

async function submitOne(
  ctx: Context,
  info: JobTypeInfo,
  files: string[],
  params: Record<string, unknown>,
  idempotencyKey: string,
): Promise<Job> {
  // Each submit carries an Idempotency-Key, so a try repeated after a lost answer cannot create a second job.
  const headers = { 'idempotency-key': idempotencyKey };
  const url = `/v1/jobs/${encodeURIComponent(info.type)}`;
  if (files.length === 0) {
    const body = JSON.stringify(params);
    return parseJob(
      await ctx.api.json('POST', url, {
        body: () => body,
        headers: { ...headers, 'content-type': 'application/json' },
        repeatable: true,
      }),
    );
  }
  // File-backed Blobs: streamed from disk (not read into memory) and re-readable for a retried try.
  const blobs = await Promise.all(files.map((f) => openAsBlob(f, { type: contentTypeOf(f) })));
  const paramsJson = Object.keys(params).length > 0 ? JSON.stringify(params) : undefined;
  const body = () => {
    const form = new FormData();
    blobs.forEach((blob, i) => form.append('file', blob, path.basename(files[i])));
    if (paramsJson !== undefined) form.append('params', paramsJson);
    return form;
  };
  return parseJob(await ctx.api.json('POST', url, { body, headers, repeatable: true }));
}

async function submit(ctx: Context): Promise<ExitCode> {
  const [type, ...inputs] = ctx.positionals as [string, ...string[]];
  const info = jobTypeInfo(await loadCatalog(ctx.api), type);
  const params = buildParams(
    info,
    str(ctx.values['params-json']),
    (ctx.values.param as string[] | undefined) ?? [],
  );
  const files = info.maxFiles === 0 && inputs.length === 0 ? [] : await expandInputs(inputs);
  const plan = planJobs(info, files);
  const key = str(ctx.values['idempotency-key']);
  if (key !== undefined && plan.length > 1)
    throw new UsageError('--idempotency-key names one job; this submit makes ' + plan.length);
  const downloadDir = str(ctx.values.download);
  const wait = ctx.values.wait === true || downloadDir !== undefined;
  const deadline = deadlineOf(ctx.values);

  const outcomes: Outcome[] = [];
  for (const group of plan) {
    const label = group.length ? group.join(', ') : type;
    try {
      const job = await submitOne(ctx, info, group, params, key ?? randomUUID());
      outcomes.push({ label, job });
      if (plan.length > 1) ctx.notice(`submitted ${job.id} (${label})`);
    } catch (err) {
      const error = asCliError(err);
      outcomes.push({ label, error });
      if (stopsTheRun(error) || error.exitCode === EXIT.internal) break;
    }
  }
  if (wait) await follow(ctx, outcomes, deadline);
  if (downloadDir !== undefined) await downloadAll(ctx, outcomes, downloadDir);
  return report(ctx, outcomes, wait);
}

async function fetchJob(ctx: Context, id: string): Promise<Job> {
  return parseJob(await ctx.api.json('GET', `/v1/jobs/${encodeURIComponent(id)}`));
}

async function watch(ctx: Context): Promise<ExitCode> {
  const outcomes: Outcome[] = [];
  for (const id of ctx.positionals) {
    try {
      outcomes.push({ label: id, job: await fetchJob(ctx, id) });
    } catch (err) {
      const error = asCliError(err);
      outcomes.push({ label: id, error });
      if (stopsTheRun(error)) break;
    }
  }
  await follow(ctx, outcomes, deadlineOf(ctx.values));
  const dir = str(ctx.values.download);
  if (dir !== undefined) await downloadAll(ctx, outcomes, dir);
  return report(ctx, outcomes, true);
}

async function events(ctx: Context): Promise<ExitCode> {
  const id = ctx.positionals[0];
  let last = '';
  const job = await watchJob(ctx.api, await fetchJob(ctx, id), {
    onUpdate: (j) => {
      const { updatedAt: _u, ...rest } = j;
      const key = JSON.stringify(rest);
      if (key === last) return;
      last = key;
      const counts =
        j.progress.current !== undefined ? ` ${j.progress.current}/${j.progress.total ?? '?'}` : '';
      const when = typeof j.updatedAt === 'string' ? j.updatedAt : new Date().toISOString();
      const error = j.error ? `  ${j.error.code}: ${j.error.message}` : '';
      print(
        ctx,
        `${when}  ${j.status.padEnd(10)} ${String(Math.floor(j.progress.percent)).padStart(3)}%  ${j.progress.stage}${counts}${j.progress.message ? `  ${j.progress.message}` : ''}${error}`,
        j,
      );
    },
    slots: new StreamSlots(1),
    pollMs: pollIntervalMs(1),
    ...(ctx.io.signal ? { signal: ctx.io.signal } : {}),
  });
  return exitCodeForJobStatus(job.status);
}

async function download(ctx: Context): Promise<ExitCode> {
  const id = ctx.positionals[0];
  const out = str(ctx.values.out);
  const isDir =
    out === undefined || /[\\/]$/.test(out) || (await stat(out).catch(() => null))?.isDirectory() === true;
  const saved = await downloadJob(ctx.api, id, isDir ? { dir: out ?? '.' } : { file: out });
  print(ctx, `${saved.path} (${saved.bytes} bytes)`, { id, path: saved.path, bytes: saved.bytes });
  return EXIT.ok;
}

async function list(ctx: Context): Promise<ExitCode> {
  const query = new URLSearchParams();
  for (const name of ['status', 'type', 'limit', 'cursor']) {
    const value = str(ctx.values[name]);
    if (value !== undefined) query.set(name, value);
  }
  const page = await ctx.api.json<{ items: unknown[]; nextCursor: string | null }>(
    'GET',
    `/v1/jobs${query.size ? `?${query.toString()}` : ''}`,
  );
  if (ctx.json) {
    print(ctx, '', page);
  } else {
    ctx.io.stdout.write(`${jobTable(page.items.map(parseJob), ctx.out)}\n`);
    if (page.nextCursor) ctx.io.stderr.write(`more: quire list --cursor ${page.nextCursor}\n`);
  }
  return EXIT.ok;
}

async function get(ctx: Context): Promise<ExitCode> {
  const job = await fetchJob(ctx, ctx.positionals[0]);
  print(ctx, jobDetails(job, ctx.out), job);
  return EXIT.ok;
}

async function result(ctx: Context): Promise<ExitCode> {
  const value = await ctx.api.json('GET', `/v1/jobs/${encodeURIComponent(ctx.positionals[0])}/result`);
  print(ctx, JSON.stringify(value, null, 2), value);
  return EXIT.ok;
}

async function cancel(ctx: Context): Promise<ExitCode> {
  const id = ctx.positionals[0];
  // DELETE on a finished job deletes it: `cancel` must never do that, so it looks first.
  const before = await fetchJob(ctx, id);
  if (isTerminal(before))
    throw new CliError(
      `job ${id} is already ${before.status}: nothing to cancel (quire delete removes it)`,
      EXIT.rejected,
    );
  const res = await ctx.api.request('DELETE', `/v1/jobs/${encodeURIComponent(id)}`);
  if (res.status === 204) {
    print(ctx, `${id} finished meanwhile and was deleted`, { id, deleted: true });
    return EXIT.ok;
  }
  const job = parseJob(await res.json());
  const note =
    job.status === 'cancelled' ? '' : ' (cancel requested: the worker stops at its next checkpoint)';
  print(ctx, jobLine(job, ctx.out, note), job);
  return EXIT.ok;
}

async function remove(ctx: Context): Promise<ExitCode> {
  const id = ctx.positionals[0];
  const before = await fetchJob(ctx, id);
  if (!isTerminal(before))
    throw new CliError(
      `job ${id} is still ${before.status}: cancel it first (quire cancel ${id})`,
      EXIT.rejected,
    );
  await ctx.api.request('DELETE', `/v1/jobs/${encodeURIComponent(id)}`);
  print(ctx, `deleted ${id}`, { id, deleted: true });
  return EXIT.ok;
}

async function retry(ctx: Context): Promise<ExitCode> {
  const id = ctx.positionals[0];
  // Not repeated after a network error: the first try may have requeued the job already.
  const job = parseJob(
    await ctx.api.json('POST', `/v1/jobs/${encodeURIComponent(id)}/retry`, { repeatable: false }),
  );
  const outcomes: Outcome[] = [{ label: id, job }];
  const dir = str(ctx.values.download);
  const wait = ctx.values.wait === true || dir !== undefined;
  if (wait) await follow(ctx, outcomes, deadlineOf(ctx.values));
  if (dir !== undefined) await downloadAll(ctx, outcomes, dir);
  return report(ctx, outcomes, wait);
}

async function types(ctx: Context): Promise<ExitCode> {
  const catalog = await loadCatalog(ctx.api);
  const wanted = ctx.positionals[0];
  const infos = wanted ? [jobTypeInfo(catalog, wanted)] : [...catalog.values()];
  for (const info of infos) {
    const files =
      info.maxFiles === 0
        ? 'no file (input: another job)'
        : info.minFiles === info.maxFiles
          ? `${info.maxFiles} file${info.maxFiles > 1 ? 's' : ''}`
          : `${info.minFiles}–${info.maxFiles} files`;
    const params = describeParams(info);
    const human = wanted
      ? [`${info.type}: ${files}`, ...params.map((p) => `  ${p}`)].join('\n')
      : `${info.type.padEnd(24)} ${files.padEnd(30)} ${params.map((p) => p.split(':')[0]).join(', ')}`;
    print(ctx, human, info);
  }
  return EXIT.ok;
}

/** The handler of each command (`help` and `version` are answered before any config is read). */
export const HANDLERS: Record<Exclude<CommandName, 'help'>, (ctx: Context) => Promise<ExitCode>> = {
  submit,
  watch,
  events,
  download,
  list,
  get,
  result,
  cancel,
  delete: remove,
  retry,
  types,
};
