/**
 * Infrastructure: GPU and serving-engine charts from /api/metrics?signal=… (one chart per canonical
 * signal, one line per GPU or replica, server-side averaged per step), narrowed to one GPU or
 * replica by `gpu=` / `replica=`, and the scrape targets' health from /api/health.
 */
import { getJson } from '../lib/api.js';
import { metricSeries, timeChart } from '../lib/chart.js';
import { h, select } from '../lib/dom.js';
import { emptyState, sendMetricsHelp } from '../lib/empty.js';
import { entityKeys } from '../lib/entities.js';
import { fmtTime } from '../lib/format.js';
import { rangeQuery, resolveRange, stepFor } from '../lib/time-range.js';

/** The charts, in order: [signal, title, unit, quantile for histograms]. */
export const GPU_CHARTS = [
  ['gpu.utilization', 'GPU utilisation', '1'],
  ['gpu.clock.sm', 'SM clock', 'Hz'],
  ['gpu.throttled', 'Clocks held down (by reason)', '1'],
  ['gpu.temperature', 'Temperature', 'Cel'],
  ['gpu.power.draw', 'Power draw', 'W'],
  ['gpu.memory.used', 'Memory used', 'By'],
  ['gpu.xid', 'Last XID', '1'],
  ['gpu.nvlink.errors', 'NVLink errors', '{error}'],
];
export const ENGINE_CHARTS = [
  ['engine.kv_cache.usage', 'KV cache usage', '1'],
  ['engine.requests.waiting', 'Queue (waiting requests)', '{request}'],
  ['engine.preemptions', 'Preemptions per second', '{preemption}'],
  ['engine.ttft', 'Time to first token (p50 / p90 / p99)', 's', true],
  ['engine.itl', 'Inter-token latency (p50 / p90 / p99)', 's', true],
];

/** A series' label: the GPU (UUID label) or the replica (service / instance), plus signal labels. */
function seriesLabel(s) {
  const who = s.labels?.UUID ?? s.labels?.['gpu.uuid'] ?? s.labels?.gpu ?? s.service ?? s.name;
  const extra = Object.entries(s.signalLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  return [who, ...extra].join(' ');
}

export async function render(view, ctx) {
  const p = ctx.params;
  const gpu = p.get('gpu') ?? '';
  const replica = p.get('replica') ?? '';
  const { fromMs, toMs } = resolveRange(ctx.shared, Date.now());
  const step = `${stepFor(toMs - fromMs, 120) / 1000}s`;
  const query = (signal, entity, quantiles) => getJson('/api/metrics', { signal, ...rangeQuery(ctx.shared, 'start'), step, entity: entity || null, quantile: quantiles ? '0.5,0.9,0.99' : null }, ctx.signal).catch((err) => ({ series: [], error: err.message }));
  const [gpus, replicas, health, ...answers] = await Promise.all([
    entityKeys('gpu', ctx.signal),
    entityKeys('replica', ctx.signal),
    getJson('/api/health', {}, ctx.signal).catch(() => ({})),
    ...GPU_CHARTS.map(([s]) => query(s, gpu ? `gpu:${gpu}` : '')),
    ...ENGINE_CHARTS.map(([s, , , q]) => query(s, replica ? `replica:${replica}` : '', q)),
  ]);
  const charts = [...GPU_CHARTS, ...ENGINE_CHARTS];
  const narrow = (answer, key) => {
    if (!key) return answer.series;
    const own = answer.series.filter((s) => s.service === key || Object.values(s.labels ?? {}).includes(key));
    return own.length ? own : answer.series;
  };
  const data = charts.map(([, , , q], i) => {
    const key = i < GPU_CHARTS.length ? gpu : replica;
    const series = narrow(answers[i], key);
    if (q) return ['0.5', '0.9', '0.99'].flatMap((qq) => metricSeries(series, (s) => `${seriesLabel(s)} p${Number(qq) * 100}`, qq)).slice(0, 12);
    return metricSeries(series, seriesLabel).slice(0, 12);
  });
  const none = data.every((d) => d.length === 0);
  const els = charts.map(() => h('div.chart'));
  const targets = Array.isArray(health.scrapeTargets) ? health.scrapeTargets : [];
  const ok = ctx.swap(
    h('h1', null, 'Infrastructure'),
    h(
      'div.row.panel',
      null,
      h('label', null, 'GPU ', select('gpu', [{ value: '', label: 'all GPUs' }, ...gpus.map((g) => ({ value: g, label: g }))], gpu, (v) => ctx.navigate({ patch: { gpu: v || null } }), { 'data-search': '' })),
      h('label', null, 'Replica ', select('replica', [{ value: '', label: 'all replicas' }, ...replicas.map((r) => ({ value: r, label: r }))], replica, (v) => ctx.navigate({ patch: { replica: v || null } }))),
    ),
    none ? emptyState('No GPU or engine metrics in this range', ...sendMetricsHelp()) : null,
    h('h2', null, 'GPUs'),
    h('div.grid', null, GPU_CHARTS.map(([signal, title], i) => h('section.panel', { 'data-signal': signal }, h('div.chart-title', null, h('h3', null, title), h('span.small.muted.mono', null, signal)), els[i]))),
    h('h2', null, 'Serving engines'),
    h('div.grid', null, ENGINE_CHARTS.map(([signal, title], j) => h('section.panel', { 'data-signal': signal }, h('div.chart-title', null, h('h3', null, title), h('span.small.muted.mono', null, signal)), els[GPU_CHARTS.length + j]))),
    h(
      'section.panel',
      { id: 'targets' },
      h('h2', null, 'Scrape targets'),
      targets.length
        ? h('table', null, h('thead', null, h('tr', null, h('th', null, 'Target'), h('th', null, 'Health'), h('th', null, 'Last scrape'), h('th', null, 'Error'))), h('tbody', null, targets.map(targetRow)))
        : h('p.muted', null, 'No scrape targets configured (scrape: in the configuration), or the API key lacks access to /api/health details.'),
    ),
  );
  if (!ok) return;
  charts.forEach(([, , unit], i) => ctx.onCleanup(timeChart(els[i], { series: data[i], unit, fromMs, toMs, legend: data[i].length > 1 && data[i].length <= 6 })));
}

function targetRow(t) {
  return h(
    'tr',
    { 'data-target': t.url },
    h('td', null, `${t.url}`, h('span.muted.small', null, ` ${t.kind ?? ''} ${t.job ?? ''}`)),
    h('td', null, h('span.badge', { class: t.up ? 'ok' : 'bad' }, t.up ? 'up' : 'down')),
    h('td', null, fmtTime(t.lastScrapeUnixMs)),
    h('td', { title: t.lastError ?? '' }, t.lastError ?? ''),
  );
}
