/**
 * Incidents (GET /api/incidents, GET /api/incidents/:id; the Incident shape of
 * src/incidents/types.ts). The list: open first, then the newest. The detail: a cross-layer
 * timeline — every anomaly's series on one time axis, grouped by layer, the quality symptom and the
 * infrastructure evidence one above the other — then the ranked causes with their evidence, the
 * affected requests (linked to their traces) and the suggested mitigation.
 */
import { getJson, getOptional } from '../lib/api.js';
import { timeChart } from '../lib/chart.js';
import { h } from '../lib/dom.js';
import { emptyState } from '../lib/empty.js';
import { entityKey, entityKind, fmtDuration, fmtNumber, fmtTime } from '../lib/format.js';
import { resolveRange, stepFor } from '../lib/time-range.js';

/** Layers top to bottom on the timeline: the quality symptoms first, the infrastructure under them. */
export const LAYER_ORDER = ['internals', 'confidence', 'behaviour', 'input', 'infrastructure', 'telemetry'];

export async function render(view, ctx) {
  if (ctx.rest.length > 0) return renderDetail(view, ctx, ctx.rest[0]);
  const answer = await getOptional('/api/incidents', {}, ctx.signal, { incidents: [] });
  const status = ctx.params.get('status') ?? 'all';
  const { fromMs, toMs } = resolveRange(ctx.shared, Date.now());
  // Open incidents always show; resolved ones when they overlap the time range.
  const shown = answer.incidents
    .filter((i) => status === 'all' || i.status === status)
    .filter((i) => i.status === 'open' || ((i.endMs ?? toMs) >= fromMs && i.startMs <= toMs))
    .sort((a, b) => (a.status === b.status ? b.startMs - a.startMs : a.status === 'open' ? -1 : 1));
  const tabs = h(
    'div.row',
    { role: 'group', 'aria-label': 'Status' },
    ['all', 'open', 'resolved'].map((s) => h('a.badge', { href: ctx.link('incidents', [], { status: s === 'all' ? null : s }), 'aria-current': s === status ? 'true' : null, class: s === status ? 'ok' : null }, s)),
  );
  ctx.swap(
    h('h1', null, 'Incidents'),
    tabs,
    h('div', { style: { height: '10px' } }),
    answer.notServed
      ? emptyState(
          'Incident detection is not running',
          h('p', null, 'This Strata does not serve ', h('code', null, '/api/incidents'), '. Incidents join anomalies across layers (a confidence drop on a replica and a thermal slowdown on its GPU) as the data streams in.'),
          h('p', null, 'To see one, run ', h('code', null, 'npx strata demo'), ', which simulates a fleet and injects faults.'),
        )
      : shown.length === 0
        ? emptyState(
            answer.incidents.length ? 'No incident matches' : 'No incidents',
            h('p', null, answer.incidents.length ? 'None in this time range and status; widen the range above.' : 'Nothing has gone wrong across the layers, or no data arrives yet. Incidents open when anomalies of connected entities (replica, GPU, host, model) happen close in time.'),
            h('p', null, 'Try ', h('code', null, 'npx strata demo'), ' to see a simulated fault become an incident.'),
          )
        : h('section.panel', null, incidentTable(shown, ctx)),
  );
}

function statusBadge(i) {
  return h('span.badge', { class: i.status === 'open' ? 'bad' : 'ok' }, i.status === 'open' ? 'open' : 'resolved');
}

function incidentTable(list, ctx) {
  return h(
    'table',
    { id: 'incident-table' },
    h('thead', null, h('tr', null, h('th', null, 'Status'), h('th', null, 'Summary'), h('th', null, 'Top cause'), h('th', null, 'Started (UTC)'), h('th.num', null, 'Duration'), h('th.num', null, 'Affected requests'))),
    h(
      'tbody',
      null,
      list.map((i) => {
        const top = i.causes[0];
        return h(
          'tr',
          { 'data-incident': i.id },
          h('td', null, statusBadge(i), i.kind === 'gap' ? h('span.badge.idle', null, 'gap') : null),
          h('td', { title: i.summary }, h('a', { href: ctx.link('incidents', [i.id]) }, i.summary)),
          h('td', null, top ? [h('span.layer-tag', { 'data-layer': top.layer }, top.layer), ' ', `${top.faultType} on ${entityKey(top.entity)}`] : h('span.muted', null, '–')),
          h('td', null, fmtTime(i.startMs)),
          h('td.num', null, fmtDuration((i.endMs ?? Date.now()) - i.startMs)),
          h('td.num', null, fmtNumber(i.affectedRequests)),
        );
      }),
    ),
  );
}

/**
 * The window the timeline shows: from before the first anomaly to after the last observation.
 * @param {{startMs: number, endMs: number | null, updatedMs: number}} inc
 * @param {number} now
 */
