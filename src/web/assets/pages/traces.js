/**
 * Traces: the search (filters in the URL, one page of results at a time from /api/traces, the
 * cursor in the URL too) and, under `#/traces/<traceId>`, the trace itself (trace-detail.js).
 */
import { getJson } from '../lib/api.js';
import { h } from '../lib/dom.js';
import { emptyState, sendTracesHelp } from '../lib/empty.js';
import { entityKeys } from '../lib/entities.js';
import { fmtDuration, fmtNumber, fmtTime } from '../lib/format.js';
import { probabilityHue } from '../lib/logprobs.js';
import { rangeQuery } from '../lib/time-range.js';

export const PAGE_SIZE = 50;

/** Plain filters: URL parameter = API parameter. */
const PLAIN = ['service', 'model', 'status', 'min_duration', 'min_confidence', 'max_confidence', 'operation', 'name', 'monitor'];

/**
 * The /api/traces query for the page's URL parameters: the plain filters as they are, `replica` and
 * `gpu` as entity filters, `attr.*` / `resource.*` as they are, the shared time range and the cursor.
 * @param {URLSearchParams} params
 * @param {{from: string, to: string}} shared
 */
export function traceQuery(params, shared) {
  const q = new URLSearchParams();
  for (const k of PLAIN) if (params.get(k)) q.set(k, /** @type {string} */ (params.get(k)));
  if (params.get('replica')) q.append('entity', `replica:${params.get('replica')}`);
  if (params.get('gpu')) q.append('entity', `gpu:${params.get('gpu')}`);
  for (const [k, v] of params) if ((k.startsWith('attr.') || k.startsWith('resource.')) && v) q.set(k, v);
  for (const [k, v] of Object.entries(rangeQuery(shared, 'start'))) q.set(k, v);
  if (params.get('cursor')) q.set('cursor', /** @type {string} */ (params.get('cursor')));
  q.set('limit', String(PAGE_SIZE));
  return q;
}

export async function render(view, ctx) {
  if (ctx.rest.length > 0) {
    const detail = await import('./trace-detail.js');
    return detail.render(view, ctx);
  }
  const [answer, services, models, replicas, gpus] = await Promise.all([
    getJson('/api/traces', traceQuery(ctx.params, ctx.shared), ctx.signal),
    entityKeys('service', ctx.signal),
    entityKeys('model', ctx.signal),
    entityKeys('replica', ctx.signal),
    entityKeys('gpu', ctx.signal),
  ]);
  const filtered = [...ctx.params.keys()].some((k) => PLAIN.includes(k) || k === 'replica' || k === 'gpu' || k.startsWith('attr.') || k.startsWith('resource.'));
  ctx.swap(
    h('h1', null, 'Traces'),
    filterForm(ctx, { services, models, replicas, gpus }),
    answer.traces.length === 0
      ? filtered || ctx.params.get('cursor')
        ? emptyState('No trace matches these filters', h('p', null, 'Widen the time range or remove a filter.'))
        : emptyState('No traces in this time range', ...sendTracesHelp())
      : h('section.panel', null, traceTable(answer.traces, ctx), pager(answer.next, ctx)),
  );
}

function datalist(id, values) {
  return h('datalist', { id }, values.slice(0, 500).map((v) => h('option', { value: v })));
}

