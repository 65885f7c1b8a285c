import type { Job } from './job';
import type { Palette } from './style';

/** Human output (stdout) of jobs; --json prints the JSON instead. */

export function inputNames(job: Job): string {
  return (job.inputs ?? []).map((i) => i.name).join(', ');
}

function colourStatus(status: string, p: Palette): string {
  const padded = status.padEnd(10);
  if (status === 'completed') return p.green(padded);
  if (status === 'failed') return p.red(padded);
  if (status === 'cancelled' || status === 'retrying') return p.yellow(padded);
  return padded;
}

/** `<id>  <status>  <type>  <inputs>[: reason]`: the id first, so `cut -d' ' -f1` works. */
export function jobLine(job: Job, p: Palette, extra = ''): string {
  const reason = job.status === 'failed' && job.error ? `: ${job.error.code}: ${job.error.message}` : '';
  const names = inputNames(job);
  return `${job.id}  ${colourStatus(job.status, p)} ${job.type}${names ? `  ${names}` : ''}${reason}${extra}`;
}

export function jobDetails(job: Job, p: Palette): string {
  const lines = [
    `${p.bold('id')}         ${job.id}`,
    `${p.bold('type')}       ${job.type}`,
    `${p.bold('status')}     ${colourStatus(job.status, p).trimEnd()}`,
    `${p.bold('progress')}   ${Math.floor(job.progress.percent)}%${job.progress.stage ? ` ${job.progress.stage}` : ''}${job.progress.message ? ` (${job.progress.message})` : ''}`,
    `${p.bold('attempts')}   ${job.attempts}`,
    `${p.bold('created')}    ${job.createdAt}`,
  ];
  if (job.error) lines.push(`${p.bold('error')}      ${job.error.code}: ${job.error.message}`);
  const names = inputNames(job);
  if (names) lines.push(`${p.bold('inputs')}     ${names}`);
  const outputs = job.result?.outputs;
  if (Array.isArray(outputs)) {
    for (const o of outputs as Array<{ name?: unknown; url?: unknown; bytes?: unknown }>)
      lines.push(
        `${p.bold('output')}     ${typeof o.name === 'string' ? o.name : '?'}${typeof o.bytes === 'number' ? ` (${o.bytes} bytes)` : ''} ${typeof o.url === 'string' ? o.url : ''}`,
      );
  }
  return lines.join('\n');
}

export function jobTable(jobs: Job[], p: Palette): string {
  const header = p.bold(
    `${'ID'.padEnd(36)}  ${'STATUS'.padEnd(10)} ${'TYPE'.padEnd(22)} ${'%'.padStart(3)}  CREATED                   INPUTS`,
  );
  const rows = jobs.map(
    (j) =>
      `${j.id.padEnd(36)}  ${colourStatus(j.status, p)} ${j.type.padEnd(22)} ${String(Math.floor(j.progress.percent)).padStart(3)}  ${j.createdAt.padEnd(24)}  ${inputNames(j)}`,
  );
  return [header, ...rows].join('\n');
}