export function timelineWindow(inc, now) {
  const end = inc.endMs ?? Math.max(inc.updatedMs, Math.min(now, inc.updatedMs + 15 * 60_000));
  const span = Math.max(10 * 60_000, end - inc.startMs);
  return { fromMs: inc.startMs - Math.round(span * 0.5), toMs: end + Math.round(span * 0.15) };
}

/** The distinct (entity, signal) series of an incident's anomalies, by layer order. */
export function timelineLanes(inc) {
  const lanes = new Map();
  for (const a of inc.anomalies) {
    const key = `${a.entity}|${a.signal}`;
    const lane = lanes.get(key) ?? { entity: a.entity, signal: a.signal, layer: a.layer, anomalies: [] };
    lane.anomalies.push(a);
    lanes.set(key, lane);
  }
  return [...lanes.values()].sort((a, b) => LAYER_ORDER.indexOf(a.layer) - LAYER_ORDER.indexOf(b.layer) || a.anomalies[0].startMs - b.anomalies[0].startMs);
}

/** Metric signals are stored; span-, monitor- and probe-derived series exist only in the detector. */
function isStoredSignal(signal) {
  return !/^(span|monitor|probe|calibration|request)\./.test(signal);
}

/**
 * The lane's series: the stored metric when there is one (narrowed to the entity where its labels
 * name it), else the detector's own view (baseline before the change, the observed level after).
 */
async function laneSeries(lane, win, signal) {
  if (isStoredSignal(lane.signal)) {
    const step = stepFor(win.toMs - win.fromMs, 90);
    const answer = await getJson('/api/metrics', { signal: lane.signal, entity: lane.entity, start: String(win.fromMs), end: String(win.toMs), step: `${step / 1000}s` }, signal).catch(() => null);
    if (answer && answer.series.length) {
      const key = entityKey(lane.entity);
      const own = answer.series.filter((s) => s.service === key || Object.values(s.labels ?? {}).some((v) => v === key || String(v).endsWith(key)));
      const chosen = (own.length ? own : answer.series).slice(0, 6);
      return {
        unit: chosen[0].unit,
        source: 'metrics',
        series: chosen.map((s) => ({
          label: [s.name, ...Object.entries(s.signalLabels ?? {}).map(([k, v]) => `${k}=${v}`)].join(' '),
          points: s.points.map((p) => ({ t: p.t, v: 'v' in p ? p.v : p.quantiles ? p.quantiles['0.9'] ?? p.quantiles['0.99'] ?? null : null })),
        })),
      };
    }
  }
  const points = [];
  for (const a of lane.anomalies) {
    if (a.baseline !== null) points.push({ t: Math.max(win.fromMs, a.startMs - 1), v: a.baseline }, { t: win.fromMs, v: a.baseline });
    points.push({ t: a.startMs, v: a.observed }, { t: a.endMs ?? a.lastMs, v: a.observed });
    if (a.endMs !== null && a.baseline !== null) points.push({ t: a.endMs + 1, v: a.baseline });
  }
  points.sort((x, y) => x.t - y.t);
  return { unit: '', source: 'anomaly', series: [{ label: `${lane.signal} (detector: baseline → observed)`, points }] };
}

