/**
 * The UI's shell: navigation, the shared time range and auto-refresh, the theme, keyboard shortcuts
 * and hash routing. Each page is a module under pages/ loaded on first use, exporting
 * `render(view, ctx)`: it fetches what it shows, then calls `ctx.swap(...)` to replace the page's
 * content at once (so the previous content stays until the new one is ready: no empty flash, no
 * layout jump), then draws its charts into the swapped-in elements.
 */
import { ApiError, setApiKey } from './lib/api.js';
import { h, replace, select } from './lib/dom.js';
import { describeRange, RANGE_PRESETS, REFRESH_CHOICES, refreshMs, resolveRange } from './lib/time-range.js';
import { formatHash, linkTo, PAGES, parseHash, sharedOf } from './lib/url-state.js';

const TITLES = {
  overview: 'Overview',
  incidents: 'Incidents',
  traces: 'Traces',
  calibration: 'Calibration',
  behaviour: 'Behaviour',
  infrastructure: 'Infrastructure',
  settings: 'Settings',
};

const LOADERS = {
  overview: () => import('./pages/overview.js'),
  incidents: () => import('./pages/incidents.js'),
  traces: () => import('./pages/traces.js'),
  calibration: () => import('./pages/calibration.js'),
  behaviour: () => import('./pages/behaviour.js'),
  infrastructure: () => import('./pages/infrastructure.js'),
  settings: () => import('./pages/settings.js'),
};

const view = /** @type {HTMLElement} */ (document.getElementById('main'));
const nav = /** @type {HTMLElement} */ (document.getElementById('nav'));
const controls = /** @type {HTMLElement} */ (document.getElementById('controls'));
const topbar = /** @type {HTMLElement} */ (document.querySelector('.topbar'));

/** The render in progress or shown: its abort controller and cleanups. */
let current = { key: '', abort: new AbortController(), cleanups: /** @type {(() => void)[]} */ ([]), busy: false };
let refreshTimer = 0;

function route() {
  return parseHash(location.hash);
}

/**
 * Goes to a view: `patch` sets (or with null removes) parameters of the current view, `page` and
 * `rest` change the page. Pushes a history entry unless `replace`.
 * @param {{page?: string, rest?: string[], patch?: Record<string, string | null | undefined>, replace?: boolean, keep?: boolean}} to
 */
export function navigate(to) {
  const r = route();
  const page = to.page ?? r.page;
  const rest = to.rest ?? (to.page && to.page !== r.page ? [] : r.rest);
  const params = to.keep === false ? new URLSearchParams() : new URLSearchParams(r.params);
  for (const [k, v] of Object.entries(to.patch ?? {})) {
    if (v === null || v === undefined || v === '') params.delete(k);
    else params.set(k, v);
  }
  const hash = formatHash(page, rest, params);
  if (hash === location.hash) return;
  if (to.replace) {
    history.replaceState(null, '', hash);
    render(false);
  } else {
    location.hash = hash;
  }
}

function renderNav() {
  const r = route();
  replace(
    nav,
    PAGES.map((p, i) =>
      h('a', { href: linkTo(r.params, p), 'aria-current': p === r.page ? 'page' : null, title: `${TITLES[p]} (${i + 1})`, dataset: { page: p } }, TITLES[p]),
    ),
  );
}

function renderControls() {
  const r = route();
  const shared = sharedOf(r.params);
  const isPreset = !shared.to && RANGE_PRESETS.some((p) => p.value === shared.from);
  const rangeOptions = [...RANGE_PRESETS, ...(isPreset ? [] : [{ value: 'custom-current', label: describeRange(shared) }]), { value: 'custom', label: 'Custom…' }];
  const custom = h('form.row', {
    id: 'custom-range',
    hidden: true,
    onsubmit: (e) => {
      e.preventDefault();
      const fd = new FormData(/** @type {HTMLFormElement} */ (e.target));
      const from = Date.parse(`${fd.get('from')}Z`);
      const to = Date.parse(`${fd.get('to')}Z`);
      if (Number.isFinite(from) && Number.isFinite(to) && from < to) navigate({ patch: { from: String(from), to: String(to) } });
    },
  });
  const { fromMs, toMs } = resolveRange(shared, Date.now());
  custom.append(
    h('label', null, 'From', h('input', { type: 'datetime-local', name: 'from', step: 1, value: new Date(fromMs).toISOString().slice(0, 19) })),
    h('label', null, 'To', h('input', { type: 'datetime-local', name: 'to', step: 1, value: new Date(toMs).toISOString().slice(0, 19) })),
    h('span.small.muted', null, 'UTC'),
    h('button.primary', { type: 'submit' }, 'Apply'),
  );
  const rangeSelect = select('range', rangeOptions, isPreset ? shared.from : 'custom-current', (v) => {
    if (v === 'custom') {
      custom.hidden = false;
      /** @type {HTMLInputElement} */ (custom.querySelector('input')).focus();
    } else if (v !== 'custom-current') {
      navigate({ patch: { from: v, to: null } });
    }
  }, { 'aria-label': 'Time range', id: 'range' });
  const refreshSelect = select('refresh', REFRESH_CHOICES, shared.refresh, (v) => navigate({ patch: { refresh: v }, replace: true }), {
    'aria-label': 'Auto-refresh',
    id: 'refresh',
  });
  const theme = document.documentElement.dataset.theme ?? 'auto';
  replace(
    controls,
    custom,
    h('label', null, 'Range', rangeSelect),
    h('label', null, 'Refresh', refreshSelect),
    h('button', { type: 'button', id: 'refresh-now', title: 'Refresh now (r)', 'aria-label': 'Refresh now', onclick: () => render(true) }, '↻'),
    h('button', { type: 'button', id: 'theme-toggle', title: 'Theme (t)', 'aria-label': `Theme: ${theme}`, onclick: cycleTheme }, theme === 'dark' ? '☾' : theme === 'light' ? '☀' : '◐'),
  );
}

