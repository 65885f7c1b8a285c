// @ts-check
/** The jobs views: submit (per job type), the job list with filters and pages, and one job's detail with history. */
import { api, download, followJob, isTerminal, ApiError } from './api.js';
import { announce, el, json, when } from './dom.js';
import { paramsForm } from './schema-form.js';

/**
 * @typedef {Awaited<ReturnType<typeof import('./api.js').loadJobTypes>>} Catalog
 */

/** @param {HTMLElement} main @param {Catalog} catalog @param {AbortSignal} signal @param {string} [selected] */
export async function submitView(main, catalog, signal, selected) {
  const typeSelect = el(
    'select',
    { id: 'job-type', name: 'type' },
    catalog.types.map((t) => el('option', { value: t.type }, t.type)),
  );
  if (selected && catalog.types.some((t) => t.type === selected)) typeSelect.value = selected;
  const formHost = el('div');
  const live = el('section', { 'aria-label': 'Submitted jobs' });
  main.replaceChildren(
    el('h1', {}, 'Submit a job'),
    el('div', { class: 'field' }, [el('label', { for: 'job-type' }, 'Job type'), typeSelect]),
    formHost,
    live,
  );
  const build = () => {
    const spec = catalog.types.find((t) => t.type === typeSelect.value);
    if (spec) formHost.replaceChildren(jobForm(spec, live, signal));
  };
  typeSelect.addEventListener('change', () => {
    history.replaceState(null, '', `#submit/${typeSelect.value}`);
    build();
  });
  build();
}

/**
 * @param {Catalog['types'][number]} spec @param {HTMLElement} live @param {AbortSignal} signal
 */
