// @ts-check
/**
 * Operator pages: queues (depth, consumers, dead letters), a queue's dead letters with replay and purge, the health
 * report, and maintenance runs. Each part calls its admin route and says plainly when the key's role is not enough.
 */
import { api, ApiError } from './api.js';
import { announce, el, json, when } from './dom.js';

/** @param {unknown} err */
function explain(err) {
  if (err instanceof ApiError && err.status === 403)
    return el('p', { class: 'error', role: 'alert' }, `Needs the operator or admin role: ${err.message}`);
  if (err instanceof ApiError && err.status === 404) return el('p', { class: 'hint' }, err.message);
  return el(
    'p',
    { class: 'error', role: 'alert' },
    err instanceof ApiError ? `${err.code}: ${err.message}` : String(err),
  );
}

/**
 * @param {HTMLElement} main
 * @param {Awaited<ReturnType<typeof import('./api.js').loadJobTypes>>} catalog
 * @param {AbortSignal} signal
 */
export async function operatorView(main, catalog, signal) {
  const queues = el(
    'section',
    { class: 'panel', 'aria-labelledby': 'queues-title' },
    el('h2', { id: 'queues-title' }, 'Queues'),
  );
  const letters = el('section', { class: 'panel', 'aria-labelledby': 'dl-title' });
  const health = el(
    'section',
    { class: 'panel', 'aria-labelledby': 'health-title' },
    el('h2', { id: 'health-title' }, 'Health report'),
  );
  const maintenance = el(
    'section',
    { class: 'panel', 'aria-labelledby': 'mt-title' },
    el('h2', { id: 'mt-title' }, 'Maintenance'),
  );
  main.replaceChildren(el('h1', {}, 'Operator'), queues, letters, health, maintenance);
  renderLetters(letters, catalog.queues, catalog.queues[0], signal);
  renderMaintenance(maintenance, catalog.tasks);
  await Promise.all([renderQueues(queues, letters, catalog.queues, signal), renderHealth(health, signal)]);
}

/** @param {HTMLElement} host @param {HTMLElement} letters @param {string[]} allQueues @param {AbortSignal} signal */
async function renderQueues(host, letters, allQueues, signal) {
  const title = /** @type {ChildNode} */ (host.firstChild);
  try {
    const { items } = await api('/v1/admin/queues', { signal });
    host.replaceChildren(
      title,
      el('table', {}, [
        el(
          'thead',
          {},
          el(
            'tr',
            {},
            ['Queue', 'Messages', 'Consumers', 'Dead letters', 'Completed / min', 'Failed / min', ''].map(
              (h) => el('th', { scope: 'col' }, h),
            ),
          ),
        ),
        el(
          'tbody',
          {},
          items.map((/** @type {any} */ q) => {
            const show = el('button', { type: 'button', class: 'secondary' }, `Dead letters of ${q.queue}`);
            show.addEventListener('click', () => renderLetters(letters, allQueues, q.queue, signal));
            return el('tr', {}, [
              el('td', {}, `${q.queue}${q.declared ? '' : ' (not declared yet)'}`),
              el('td', {}, String(q.messages)),
              el('td', {}, String(q.consumers)),
              el('td', {}, String(q.deadLetters)),
              el('td', {}, String(q.completedPerMinute)),
              el('td', {}, String(q.failedPerMinute)),
              el('td', {}, show),
            ]);
          }),
        ),
      ]),
      refreshButton(() => renderQueues(host, letters, allQueues, signal)),
    );
  } catch (err) {
    host.replaceChildren(title, explain(err));
  }
}

/** @param {() => Promise<void>} again */
function refreshButton(again) {
  const b = el('button', { type: 'button', class: 'secondary' }, 'Refresh');
  b.addEventListener('click', () => void again());
  return b;
}