function cycleTheme() {
  const now = document.documentElement.dataset.theme ?? 'auto';
  const next = now === 'auto' ? 'dark' : now === 'dark' ? 'light' : 'auto';
  if (next === 'auto') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = next;
  try {
    if (next === 'auto') localStorage.removeItem('strata.theme');
    else localStorage.setItem('strata.theme', next);
  } catch {
    // storage unavailable: the theme holds for this page only
  }
  renderControls();
  // Canvas charts read the theme's colours when drawn: draw again.
  render(true);
}

function scheduleRefresh() {
  clearInterval(refreshTimer);
  const ms = refreshMs(sharedOf(route().params).refresh);
  if (ms > 0)
    refreshTimer = setInterval(() => {
      if (!document.hidden && !current.busy) render(true);
    }, ms);
}

/**
 * Renders the current route. `isRefresh`: the same view again with fresh data (auto-refresh, theme).
 * @param {boolean} isRefresh
 */
async function render(isRefresh) {
  const r = route();
  const key = `${r.page}/${r.rest.join('/')}`;
  const pageChanged = key !== current.key;
  current.abort.abort();
  const abort = new AbortController();
  const mine = { key, abort, cleanups: current.cleanups, busy: true };
  current = mine;
  renderNav();
  renderControls();
  scheduleRefresh();
  document.title = `${TITLES[r.page]} · Strata`;
  topbar.classList.add('busy');
  const swap = (/** @type {any[]} */ ...children) => {
    if (abort.signal.aborted) return false;
    for (const c of mine.cleanups.splice(0)) safely(c);
    replace(view, ...children);
    return true;
  };
  const ctx = {
    page: r.page,
    rest: r.rest,
    params: r.params,
    shared: sharedOf(r.params),
    signal: abort.signal,
    isRefresh,
    navigate,
    link: (/** @type {string} */ page, /** @type {string[]} */ rest = [], /** @type {Record<string, string | null | undefined>} */ extra = {}) => linkTo(r.params, page, rest, extra),
    swap,
    onCleanup: (/** @type {() => void} */ fn) => {
      if (abort.signal.aborted) safely(fn);
      else mine.cleanups.push(fn);
    },
  };
  try {
    const mod = await LOADERS[r.page]();
    await mod.render(view, ctx);
    if (pageChanged && !isRefresh && !abort.signal.aborted && !view.contains(document.activeElement)) view.focus({ preventScroll: true });
  } catch (err) {
    if (abort.signal.aborted || (err instanceof DOMException && err.name === 'AbortError')) return;
    swap(errorPanel(err));
  } finally {
    if (current === mine) {
      mine.busy = false;
      topbar.classList.remove('busy');
    }
  }
}

function safely(fn) {
  try {
    fn();
  } catch (err) {
    console.warn('cleanup failed', err);
  }
}

/** @param {unknown} err */
function errorPanel(err) {
  if (err instanceof ApiError && err.unauthorized) {
    return h(
      'section.empty',
      { id: 'api-key-form' },
      h('h2', null, 'An API key is needed'),
      h('p', null, 'This Strata requires an API key on its query API (auth.api_keys). Enter one; it is kept in this browser only.'),
      h(
        'form.row',
        {
          onsubmit: (e) => {
            e.preventDefault();
            setApiKey(String(new FormData(/** @type {HTMLFormElement} */ (e.target)).get('key') ?? '').trim());
            render(true);
          },
        },
        h('input', { type: 'password', name: 'key', 'aria-label': 'API key', autocomplete: 'off', size: 40 }),
        h('button.primary', { type: 'submit' }, 'Use key'),
      ),
    );
  }
  const message = err instanceof Error ? err.message : String(err);
  return h(
    'section.panel',
    { role: 'alert' },
    h('h2.error', null, 'This page could not load'),
    h('p', null, message),
    err instanceof ApiError ? h('p.small.muted', null, `While calling ${err.path} (HTTP ${err.status}).`) : null,
    h('button', { type: 'button', onclick: () => render(true) }, 'Try again'),
  );
}

function onKey(/** @type {KeyboardEvent} */ e) {
  const t = /** @type {HTMLElement} */ (e.target);
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if (t && (t.isContentEditable || ['INPUT', 'SELECT', 'TEXTAREA'].includes(t.tagName))) {
    if (e.key === 'Escape') t.blur();
    return;
  }
  const n = Number(e.key);
  if (Number.isInteger(n) && n >= 1 && n <= PAGES.length) {
    e.preventDefault();
    navigate({ page: PAGES[n - 1] });
  } else if (e.key === 'r') {
    render(true);
  } else if (e.key === 't') {
    cycleTheme();
  } else if (e.key === '/') {
    const first = /** @type {HTMLElement | null} */ (view.querySelector('[data-search]'));
    if (first) {
      e.preventDefault();
      first.focus();
    }
  }
}

document.getElementById('skip-link')?.addEventListener('click', () => view.focus());
document.addEventListener('keydown', onKey);
window.addEventListener('hashchange', () => render(false));
if (!location.hash || location.hash === '#' || location.hash === '#/') history.replaceState(null, '', formatHash('overview', [], {}));
render(false);