function jobForm(spec, live, signal) {
  const prefix = `f-${spec.type}`;
  const params = paramsForm(spec.params, prefix);
  const message = el('p', { role: 'alert', class: 'error' });
  /** @type {File[]} */
  let files = [];
  const children = [el('h2', {}, spec.summary)];
  if (spec.maxFiles > 0) {
    const count = spec.maxFiles === 1 ? 'one PDF' : `${spec.minFiles}–${spec.maxFiles} files`;
    /** @type {HTMLInputElement} */
    const fileInput = el('input', {
      id: `${prefix}-file`,
      name: 'file',
      type: 'file',
      ...(spec.maxFiles > 1 ? { multiple: '' } : {}),
    });
    const chosen = el('span', { class: 'hint', 'aria-live': 'polite' }, 'No file chosen.');
    const drop = el('label', { class: 'drop', for: `${prefix}-file` }, [
      el('span', {}, `Drop ${count} here, or choose: `),
      fileInput,
      el('br'),
      chosen,
    ]);
    const setFiles = (/** @type {File[]} */ list) => {
      files = list.slice(0, spec.maxFiles);
      chosen.textContent = files.length
        ? `Selected: ${files.map((f) => f.name).join(', ')}`
        : 'No file chosen.';
    };
    fileInput.addEventListener('change', () => setFiles([...(fileInput.files ?? [])]));
    drop.addEventListener('dragover', (/** @type {DragEvent} */ e) => {
      e.preventDefault();
      drop.classList.add('over');
    });
    drop.addEventListener('dragleave', () => drop.classList.remove('over'));
    drop.addEventListener('drop', (/** @type {DragEvent} */ e) => {
      e.preventDefault();
      drop.classList.remove('over');
      const dropped = e.dataTransfer?.files;
      if (!dropped) return;
      // The input shows the dropped files too (and a later submit sees one list, whichever way they came).
      fileInput.files = dropped;
      setFiles([...dropped]);
    });
    children.push(drop);
  } else {
    children.push(
      el(
        'p',
        { class: 'hint' },
        'This job type takes no file: it works on another job’s result (sourceJobId).',
      ),
    );
  }
  const button = el('button', { type: 'submit' }, `Submit ${spec.type}`);
  children.push(params.element, button, message);
  const form = el(
    'form',
    { class: 'panel', 'aria-label': `Submit a ${spec.type} job`, novalidate: '' },
    children,
  );
  form.addEventListener('submit', async (/** @type {Event} */ e) => {
    e.preventDefault();
    message.textContent = '';
    try {
      const values = params.read();
      if (files.length < spec.minFiles) throw new Error(`choose at least ${spec.minFiles} file(s)`);
      button.disabled = true;
      let job;
      if (spec.maxFiles > 0) {
        const body = new FormData();
        for (const f of files) body.append('file', f, f.name);
        body.append('params', JSON.stringify(values));
        job = await api(`/v1/jobs/${spec.type}`, { method: 'POST', body });
      } else {
        job = await api(`/v1/jobs/${spec.type}`, { method: 'POST', json: values });
      }
      const card = jobCard(job, signal);
      live.prepend(card);
      announce(`${spec.type} job submitted`);
    } catch (err) {
      message.textContent = err instanceof ApiError ? `${err.code}: ${err.message}` : String(err);
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

/**
 * A live card for a submitted job: progress over SSE, then its downloads or its error.
 * @param {any} job @param {AbortSignal} signal
 */
function jobCard(job, signal) {
  const card = el('section', { class: 'panel', 'aria-label': `Job ${job.id}` });
  const title = el('h2', {}, [el('a', { href: `#job/${job.id}` }, `${job.type} ${job.id.slice(0, 8)}`)]);
  const bar = el('progress', { max: '100', value: '0', 'aria-label': 'Progress' });
  const status = el('p', { 'aria-live': 'polite', class: 'job-status' });
  const after = el('div');
  card.append(title, bar, status, after);
  const show = (/** @type {any} */ j) => {
    bar.value = j.progress?.percent ?? 0;
    status.className = `job-status status-${j.status}`;
    status.textContent = `${j.status}${j.progress?.message ? ` — ${j.progress.message}` : ''} (${Math.round(j.progress?.percent ?? 0)}%)`;
  };
  show(job);
  followJob(job.id, show, signal).then(
    (final) => {
      if (!final || signal.aborted) return;
      show(final);
      announce(`Job ${final.type} ${final.status}`);
      after.replaceChildren(outcome(final));
    },
    (/** @type {unknown} */ err) => {
      if (!signal.aborted) after.replaceChildren(el('p', { role: 'alert', class: 'error' }, String(err)));
    },
  );
  return card;
}

/** Downloads of a completed job, or its error. @param {any} job */
function outcome(job) {
  if (job.status === 'failed' || job.status === 'cancelled')
    return el('p', { class: 'error' }, job.error ? `${job.error.code}: ${job.error.message}` : job.status);
  if (job.status !== 'completed') return el('span');
  const outputs = Array.isArray(job.result?.outputs) ? job.result.outputs : [];
  const box = el('div', { class: 'row' });
  const note = el('span', { role: 'status', class: 'hint' });
  for (const o of outputs) box.append(downloadButton(`Download ${o.name}`, o.url, o.name, note));
  if (outputs.length > 1)
    box.append(downloadButton('Download all (ZIP)', `/v1/jobs/${job.id}/download`, `${job.type}.zip`, note));
  if (outputs.length === 0)
    box.append(el('span', { class: 'hint' }, 'No output files: see the result on the job page.'));
  box.append(note);
  return box;
}

/** @param {string} label @param {string} url @param {string} name @param {HTMLElement} note */
function downloadButton(label, url, name, note) {
  const b = el('button', { type: 'button', class: 'secondary' }, label);
  b.addEventListener('click', async () => {
    try {
      note.textContent = `Downloaded ${await download(url, name)}`;
    } catch (err) {
      note.textContent = `Download failed: ${String(err)}`;
    }
  });
  return b;
}

/** @param {HTMLElement} main @param {Catalog} catalog @param {AbortSignal} signal */
export async function jobsView(main, catalog, signal) {
  const status = el('select', { id: 'filter-status' }, [
    el('option', { value: '' }, 'any'),
    ...catalog.statuses.map((s) => el('option', { value: s }, s)),
  ]);
  const type = el('select', { id: 'filter-type' }, [
    el('option', { value: '' }, 'any'),
    ...catalog.types.map((t) => el('option', { value: t.type }, t.type)),
  ]);
  const tableHost = el('div', { 'aria-live': 'polite' });
  const prev = el('button', { type: 'button', class: 'secondary' }, 'First page');
  const next = el('button', { type: 'button', class: 'secondary' }, 'Next page');
  main.replaceChildren(
    el('h1', {}, 'Jobs'),
    el('form', { class: 'row', 'aria-label': 'Filters' }, [
      el('div', { class: 'field' }, [el('label', { for: 'filter-status' }, 'Status'), status]),
      el('div', { class: 'field' }, [el('label', { for: 'filter-type' }, 'Type'), type]),
    ]),
    tableHost,
    el('div', { class: 'row' }, [prev, next]),
  );
  /** @type {string | null} */
  let cursor = null;
  const load = async (/** @type {string | null} */ from) => {
    const q = new URLSearchParams({ limit: '20' });
    if (status.value) q.set('status', status.value);
    if (type.value) q.set('type', type.value);
    if (from) q.set('cursor', from);
    const page = await api(`/v1/jobs?${q}`, { signal });
    cursor = page.nextCursor;
    next.disabled = !cursor;
    prev.disabled = !from;
    tableHost.replaceChildren(jobTable(/** @type {any[]} */ (page.items)));
  };
  status.addEventListener('change', () => void load(null));
  type.addEventListener('change', () => void load(null));
  next.addEventListener('click', () => void load(cursor));
  prev.addEventListener('click', () => void load(null));
  await load(null);
}

/** @param {any[]} items */
function jobTable(items) {
  if (items.length === 0) return el('p', {}, 'No jobs match.');
  return el('table', {}, [
    el('caption', { class: 'visually-hidden' }, 'Jobs, newest first'),
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        ['Job', 'Type', 'Status', 'Progress', 'Created'].map((h) => el('th', { scope: 'col' }, h)),
      ),
    ),
    el(
      'tbody',
      {},
      items.map((j) =>
        el('tr', {}, [
          el('td', {}, el('a', { href: `#job/${j.id}` }, j.id.slice(0, 8))),
          el('td', {}, j.type),
          el('td', { class: `status-${j.status}` }, j.status),
          el('td', {}, `${Math.round(j.progress?.percent ?? 0)}%`),
          el('td', {}, when(j.createdAt)),
        ]),
      ),
    ),
  ]);
}

/**
 * One job: params, progress (live until terminal), error, result, outputs and its event history.
 * @param {HTMLElement} main @param {string} id @param {AbortSignal} signal
 */
export async function jobView(main, id, signal) {
  const job = await api(`/v1/jobs/${encodeURIComponent(id)}`, { signal });
  const summary = el('div');
  const historyHost = el('div');
  const actions = el('div', { class: 'row' });
  main.replaceChildren(
    el('h1', {}, `Job ${job.type} ${job.id.slice(0, 8)}`),
    summary,
    actions,
    el('h2', {}, 'Event history'),
    historyHost,
  );
  const show = (/** @type {any} */ j) => {
    summary.replaceChildren(
      el('dl', {}, [
        el('dt', {}, 'Id'),
        el('dd', {}, j.id),
        el('dt', {}, 'Status'),
        el(
          'dd',
          { class: `status-${j.status}`, 'aria-live': 'polite' },
          `${j.status} — ${Math.round(j.progress?.percent ?? 0)}% ${j.progress?.message ?? ''}`,
        ),
        el('dt', {}, 'Attempts'),
        el('dd', {}, String(j.attempts)),
        el('dt', {}, 'Created / updated'),
        el('dd', {}, `${when(j.createdAt)} / ${when(j.updatedAt)}`),
      ]),
      el('progress', { max: '100', value: String(j.progress?.percent ?? 0), 'aria-label': 'Progress' }),
      j.error ? el('p', { class: 'error' }, `${j.error.code}: ${j.error.message}`) : '',
      el('h2', {}, 'Params'),
      json(j.params ?? {}),
      outcome(j),
      ...(j.result ? [el('h2', {}, 'Result'), json(j.result)] : []),
    );
  };
  const loadHistory = async () => {
    const h = await api(`/v1/jobs/${job.id}/history`, { signal });
    historyHost.replaceChildren(
      el('table', {}, [
        el(
          'thead',
          {},
          el(
            'tr',
            {},
            ['When', 'From', 'To', 'Attempt', 'Error'].map((c) => el('th', { scope: 'col' }, c)),
          ),
        ),
        el(
          'tbody',
          {},
          h.items.map((/** @type {any} */ e) =>
            el('tr', {}, [
              el('td', {}, when(e.at)),
              el('td', {}, e.from ?? '(created)'),
              el('td', {}, e.to),
              el('td', {}, String(e.attempt)),
              el('td', {}, e.error ? `${e.error.code}: ${e.error.message}` : ''),
            ]),
          ),
        ),
      ]),
    );
  };
  const act = (/** @type {string} */ label, /** @type {() => Promise<unknown>} */ run, cls = 'secondary') => {
    const b = el('button', { type: 'button', class: cls }, label);
    b.addEventListener('click', async () => {
      try {
        await run();
        location.reload();
      } catch (err) {
        actions.append(el('p', { role: 'alert', class: 'error' }, String(err)));
      }
    });
    return b;
  };
  if (job.status === 'failed' || job.status === 'cancelled')
    actions.append(act('Retry', () => api(`/v1/jobs/${job.id}/retry`, { method: 'POST' })));
  if (!isTerminal(job.status))
    actions.append(act('Cancel', () => api(`/v1/jobs/${job.id}`, { method: 'DELETE' }), 'danger'));
  show(job);
  await loadHistory();
  if (!isTerminal(job.status)) {
    const final = await followJob(job.id, show, signal);
    if (final && !signal.aborted) {
      show(final);
      await loadHistory();
    }
  }
}