async function renderDetail(view, ctx, id) {
  let inc;
  try {
    inc = await getJson(`/api/incidents/${encodeURIComponent(id)}`, undefined, ctx.signal);
  } catch (err) {
    if (err && err.status === 404) {
      ctx.swap(emptyState('No such incident', h('p', null, err.notServed ? 'This Strata does not serve /api/incidents.' : `There is no incident ${id}; it may have been pruned.`), h('p', null, h('a', { href: ctx.link('incidents') }, '← Incidents'))));
      return;
    }
    throw err;
  }
  const win = timelineWindow(inc, Date.now());
  const lanes = timelineLanes(inc);
  const data = await Promise.all(lanes.map((l) => laneSeries(l, win, ctx.signal)));
  const marks = [{ t: inc.startMs, color: undefined }, ...(inc.localisedMs ? [{ t: inc.localisedMs, color: '#888' }] : []), ...(inc.endMs ? [{ t: inc.endMs, color: '#2b9a66' }] : [])];
  const chartEls = lanes.map(() => h('div.chart.small'));
  const examples = uniqueExamples(inc);
  const ok = ctx.swap(
    h('p.small', null, h('a', { href: ctx.link('incidents') }, '← Incidents')),
    h('h1', null, inc.summary),
    h(
      'div.row.small',
      { style: { marginBottom: '10px' } },
      statusBadge(inc),
      h('span', null, `started ${fmtTime(inc.startMs)} UTC`),
      inc.endMs ? h('span', null, `resolved ${fmtTime(inc.endMs)}`) : h('span', null, `updated ${fmtTime(inc.updatedMs)}`),
      inc.localisedMs ? h('span', null, `localised after ${fmtDuration(inc.localisedMs - inc.startMs)}`) : null,
      h('span', null, `${fmtNumber(inc.affectedRequests)} affected requests`),
    ),
    h(
      'section.panel',
      { id: 'timeline' },
      h('h2', null, 'Timeline'),
      h('p.small.muted', null, 'Every anomaly of the incident on one time axis, quality symptoms above, infrastructure below. Dashed lines: start, localisation, resolution.'),
      lanes.length === 0 ? h('p.muted', null, 'This incident carries no anomalies.') : null,
      lanes.map((l, i) =>
        h(
          'div.timeline-lane',
          { 'data-layer': l.layer, 'data-signal': l.signal, 'data-source': data[i].source },
          h('div.chart-title', null, h('span', null, h('span.layer-tag', { 'data-layer': l.layer }, l.layer), ' ', h('strong', null, l.signal), ' on ', h('span.mono', null, l.entity)), h('span.small.muted', null, l.anomalies.map((a) => a.detail).join('; '))),
          chartEls[i],
        ),
      ),
    ),
    h(
      'div.grid',
      null,
      h('section.panel', { id: 'causes' }, h('h2', null, 'Ranked causes'), inc.causes.length ? inc.causes.map((c, i) => causeBlock(c, i, ctx)) : h('p.muted', null, inc.kind === 'gap' ? 'A gap in the telemetry: not blamed on what it watches.' : 'No cause ranked yet.')),
      h(
        'div',
        null,
        h('section.panel', { id: 'mitigation' }, h('h2', null, 'Suggested mitigation'), h('p.mitigation', null, inc.mitigation || '–')),
        h(
          'section.panel',
          { id: 'affected' },
          h('h2', null, `Affected requests (${fmtNumber(inc.affectedRequests)})`),
          examples.length
            ? h('ul', null, examples.map((e) => h('li', null, h('a.mono', { href: ctx.link('traces', [e.traceId], { span: e.spanId }) }, e.traceId), h('span.muted.small', null, ` ${e.signal} on ${entityKey(e.entity)}`))))
            : h('p.muted', null, 'No example requests recorded.'),
          h('p.small', null, ...entityTraceLinks(inc, ctx)),
        ),
        h('section.panel', null, h('h2', null, 'Entities'), h('div.row', null, inc.entities.map((e) => h('span.badge', null, e)))),
      ),
    ),
  );
  if (!ok) return;
  lanes.forEach((l, i) => {
    const d = data[i];
    ctx.onCleanup(timeChart(chartEls[i], { series: d.series, unit: d.unit, fromMs: win.fromMs, toMs: win.toMs, marks, legend: d.series.length > 1, stepped: d.source === 'anomaly' }));
  });
}

function uniqueExamples(inc) {
  const seen = new Set();
  const out = [];
  for (const a of inc.anomalies)
    for (const e of a.examples) {
      if (seen.has(e.traceId)) continue;
      seen.add(e.traceId);
      out.push({ ...e, signal: a.signal, entity: a.entity });
      if (out.length >= 20) return out;
    }
  return out;
}

/** Links to the traces of the incident's replicas and GPUs during the incident. */
function entityTraceLinks(inc, ctx) {
  const links = [];
  for (const e of inc.entities) {
    const kind = entityKind(e);
    if (kind !== 'replica' && kind !== 'gpu' && kind !== 'model') continue;
    const extra = { [kind]: entityKey(e), from: String(inc.startMs - 5 * 60_000), to: inc.endMs ? String(inc.endMs + 60_000) : null };
    links.push(links.length ? ' · ' : 'All traces of ', h('a', { href: ctx.link('traces', [], extra) }, entityKey(e)));
  }
  return links;
}

function causeBlock(c, i, ctx) {
  return h(
    'div.cause',
    { class: i === 0 ? 'top' : null, 'data-cause': c.faultType },
    h('span.score', null, `score ${fmtNumber(c.score, 2)}`),
    h('div', null, h('strong', null, `${i + 1}. ${c.faultType.replaceAll('_', ' ')}`), ' on ', h('span.mono', null, c.entity), ' ', h('span.layer-tag', { 'data-layer': c.layer }, c.layer)),
    h('div.small', null, c.explanation),
    c.evidence.length
      ? h(
          'ul.small',
          null,
          c.evidence.map((e) =>
            h(
              'li',
              null,
              h('span.layer-tag', { 'data-layer': e.layer }, e.layer),
              ` ${e.signal} on ${entityKey(e.entity)}: ${e.detail} (${e.kind}, ${fmtTime(e.startMs)})`,
              e.examples.length ? [' — ', h('a', { href: ctx.link('traces', [e.examples[0].traceId], { span: e.examples[0].spanId }) }, 'example')] : null,
            ),
          ),
        )
      : null,
  );
}
