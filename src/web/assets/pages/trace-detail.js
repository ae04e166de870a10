/**
 * One trace (`#/traces/<traceId>?span=<spanId>`): the waterfall on canvas, and the selected span —
 * its GenAI fields and confidence, the monitors' verdicts, the messages as a chat with the output
 * coloured token by token from `strata.logprobs`, then every attribute, event and entity. Selecting
 * a span rewrites the URL in place (no refetch, no history entry per click).
 */
import { getJson } from '../lib/api.js';
import { renderChat } from '../lib/chat.js';
import { h, replace } from '../lib/dom.js';
import { emptyState } from '../lib/empty.js';
import { entityKey, entityKind, fmtDuration, fmtNumber, fmtPct, fmtTime } from '../lib/format.js';
import { decodeLogprobs } from '../lib/logprobs.js';
import { renderTokenHeatmap } from '../lib/token-heatmap.js';
import { mountWaterfall } from '../lib/waterfall.js';
import { formatHash, parseHash } from '../lib/url-state.js';

const LOGPROBS_ATTRIBUTE = 'strata.logprobs';

export async function render(view, ctx) {
  const traceId = ctx.rest[0];
  // A trace does not change under a refresh often enough to redraw 10,000 rows for it.
  if (ctx.isRefresh && view.querySelector(`[data-trace="${CSS.escape(traceId)}"]`)) return;
  let trace;
  try {
    trace = await getJson(`/api/traces/${encodeURIComponent(traceId)}`, undefined, ctx.signal);
  } catch (err) {
    if (err && (err.status === 404 || err.status === 400)) {
      ctx.swap(emptyState('No such trace', h('p', null, err.message), h('p', null, h('a', { href: ctx.link('traces') }, '← Back to traces'))));
      return;
    }
    throw err;
  }
  const results = await getJson('/api/monitors/results', { trace_id: traceId }, ctx.signal).catch(() => ({ results: [] }));
  const spans = trace.spans;
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const wanted = ctx.params.get('span');
  const initial = wanted && byId.has(wanted) ? wanted : defaultSpan(spans);

  let t0 = null;
  let t1 = null;
  for (const s of spans) {
    const a = BigInt(s.startTimeUnixNano);
    const b = BigInt(s.endTimeUnixNano);
    if (t0 === null || a < t0) t0 = a;
    if (t1 === null || b > t1) t1 = b;
  }
  const errors = spans.filter((s) => s.status.code === 'error').length;
  const root = spans.find((s) => !s.parentSpanId || !byId.has(s.parentSpanId)) ?? spans[0];
  const wf = h('div.waterfall', { id: 'waterfall' });
  const side = h('div', { id: 'span-detail' });
  const ok = ctx.swap(
    h(
      'div',
      { 'data-trace': traceId },
      h('p.small', null, h('a', { href: ctx.link('traces') }, '← Traces')),
      h('h1', null, root.name, h('span.muted', null, ` · ${root.service}`)),
      h(
        'div.row.small.muted',
        { style: { marginBottom: '10px' } },
        h('span', null, `Trace ${traceId}`),
        h('span', null, fmtTime(root.startTime)),
        h('span', null, fmtDuration(t0 !== null && t1 !== null ? Number(t1 - t0) / 1e6 : null)),
        h('span', null, `${fmtNumber(spans.length)} spans`),
        errors ? h('span.badge.bad', null, `${errors} errors`) : null,
      ),
      h('div.detail-layout', null, h('section', null, wf), h('section', null, side)),
    ),
  );
  if (!ok) return;
  const tooltip = /** @type {HTMLElement} */ (document.getElementById('tooltip'));
  const showSpan = (spanId) => replace(side, spanPanel(byId.get(spanId), results.results.filter((r) => r.spanId === spanId), ctx, tooltip));
  const waterfall = mountWaterfall(
    wf,
    spans.map((s) => ({
      spanId: s.spanId,
      parentSpanId: s.parentSpanId,
      name: s.name,
      service: s.service,
      startNs: BigInt(s.startTimeUnixNano),
      endNs: BigInt(s.endTimeUnixNano),
      error: s.status.code === 'error',
    })),
    {
      selected: initial,
      tooltip,
      onSelect: (spanId) => {
        const r = parseHash(location.hash);
        r.params.set('span', spanId);
        history.replaceState(null, '', formatHash(r.page, r.rest, r.params));
        showSpan(spanId);
      },
    },
  );
  ctx.onCleanup(() => waterfall.destroy());
  showSpan(initial);
}

/** The span to open first: one with token logprobs, else one with output messages, else the root. */
function defaultSpan(spans) {
  return (
    spans.find((s) => s.attributes && typeof s.attributes[LOGPROBS_ATTRIBUTE] === 'string')?.spanId ??
    spans.find((s) => s.genai?.outputMessages?.length)?.spanId ??
    spans[0].spanId
  );
}

function kv(pairs) {
  return h(
    'dl.kv',
    null,
    pairs.filter(([, v]) => v !== null && v !== undefined && v !== '').map(([k, v]) => [h('dt', { title: k }, k), h('dd', null, v instanceof Node ? v : typeof v === 'number' ? fmtNumber(v, 4) : String(v))]),
  );
}