/** @param {HTMLElement} host @param {string[]} allQueues @param {string} queue @param {AbortSignal} signal */
async function renderLetters(host, allQueues, queue, signal) {
  const select = el(
    'select',
    { id: 'dl-queue' },
    allQueues.map((q) => el('option', { value: q }, q)),
  );
  select.value = queue;
  select.addEventListener('change', () => void renderLetters(host, allQueues, select.value, signal));
  const outcome = el('div', { role: 'status', 'aria-live': 'polite' });
  const replayAll = el('button', { type: 'button' }, 'Replay all');
  const purge = el('button', { type: 'button', class: 'danger' }, 'Purge');
  const list = el('div');
  host.replaceChildren(
    el('h2', { id: 'dl-title' }, 'Dead letters'),
    el('div', { class: 'row' }, [
      el('div', { class: 'field' }, [el('label', { for: 'dl-queue' }, 'Queue'), select]),
      replayAll,
      purge,
    ]),
    list,
    outcome,
  );
  const replay = async (/** @type {string | undefined} */ jobId) => {
    try {
      const r = await api(`/v1/admin/dead-letters/${queue}/replay`, {
        method: 'POST',
        json: jobId ? { jobId } : {},
      });
      const text = r.outcomes.length
        ? r.outcomes
            .map(
              (/** @type {any} */ o) =>
                `${o.jobId ?? '(no job)'}: ${o.action}${o.reason ? ` (${o.reason})` : ''}`,
            )
            .join('; ')
        : 'nothing to replay';
      await renderLetters(host, allQueues, queue, signal);
      host.querySelector('[role=status]')?.replaceChildren(el('p', { class: 'ok' }, `Replayed — ${text}`));
      announce(`Replay: ${text}`);
    } catch (err) {
      outcome.replaceChildren(explain(err));
    }
  };
  replayAll.addEventListener('click', () => void replay(undefined));
  purge.addEventListener('click', async () => {
    if (!confirm(`Remove every dead letter of ${queue}? Their jobs are not re-run.`)) return;
    try {
      const r = await api(`/v1/admin/dead-letters/${queue}`, { method: 'DELETE' });
      await renderLetters(host, allQueues, queue, signal);
      host.querySelector('[role=status]')?.replaceChildren(el('p', { class: 'ok' }, `Purged ${r.purged}`));
    } catch (err) {
      outcome.replaceChildren(explain(err));
    }
  });
  try {
    const { items } = await api(`/v1/admin/dead-letters/${queue}`, { signal });
    if (items.length === 0) {
      list.replaceChildren(el('p', {}, `No dead letters in ${queue}.`));
      return;
    }
    list.replaceChildren(
      el('table', {}, [
        el(
          'thead',
          {},
          el(
            'tr',
            {},
            ['Job', 'Type', 'Job status', 'Attempts', 'Reason', 'By', ''].map((h) =>
              el('th', { scope: 'col' }, h),
            ),
          ),
        ),
        el(
          'tbody',
          {},
          items.map((/** @type {any} */ d) => {
            const b = el('button', { type: 'button' }, `Replay ${d.jobId ? d.jobId.slice(0, 8) : ''}`);
            b.addEventListener('click', () => void replay(d.jobId ?? undefined));
            return el('tr', {}, [
              el('td', {}, d.jobId ? el('a', { href: `#job/${d.jobId}` }, d.jobId.slice(0, 8)) : '—'),
              el('td', {}, d.type ?? '—'),
              el('td', {}, d.jobStatus ?? '—'),
              el('td', {}, String(d.attempts ?? '—')),
              el('td', {}, d.reason ?? ''),
              el('td', {}, d.deadLetteredBy),
              el('td', {}, d.jobId ? b : ''),
            ]);
          }),
        ),
      ]),
    );
  } catch (err) {
    list.replaceChildren(explain(err));
  }
}

/** @param {HTMLElement} host @param {AbortSignal} signal */
async function renderHealth(host, signal) {
  const title = /** @type {ChildNode} */ (host.firstChild);
  try {
    const report = await api('/v1/admin/health', { signal });
    host.replaceChildren(
      title,
      el('p', {}, `Reported ${when(report.reportedAt)} (${report.ageSeconds} s ago) by job `),
      json(report),
    );
  } catch (err) {
    host.replaceChildren(title, explain(err));
  }
}

/** @param {HTMLElement} host @param {string[]} tasks */
function renderMaintenance(host, tasks) {
  const select = el(
    'select',
    { id: 'mt-task' },
    tasks.map((t) => el('option', { value: t }, t)),
  );
  const run = el('button', { type: 'submit' }, 'Run now');
  const out = el('div', { role: 'status', 'aria-live': 'polite' });
  const form = el('form', { class: 'row', 'aria-label': 'Run a maintenance task' }, [
    el('div', { class: 'field' }, [el('label', { for: 'mt-task' }, 'Task'), select]),
    run,
  ]);
  form.addEventListener('submit', async (/** @type {Event} */ e) => {
    e.preventDefault();
    try {
      const job = await api(`/v1/admin/maintenance/${select.value}`, { method: 'POST', json: {} });
      out.replaceChildren(
        el('p', { class: 'ok' }, [
          'Queued as ',
          el('a', { href: `#job/${job.id}` }, `job ${job.id.slice(0, 8)}`),
        ]),
      );
    } catch (err) {
      out.replaceChildren(explain(err));
    }
  });
  host.append(form, out);
}
