/**
 * Overview: open incidents on top, then one strip per layer (internals, confidence, behaviour,
 * operations, infrastructure) with its health now and a chart over the selected range, then the
 * fleet as a small topology (routes → models → replicas → GPUs → hosts) coloured by state. Every
 * call is an aggregate the server computes; they run in parallel.
 */
import { getJson, getOptional } from '../lib/api.js';
import { metricSeries, timeChart } from '../lib/chart.js';
import { h } from '../lib/dom.js';
import { emptyState, sendTracesHelp } from '../lib/empty.js';
import { entities } from '../lib/entities.js';
import { entityKey, fmtDuration, fmtNumber, fmtPct, fmtTime } from '../lib/format.js';
import { rangeQuery, resolveRange, stepFor } from '../lib/time-range.js';

/** An entity not seen for this long shows as stale in the topology. */
export const STALE_MS = 10 * 60_000;

/**
 * A health state from a value and its warn / bad thresholds (higher is worse); idle without a value.
 * @param {number | null | undefined} v
 * @param {number} warn
 * @param {number} bad
 */
export function healthOf(v, warn, bad) {
  if (v === null || v === undefined || !Number.isFinite(v)) return 'idle';
  return v >= bad ? 'bad' : v >= warn ? 'warn' : 'ok';
}

function worst(...states) {
  for (const s of ['bad', 'warn', 'ok']) if (states.includes(s)) return s;
  return 'idle';
}

export async function render(view, ctx) {
  const { fromMs, toMs } = resolveRange(ctx.shared, Date.now());
  const step = `${stepFor(toMs - fromMs, 80) / 1000}s`;
  const metric = (signal, extra = {}) =>
    getJson('/api/metrics', { signal, ...rangeQuery(ctx.shared, 'start'), step, ...extra }, ctx.signal).catch(() => ({ series: [] }));
  const [incidents, probes, monitors, calibration, ttft, gpuUtil, topo, traces, config] = await Promise.all([
    getOptional('/api/incidents', {}, ctx.signal, { incidents: [] }).catch(() => ({ incidents: [] })),
    getJson('/api/probes', rangeQuery(ctx.shared, 'from'), ctx.signal).catch(() => ({ probes: [] })),
    getJson('/api/monitors', rangeQuery(ctx.shared, 'from'), ctx.signal).catch(() => ({ monitors: [] })),
    getOptional('/api/calibration', { ...rangeQuery(ctx.shared, 'from'), resamples: 0 }, ctx.signal, { overall: null }).catch(() => ({ overall: null })),
    metric('engine.ttft', { quantile: '0.9' }),
    metric('gpu.utilization'),
    entities(null, ctx.signal).catch(() => ({ entities: [], edges: [] })),
    getJson('/api/traces', { ...rangeQuery(ctx.shared, 'start'), limit: 1 }, ctx.signal).catch(() => ({ traces: [] })),
    getOptional('/api/config', {}, ctx.signal, {}).catch(() => ({})),
  ]);
  const open = incidents.incidents.filter((i) => i.status === 'open').sort((a, b) => b.startMs - a.startMs);
  const incidentLayers = new Set(open.flatMap((i) => i.anomalies.map((a) => a.layer)));
  const incidentEntities = new Set(open.flatMap((i) => [...i.entities, ...i.causes.slice(0, 1).map((c) => c.entity)]));
  const sum = (xs, f) => xs.reduce((s, x) => s + f(x), 0);
  const readings = sum(probes.probes, (p) => p.readings);
  const alarmRate = readings ? sum(probes.probes, (p) => p.alarms) / readings : null;
  const runs = sum(monitors.monitors, (m) => m.runs);
  const flagRate = runs ? sum(monitors.monitors, (m) => m.flags) / runs : null;
  const ece = calibration.overall?.ece ?? null;
  const lastTtft = lastValue(metricSeries(ttft.series, (s) => s.name, '0.9'));
  const lastUtil = lastValue(metricSeries(gpuUtil.series, (s) => s.name));
  const layerState = (layer, own) => worst(incidentLayers.has(layer) ? 'bad' : 'idle', own);

  const strips = [
    { layer: 'internals', name: 'Model internals', now: alarmRate === null ? '–' : fmtPct(alarmRate), detail: readings ? `probe alarms · ${fmtNumber(readings)} readings` : 'no probe readings', state: layerState('internals', healthOf(alarmRate, 0.02, 0.1)), href: ctx.link('behaviour') },
    { layer: 'confidence', name: 'Confidence & calibration', now: ece === null ? '–' : fmtNumber(ece), detail: ece === null ? 'no labelled responses' : `ECE · ${fmtNumber(calibration.overall.n)} labelled`, state: layerState('confidence', healthOf(ece, 0.08, 0.15)), href: ctx.link('calibration') },
    { layer: 'behaviour', name: 'Behaviour', now: flagRate === null ? '–' : fmtPct(flagRate), detail: runs ? `monitor flags · ${fmtNumber(runs)} runs` : 'no monitor runs', state: layerState('behaviour', healthOf(flagRate, 0.03, 0.1)), href: ctx.link('behaviour') },
    { layer: 'operations', name: 'Operations', now: lastTtft === null ? '–' : fmtDuration(lastTtft * 1000), detail: 'time to first token, p90', state: worst(incidentLayers.has('infrastructure') && open.some((i) => i.anomalies.some((a) => /ttft|itl|latency|queue|duration/.test(a.signal))) ? 'bad' : 'idle', lastTtft === null ? 'idle' : 'ok'), href: ctx.link('infrastructure'), chart: metricSeries(ttft.series, (s) => entityKey(s.service || s.name), '0.9').slice(0, 8), unit: 's' },
    { layer: 'infrastructure', name: 'Infrastructure', now: lastUtil === null ? '–' : fmtPct(lastUtil), detail: 'GPU utilisation', state: layerState('infrastructure', lastUtil === null ? 'idle' : 'ok'), href: ctx.link('infrastructure'), chart: metricSeries(gpuUtil.series, (s) => s.labels?.UUID ?? s.labels?.['gpu.uuid'] ?? s.service).slice(0, 8), unit: '1' },
  ];
  const chartEls = strips.map((s) => (s.chart ? h('div.chart') : null));
  const nothing = traces.traces.length === 0 && topo.entities.length === 0;
  const ok = ctx.swap(
    h('h1', null, 'Overview'),
    nothing ? emptyState('Strata has no data yet', ...sendTracesHelp()) : null,
    open.length
      ? h(
          'section.panel',
          { id: 'open-incidents' },
          h('h2', null, `Open incidents (${open.length})`),
          h('ul', null, open.slice(0, 5).map((i) => h('li', null, h('span.badge.bad', null, 'open'), ' ', h('a', { href: ctx.link('incidents', [i.id]) }, i.summary), h('span.small.muted', null, ` since ${fmtTime(i.startMs)}`)))),
        )
      : h('section.panel', { id: 'open-incidents' }, h('span.dot.ok'), incidents.notServed ? h('span.muted', null, 'Incident detection is not running on this Strata.') : 'No open incidents.'),
    h(
      'section.strips',
      { id: 'layers' },
      strips.map((s, i) =>
        h(
          'div.strip',
          { 'data-layer': s.layer, 'data-state': s.state },
          h('div', null, h('div.name', null, h('span.dot', { class: s.state }), h('a', { href: s.href }, s.name)), h('div.small.muted', null, s.detail)),
          h('div.now', null, s.now),
          chartEls[i] ?? h('div.small.muted', null, s.state === 'bad' ? 'an open incident has an anomaly in this layer' : ''),
        ),
      ),
    ),
    h('section.panel', { id: 'topology' }, h('h2', null, 'Fleet'), topology(topo, incidentEntities, config)),
  );
  if (!ok) return;
  strips.forEach((s, i) => {
    if (chartEls[i]) ctx.onCleanup(timeChart(chartEls[i], { series: s.chart, unit: s.unit, fromMs, toMs, legend: false, emptyText: 'no data in this range' }));
  });
}