function spanPanel(span, monitorResults, ctx, tooltip) {
  const g = span.genai ?? {};
  const c = span.confidence;
  const evidence = monitorResults.flatMap((r) => (r.flag && Array.isArray(r.evidence) ? r.evidence.map((e) => e.text) : []));
  const decoded = span.attributes && span.attributes[LOGPROBS_ATTRIBUTE] !== undefined ? decodeLogprobs(span.attributes[LOGPROBS_ATTRIBUTE]) : null;
  const heatmap = decoded ? renderTokenHeatmap(decoded, tooltip) : null;
  const messages = [
    ...(g.systemInstructions?.length ? [{ role: 'system', parts: g.systemInstructions }] : []),
    ...(g.inputMessages ?? []),
    ...(g.outputMessages ?? []),
  ];
  const hasOutput = (g.outputMessages ?? []).length > 0;
  return h(
    'div',
    { 'data-span': span.spanId },
    h(
      'section.panel',
      null,
      h('h2', null, span.name, ' ', h('span.badge', { class: span.status.code === 'error' ? 'bad' : span.status.code === 'ok' ? 'ok' : 'idle' }, span.status.code)),
      kv([
        ['service', span.service],
        ['kind', span.kind],
        ['span id', span.spanId],
        ['start', fmtTime(span.startTime)],
        ['duration', fmtDuration(span.durationMs)],
        ['status message', span.status.message],
        ['operation', g.operation],
        ['model', g.model],
        ['provider', g.provider],
        ['tokens in / out', g.inputTokens !== null || g.outputTokens !== null ? `${fmtNumber(g.inputTokens)} / ${fmtNumber(g.outputTokens)}` : null],
        ['reasoning tokens', g.reasoningOutputTokens],
        ['time to first token', g.timeToFirstTokenS !== null && g.timeToFirstTokenS !== undefined ? fmtDuration(g.timeToFirstTokenS * 1000) : null],
        ['finish reasons', g.finishReasons?.length ? g.finishReasons.join(', ') : null],
      ]),
    ),
    c
      ? h(
          'section.panel',
          { id: 'confidence' },
          h('h3', null, 'Confidence'),
          kv([
            ['confidence', c.value !== null ? `${fmtNumber(c.value)} (${c.source ?? '?'})` : null],
            ['recalibrated', c.calibrated],
            ['mean logprob', c.logprobMean],
            ['min logprob', c.logprobMin],
            ['perplexity', c.perplexity],
            ['mean entropy', c.entropyMean],
            ['answer probability', c.answerProb !== null ? fmtPct(c.answerProb) : null],
            ['least confident token', c.leastConfidentPos],
            ['stated', c.verbalized],
          ]),
        )
      : null,
    monitorResults.length
      ? h(
          'section.panel',
          { id: 'monitor-results' },
          h('h3', null, 'Monitors'),
          h(
            'table',
            null,
            h('tbody', null, monitorResults.map((r) => h('tr', null, h('td', null, r.monitor), h('td', null, h('span.badge', { class: r.flag ? 'bad' : 'ok' }, r.flag ? 'flagged' : 'pass')), h('td.num', null, fmtNumber(r.score)), h('td', { title: (r.evidence ?? []).map((e) => e.text).join(' | ') }, (r.evidence ?? []).map((e) => e.text).join(' | ') || '–')))),
          ),
        )
      : null,
    messages.length || heatmap
      ? h(
          'section.panel',
          { id: 'messages' },
          h('h3', null, 'Messages'),
          messages.length ? renderChat(messages, { evidence, output: hasOutput ? heatmap : null }) : null,
          heatmap && !hasOutput ? h('div.msg.assistant', null, h('div.role', null, 'output tokens'), heatmap) : null,
        )
      : null,
    h(
      'section.panel',
      null,
      h('h3', null, 'Entities'),
      span.entities?.length
        ? h(
            'div.row',
            null,
            span.entities.map((e) => {
              const kind = entityKind(e);
              const filter = kind === 'replica' || kind === 'gpu' || kind === 'service' || kind === 'model' ? { [kind]: entityKey(e) } : null;
              return filter ? h('a.badge', { href: ctx.link('traces', [], filter), title: `Traces of ${e}` }, e) : h('span.badge', null, e);
            }),
          )
        : h('span.muted', null, 'none'),
    ),
    h('details.panel', { id: 'attributes' }, h('summary', null, `Attributes (${Object.keys(span.attributes ?? {}).length})`), attributeList(span.attributes ?? {})),
    span.events?.length
      ? h('details.panel', null, h('summary', null, `Events (${span.events.length})`), span.events.map((e) => h('div', null, h('strong', null, e.name), attributeList(e.attributes ?? {}))))
      : null,
    h('details.panel', null, h('summary', null, 'Resource'), attributeList(span.resource?.attributes ?? {})),
  );
}

function attributeList(attrs) {
  return kv(
    Object.entries(attrs).map(([k, v]) => {
      let text = typeof v === 'string' ? v : JSON.stringify(v);
      if (text.length > 600) text = `${text.slice(0, 600)}… (${text.length.toLocaleString('en-US')} characters)`;
      return [k, text];
    }),
  );
}
