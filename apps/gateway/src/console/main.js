// @ts-check
/**
 * The Quire console's entry: sign-in, a hash router (#submit, #jobs, #job/<id>, #operator) and the shell around the
 * views. Each view renders into <main> and is given an AbortSignal that fires when the user navigates away, so open
 * event streams close.
 */
import { api, apiKey, loadJobTypes, signIn, signOut, ApiError } from './api.js';
import { el } from './dom.js';
import { submitView, jobsView, jobView } from './jobs.js';
import { operatorView } from './operator.js';

const main = /** @type {HTMLElement} */ (document.getElementById('main'));
const nav = /** @type {HTMLElement} */ (document.getElementById('nav'));
const signOutButton = /** @type {HTMLButtonElement} */ (document.getElementById('sign-out'));
/** @type {AbortController | null} */
let current = null;
/** @type {Awaited<ReturnType<typeof loadJobTypes>> | null} */
let catalog = null;

signOutButton.addEventListener('click', () => {
  signOut();
  // Rendering twice (here and on hashchange) would race two views into <main>: navigate, or render if already there.
  go('');
});
window.addEventListener('hashchange', () => void render());

function signInView() {
  const input = el('input', {
    id: 'api-key',
    name: 'apiKey',
    type: 'password',
    autocomplete: 'off',
    required: '',
  });
  const message = el('p', { role: 'alert', class: 'error' });
  const form = el('form', { class: 'panel', 'aria-labelledby': 'sign-in-title' }, [
    el('h1', { id: 'sign-in-title' }, 'Sign in'),
    el('div', { class: 'field' }, [
      el('label', { for: 'api-key' }, 'API key'),
      input,
      el('span', { class: 'hint' }, 'Kept in this tab only (sessionStorage) and sent as a Bearer token.'),
    ]),
    el('button', { type: 'submit' }, 'Sign in'),
    message,
  ]);
  form.addEventListener('submit', async (/** @type {Event} */ e) => {
    e.preventDefault();
    signIn(input.value.trim());
    try {
      await api('/v1/jobs?limit=1');
      go('#submit');
    } catch (err) {
      signOut();
      message.textContent =
        err instanceof ApiError && err.status === 401
          ? 'That API key was not accepted.'
          : `Sign-in failed: ${String(err)}`;
    }
  });
  main.replaceChildren(form);
  input.focus();
}

/** Shows `hash`: a hash change renders through the hashchange listener, the same hash renders here. @param {string} hash */
function go(hash) {
  if (location.hash === hash) void render();
  else location.hash = hash;
}

async function render() {
  current?.abort();
  current = new AbortController();
  const signedIn = Boolean(apiKey());
  nav.hidden = !signedIn;
  signOutButton.hidden = !signedIn;
  if (!signedIn) return signInView();
  catalog ??= await loadJobTypes();
  const [route, arg] = (location.hash.slice(1) || 'submit').split('/');
  for (const a of nav.querySelectorAll('a')) {
    if (a.getAttribute('href') === `#${route}`) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const signal = current.signal;
  try {
    if (route === 'jobs') await jobsView(main, catalog, signal);
    else if (route === 'job' && arg) await jobView(main, arg, signal);
    else if (route === 'operator') await operatorView(main, catalog, signal);
    else await submitView(main, catalog, signal, arg);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      signOut();
      return render();
    }
    if (!signal.aborted) main.replaceChildren(el('p', { role: 'alert', class: 'error' }, String(err)));
  }
}

void render();
