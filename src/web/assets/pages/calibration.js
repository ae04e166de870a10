/**
 * Calibration (GET /api/calibration): how well the stated confidence matches the feedback. The
 * metrics with their bootstrap intervals, the reliability diagram (accuracy per confidence bin, the
 * raw confidence beside the recalibrated one when a map is applied) with the count of each bin, and
 * the same per slice (model version, replica, GPU, …) or over time (`slice=window`).
 */
import { getOptional } from '../lib/api.js';
import { timeChart, xyChart } from '../lib/chart.js';
import { h, select } from '../lib/dom.js';
import { emptyState } from '../lib/empty.js';
import { entityKeys } from '../lib/entities.js';
import { fmtNumber, fmtPct } from '../lib/format.js';
import { rangeQuery, resolveRange, stepFor } from '../lib/time-range.js';

const SLICES = [
  { value: '', label: 'no slices' },
  { value: 'model_version', label: 'model version' },
  { value: 'model', label: 'model' },
  { value: 'replica', label: 'replica' },
  { value: 'gpu', label: 'GPU' },
  { value: 'host', label: 'host' },
  { value: 'route', label: 'gateway route' },
  { value: 'service', label: 'service' },
  { value: 'window', label: 'over time' },
];

const METRICS = [
  ['ece', 'ECE', 'lower is better'],
  ['brier', 'Brier', 'lower is better'],
  ['auroc', 'AUROC', 'higher is better'],
  ['accuracy', 'Accuracy', ''],
  ['adaptiveEce', 'Adaptive ECE', ''],
  ['mce', 'MCE', ''],
  ['aurc', 'AURC', 'lower is better'],
];

export async function render(view, ctx) {
  const p = ctx.params;
  const slice = p.get('slice') ?? '';
  const model = p.get('model') ?? '';
  const { fromMs, toMs } = resolveRange(ctx.shared, Date.now());
  const window = slice === 'window' ? `${Math.max(60, stepFor(toMs - fromMs, 24) / 1000)}s` : null;
  const [answer, models] = await Promise.all([
    getOptional('/api/calibration', { ...rangeQuery(ctx.shared, 'from'), slice: slice || null, model: model || null, window, resamples: 200 }, ctx.signal, { n: 0, overall: null, slices: [] }),
    entityKeys('model', ctx.signal),
  ]);
  const controls = h(
    'div.row.panel',
    null,
    h('label', null, 'Model ', select('model', [{ value: '', label: 'all models' }, ...models.map((m) => ({ value: m, label: m }))], model, (v) => ctx.navigate({ patch: { model: v || null } }), { 'data-search': '' })),
    h('label', null, 'Slice by ', select('slice', SLICES, slice, (v) => ctx.navigate({ patch: { slice: v || null } }))),
    answer.resamples !== undefined ? h('span.small.muted', null, `${fmtNumber(answer.n)} labelled responses · ${answer.resamples} bootstrap resamples${answer.truncated ? ' · truncated' : ''}`) : null,
  );
  if (answer.notServed || !answer.overall) {
    ctx.swap(
      h('h1', null, 'Calibration'),
      controls,
      emptyState(
        answer.notServed ? 'Calibration is not enabled on this Strata' : 'No labelled responses in this range',
        h('p', null, 'Calibration joins each response\u2019s confidence (token log probabilities through the gateway, or a stated confidence) with ground truth you send later:'),
        h('pre', { tabindex: 0 }, `curl -X POST http://${location.host}/api/feedback \\\n  -H 'Content-Type: application/json' \\\n  -d '{"response_id": "chatcmpl-123", "correct": true}'`),
        h('p', null, 'Or import a file: ', h('code', null, 'POST /api/feedback/import'), ' (JSON Lines or CSV), or run ', h('code', null, 'npx strata demo'), '.'),
      ),
    );
    return;
  }
  const o = answer.overall;
  const relEl = h('div.chart.reliability', { id: 'reliability' });
  const countEl = h('div.chart.small', { id: 'bin-counts' });
  const timeEl = slice === 'window' ? h('div.chart', { id: 'ece-over-time' }) : null;
  const ok = ctx.swap(
    h('h1', null, 'Calibration'),
    controls,
    h('section.panel', { id: 'calibration-metrics' }, h('div.metrics', null, METRICS.map(([k, label, hint]) => metricCard(label, o[k], o.intervals?.[k], hint)), metricCard('Mean confidence', o.meanConfidence, null, ''))),
    h(
      'div.grid',
      null,
      h('section.panel', null, h('h2', null, 'Reliability diagram'), h('p.small.muted', null, 'Accuracy per confidence bin; on the diagonal a confidence means what it says.'), relEl),
      h(
        'section.panel',
        null,
        h('h2', null, 'Responses per bin'),
        countEl,
        o.recalibrated
          ? h('p.small', { id: 'recalibrated' }, `Recalibrated (${fmtNumber(o.recalibrated.n)} responses carrying a map): ECE ${fmtNumber(o.recalibrated.ece)} vs raw ${fmtNumber(o.recalibrated.rawEce)}; Brier ${fmtNumber(o.recalibrated.brier)} vs raw ${fmtNumber(o.recalibrated.rawBrier)}.`)
          : h('p.small.muted', null, 'No recalibration map applied (POST /api/calibration/fit fits one).'),
      ),
    ),
    timeEl ? h('section.panel', null, h('h2', null, 'ECE over time'), timeEl) : null,
    answer.slices.length ? h('section.panel', null, h('h2', null, `Per ${SLICES.find((s) => s.value === (answer.slice ?? slice))?.label ?? answer.slice}`), sliceTable(answer.slices)) : null,
  );
  if (!ok) return;
  const mids = o.bins.map((b) => (b.lower + b.upper) / 2);
  const series = [{ label: 'accuracy (raw)', values: o.bins.map((b) => b.accuracy), color: '#2f6fed' }];
  if (o.recalibrated) series.push({ label: 'accuracy (recalibrated)', values: o.recalibrated.bins.map((b) => b.accuracy), color: '#2b9a66' });
  series.push({ label: 'mean confidence', values: o.bins.map((b) => b.meanConfidence), color: '#999999' });
  ctx.onCleanup(xyChart(relEl, { xs: mids, series, xRange: [0, 1], yRange: [0, 1], xLabel: 'confidence', yLabel: 'accuracy', diagonal: true }));
  ctx.onCleanup(xyChart(countEl, { xs: mids, series: [{ label: 'responses', values: o.bins.map((b) => b.count), bars: true, color: '#7048e8' }], xRange: [0, 1] }));
  if (timeEl) {
    const points = answer.slices.map((s) => ({ t: Date.parse(s.key) || Number(s.key) * 1000, v: s.ece })).filter((x) => Number.isFinite(x.t));
    ctx.onCleanup(timeChart(timeEl, { series: [{ label: 'ECE', points }], fromMs, toMs }));
  }
}