function filterForm(ctx, lists) {
  const p = ctx.params;
  const field = (label, name, attrs = {}) => h('label', null, label, h('input', { type: 'text', name, value: p.get(name) ?? '', ...attrs }));
  const attrs = [...p.entries()].filter(([k]) => k.startsWith('attr.') || k.startsWith('resource.'));
  const form = h(
    'form.panel.filters',
    {
      id: 'trace-filters',
      role: 'search',
      onsubmit: (e) => {
        e.preventDefault();
        const fd = new FormData(/** @type {HTMLFormElement} */ (e.target));
        /** @type {Record<string, string | null>} */
        const patch = { cursor: null };
        for (const k of [...PLAIN, 'replica', 'gpu']) patch[k] = String(fd.get(k) ?? '').trim() || null;
        const a = String(fd.get('attribute') ?? '').trim();
        const eq = a.indexOf('=');
        if (eq > 0) patch[a.startsWith('resource.') ? a.slice(0, eq) : `attr.${a.slice(0, eq).replace(/^attr\./, '')}`] = a.slice(eq + 1);
        ctx.navigate({ patch });
      },
    },
    field('Service', 'service', { list: 'dl-service', 'data-search': '' }),
    field('Model', 'model', { list: 'dl-model' }),
    field('Replica', 'replica', { list: 'dl-replica' }),
    field('GPU', 'gpu', { list: 'dl-gpu' }),
    h(
      'label',
      null,
      'Status',
      h(
        'select',
        { name: 'status' },
        [['', 'any'], ['ok', 'ok'], ['error', 'error'], ['unset', 'unset']].map(([v, l]) => h('option', { value: v, selected: (p.get('status') ?? '') === v }, l)),
      ),
    ),
    field('Min duration', 'min_duration', { placeholder: '250ms, 2s' }),
    field('Confidence ≥', 'min_confidence', { placeholder: '0–1', inputmode: 'decimal' }),
    field('Confidence ≤', 'max_confidence', { placeholder: '0–1', inputmode: 'decimal' }),
    field('Flagged by monitor', 'monitor', { placeholder: 'e.g. reward_hacking' }),
    field('Attribute', 'attribute', { placeholder: 'key=value' }),
    h('div.row', null, h('button.primary', { type: 'submit' }, 'Search'), h('a', { href: ctx.link('traces') }, 'Clear')),
    datalist('dl-service', lists.services),
    datalist('dl-model', lists.models),
    datalist('dl-replica', lists.replicas),
    datalist('dl-gpu', lists.gpus),
  );
  if (attrs.length)
    form.append(
      h(
        'div.row.small',
        { style: { gridColumn: '1 / -1' } },
        'Attributes: ',
        attrs.map(([k, v]) => h('button', { type: 'button', title: 'Remove', onclick: () => ctx.navigate({ patch: { [k]: null, cursor: null } }) }, `${k}=${v} ✕`)),
      ),
    );
  return form;
}

function confidenceCell(c) {
  if (!c) return h('td.num.muted', null, '–');
  const hue = probabilityHue(c.min);
  return h(
    'td.num',
    { title: `min ${fmtNumber(c.min)} · mean ${fmtNumber(c.mean)} · max ${fmtNumber(c.max)} over ${c.spans} spans` },
    h('span.dot', { style: { background: `hsl(${hue} 70% 48%)` } }),
    fmtNumber(c.mean, 2),
  );
}

function traceTable(traces, ctx) {
  const tbody = h(
    'tbody',
    {
      onkeydown: (e) => {
        if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
        const links = [...tbody.querySelectorAll('a.trace-link')];
        const i = links.indexOf(/** @type {any} */ (document.activeElement));
        if (i < 0) return;
        e.preventDefault();
        /** @type {HTMLElement} */ (links[Math.max(0, Math.min(links.length - 1, i + (e.key === 'ArrowDown' ? 1 : -1)))]).focus();
      },
    },
    traces.map((t) =>
      h(
        'tr',
        { 'data-trace-id': t.traceId },
        h('td', null, fmtTime(t.startTime)),
        h('td', null, h('a.trace-link', { href: ctx.link('traces', [t.traceId]) }, t.rootName || t.traceId.slice(0, 12)), h('span.muted', null, ` ${t.rootService}`)),
        h('td.num', null, fmtDuration(t.durationMs)),
        h('td.num', null, fmtNumber(t.spanCount)),
        h('td.num', { class: t.errorCount ? 'error' : null }, t.errorCount ? fmtNumber(t.errorCount) : '0'),
        h('td', { title: t.models.join(', ') }, t.models.join(', ') || '–'),
        h('td.num', null, `${fmtNumber(t.inputTokens)} / ${fmtNumber(t.outputTokens)}`),
        confidenceCell(t.confidence),
      ),
    ),
  );
  return h(
    'table',
    { id: 'trace-table' },
    h(
      'thead',
      null,
      h('tr', null, h('th', null, 'Start (UTC)'), h('th', null, 'Root span'), h('th.num', null, 'Duration'), h('th.num', null, 'Spans'), h('th.num', null, 'Errors'), h('th', null, 'Models'), h('th.num', null, 'Tokens in / out'), h('th.num', null, 'Confidence')),
    ),
    tbody,
  );
}

function pager(next, ctx) {
  const onFirst = !ctx.params.get('cursor');
  return h(
    'nav.pager',
    { 'aria-label': 'Pages of traces' },
    onFirst ? h('span.muted.small', null, 'Newest first') : h('a', { href: ctx.link('traces', [], { ...Object.fromEntries(ctx.params), cursor: null }), id: 'first-page' }, '« Newest'),
    h('span.spacer'),
    next ? h('a', { href: ctx.link('traces', [], { ...Object.fromEntries(ctx.params), cursor: next }), id: 'next-page' }, 'Older »') : h('span.muted.small', null, 'End of results'),
  );
}