function lastValue(series) {
  let best = null;
  let t = -Infinity;
  for (const s of series)
    for (const p of s.points)
      if (p.v !== null && p.t >= t) {
        t = p.t;
        best = p.v;
      }
  return best;
}

/**
 * Columns of the fleet: gateway routes (from the configuration, when served), models, replicas,
 * GPUs, hosts; an entity of an open incident is red, one not seen lately is dashed.
 */
function topology(topo, bad, config) {
  const byKind = (k) => topo.entities.filter((e) => e.kind === k);
  const now = Date.now();
  const node = (e) => {
    const cls = bad.has(e.id) ? 'bad' : now - Date.parse(e.lastSeen) > STALE_MS ? 'stale' : null;
    const related = topo.edges.filter((x) => x.from === e.id || x.to === e.id).map((x) => (x.from === e.id ? `${x.relation} ${x.to}` : `${x.from} ${x.relation}`));
    return h('div.node', { class: cls, title: [e.id, `last seen ${fmtTime(e.lastSeen)}`, ...related].join('\n'), 'data-entity': e.id }, e.key);
  };
  const routes = Array.isArray(config?.gateway?.routes) ? config.gateway.routes.map((r) => ({ id: `route:${r.model}`, key: r.model, lastSeen: new Date(now).toISOString() })) : [];
  const cols = [
    ...(routes.length ? [['Routes', routes]] : []),
    ['Models', byKind('model')],
    ['Replicas', byKind('replica')],
    ['GPUs', byKind('gpu')],
    ['Hosts', byKind('host')],
  ];
  if (cols.every(([, list]) => list.length === 0)) return h('p.muted', null, 'No models, replicas, GPUs or hosts seen yet.');
  return h(
    'div.topology',
    { style: { gridTemplateColumns: `repeat(${cols.length}, minmax(120px, 1fr))` } },
    cols.map(([title, list]) => h('div.col', null, h('h3', null, `${title} (${list.length})`), list.slice(0, 40).map(node), list.length > 40 ? h('div.small.muted', null, `+${list.length - 40} more`) : null)),
  );
}