function metricCard(label, value, interval, hint) {
  return h(
    'div.metric',
    { 'data-metric': label },
    h('div.small.muted', null, label),
    h('div.v', null, fmtNumber(value)),
    h('div.ci', null, interval ? `95% CI ${fmtNumber(interval.low)} – ${fmtNumber(interval.high)}` : hint || '\u00a0'),
  );
}

function sliceTable(slices) {
  return h(
    'table',
    { id: 'slice-table' },
    h('thead', null, h('tr', null, h('th', null, 'Slice'), h('th.num', null, 'n'), h('th.num', null, 'Accuracy'), h('th.num', null, 'Mean conf.'), h('th.num', null, 'ECE'), h('th.num', null, 'ECE 95% CI'), h('th.num', null, 'Brier'), h('th.num', null, 'AUROC'))),
    h(
      'tbody',
      null,
      [...slices]
        .sort((a, b) => b.ece - a.ece)
        .map((s) =>
          h(
            'tr',
            { 'data-slice': s.key },
            h('td', null, s.key || h('span.muted', null, '(none)')),
            h('td.num', null, fmtNumber(s.n)),
            h('td.num', null, fmtPct(s.accuracy)),
            h('td.num', null, fmtNumber(s.meanConfidence)),
            h('td.num', { class: s.ece > 0.1 ? 'error' : null }, fmtNumber(s.ece)),
            h('td.num', null, s.intervals?.ece ? `${fmtNumber(s.intervals.ece.low)} – ${fmtNumber(s.intervals.ece.high)}` : '–'),
            h('td.num', null, fmtNumber(s.brier)),
            h('td.num', null, fmtNumber(s.auroc)),
          ),
        ),
    ),
  );
}
