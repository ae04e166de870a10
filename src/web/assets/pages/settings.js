/**
 * Settings: the running configuration, read-only — gateway routes, scrape targets, monitors,
 * calibration, probes, ports — from GET /api/config (secrets redacted by the server). Where that
 * endpoint is not served, the page says how to read the configuration instead.
 */
import { getOptional } from '../lib/api.js';
import { h } from '../lib/dom.js';
import { emptyState } from '../lib/empty.js';

/** Sections shown first, in this order; any other top-level key follows. */
const ORDER = ['gateway', 'scrape', 'monitors', 'calibration', 'probes', 'capture', 'auth', 'ports', 'storage', 'ingest', 'otlp', 'api', 'host'];

function value(v) {
  if (v === null || v === undefined) return h('span.muted', null, '–');
  if (typeof v !== 'object') return h('span.mono', null, String(v));
  if (Array.isArray(v) && v.every((x) => typeof x !== 'object')) return h('span.mono', null, v.length ? v.join(', ') : '[]');
  return h('pre', null, JSON.stringify(v, null, 2));
}

export async function render(view, ctx) {
  const config = await getOptional('/api/config', {}, ctx.signal, {});
  if (config.notServed) {
    ctx.swap(
      h('h1', null, 'Settings'),
      emptyState(
        'The configuration is not served by this Strata',
        h('p', null, 'This Strata does not serve ', h('code', null, 'GET /api/config'), '. Its configuration is the YAML file given with ', h('code', null, '--config'), ', ', h('code', null, 'STRATA_*'), ' environment variables and flags (see ', h('code', null, 'npx strata serve --help'), ').'),
      ),
    );
    return;
  }
  const keys = Object.keys(config).sort((a, b) => (ORDER.indexOf(a) + 1 || 99) - (ORDER.indexOf(b) + 1 || 99));
  ctx.swap(
    h('h1', null, 'Settings'),
    h('p.small.muted', null, 'The running configuration, read-only; secrets are not shown. Change it in the configuration file and restart.'),
    keys.map((k) =>
      h(
        'section.panel',
        { 'data-section': k },
        h('h2', null, k),
        config[k] && typeof config[k] === 'object' && !Array.isArray(config[k])
          ? h('dl.kv', null, Object.entries(config[k]).map(([kk, vv]) => [h('dt', null, kk), h('dd', null, value(vv))]))
          : value(config[k]),
      ),
    ),
  );
}
