/**
 * Behaviour and internals: monitor flag rates per monitor and model (/api/monitors), with links to
 * the flagged traces (the traces search filtered by monitor), and probe alarm rates with the
 * propositional agreement (Jaccard) per probe and model (/api/probes). `strata monitors eval`
 * measures the monitors themselves (TPR, TNR, g-mean²): its report is not served by the API.
 */
import { getJson } from '../lib/api.js';
import { xyChart } from '../lib/chart.js';
import { h } from '../lib/dom.js';
import { emptyState } from '../lib/empty.js';
import { fmtNumber, fmtPct } from '../lib/format.js';
import { rangeQuery } from '../lib/time-range.js';

export async function render(view, ctx) {
  const model = ctx.params.get('model') ?? '';
  const [monitors, probes] = await Promise.all([
    getJson('/api/monitors', { ...rangeQuery(ctx.shared, 'from'), model: model || null }, ctx.signal),
    getJson('/api/probes', { ...rangeQuery(ctx.shared, 'from'), model: model || null }, ctx.signal),
  ]);
  const chartEl = monitors.monitors.length ? h('div.chart', { id: 'flag-rates' }) : null;
  const ok = ctx.swap(
    h('h1', null, 'Behaviour and internals'),
    model ? h('p', null, `Model ${model} · `, h('a', { href: ctx.link('behaviour') }, 'all models')) : null,
    h(
      'section.panel',
      { id: 'monitors' },
      h('h2', null, 'Monitors'),
      monitors.monitors.length
        ? [
            chartEl,
            h(
              'table',
              null,
              h('thead', null, h('tr', null, h('th', null, 'Monitor'), h('th', null, 'Model'), h('th.num', null, 'Runs'), h('th.num', null, 'Flags'), h('th.num', null, 'Flag rate'), h('th.num', null, 'Mean score'), h('th.num', null, 'Hidden reasoning'), h('th.num', null, 'Judge tokens'), h('th', null, 'Examples'))),
              h(
                'tbody',
                null,
                monitors.monitors.map((m) =>
                  h(
                    'tr',
                    { 'data-monitor': m.monitor },
                    h('td', null, m.monitor),
                    h('td', null, h('a', { href: ctx.link('behaviour', [], { model: m.model }) }, m.model || '–')),
                    h('td.num', null, fmtNumber(m.runs)),
                    h('td.num', null, fmtNumber(m.flags)),
                    h('td.num', { class: m.flagRate > 0.1 ? 'error' : null }, fmtPct(m.flagRate)),
                    h('td.num', null, fmtNumber(m.meanScore)),
                    h('td.num', null, fmtNumber(m.hiddenReasoning)),
                    h('td.num', null, fmtNumber(m.costTokens)),
                    h('td', null, m.flags ? h('a', { href: ctx.link('traces', [], { monitor: m.monitor, model: m.model || null }) }, 'flagged traces') : '–'),
                  ),
                ),
              ),
            ),
          ]
        : emptyState('No monitor results in this range', h('p', null, 'Monitors read the reasoning of responses as they arrive (reasoning parts, ', h('code', null, 'reasoning_content'), ', ', h('code', null, '<think>'), '). Send GenAI spans with reasoning, or route calls through the gateway; configure monitors under ', h('code', null, 'monitors:'), '.'), h('p', null, 'Measure a monitor offline with ', h('code', null, 'npx strata monitors eval FILE'), ' (TPR, TNR, g-mean²).')),
    ),
    h(
      'section.panel',
      { id: 'probes' },
      h('h2', null, 'Probes'),
      probes.probes.length
        ? h(
            'table',
            null,
            h('thead', null, h('tr', null, h('th', null, 'Probe'), h('th', null, 'Model'), h('th.num', null, 'Readings'), h('th.num', null, 'Alarms'), h('th.num', null, 'Alarm rate'), h('th.num', null, 'Mean score'), h('th.num', null, 'Agreement (Jaccard)'))),
            h('tbody', null, probes.probes.map((p) => h('tr', { 'data-probe': p.probe }, h('td', null, p.probe), h('td', null, p.model || '–'), h('td.num', null, fmtNumber(p.readings)), h('td.num', null, fmtNumber(p.alarms)), h('td.num', { class: p.alarmRate > 0.1 ? 'error' : null }, fmtPct(p.alarmRate)), h('td.num', null, fmtNumber(p.meanScore)), h('td.num', null, p.meanAgreement === null ? '–' : fmtNumber(p.meanAgreement))))),
          )
        : emptyState('No probe readings in this range', h('p', null, 'Serving code sends probe readings as ', h('code', null, 'strata.probe.reading'), ' span events (name, layer, score, threshold, propositions), or activation vectors for the linear probes Strata holds (docs/probes.md).')),
    ),
  );
  if (!ok || !chartEl) return;
  const rows = monitors.monitors;
  ctx.onCleanup(
    xyChart(chartEl, {
      xs: rows.map((_, i) => i + 1),
      series: [{ label: 'flag rate (%)', values: rows.map((m) => m.flagRate * 100), bars: true, color: '#c2255c' }],
      xRange: [0, rows.length + 1],
      xLabel: rows.map((m, i) => `${i + 1}: ${m.monitor}`).join('  ').slice(0, 160),
    }),
  );
}
