import { entityFilters, monitorFlagFilter } from './ui-filters.js';
import { extractGenAi } from '../processors/genai/extract.js';
import type { QueryParams, Store } from '../storage/types.js';
import { ApiError, ok, type ApiRequest, type ApiResponse } from './http.js';
import { decodeCursor, encodeCursor, isoNanos, parseDuration, parseLimit, parseTime, prefixed } from './params.js';
import { jsonToAttributes, jsonToEvents, storedConfidence } from './stored.js';

export const DEFAULT_TRACE_LIMIT = 20;
/** Look-back windows tried in turn by the trace list: 1 hour, 8 hours, about 3 days, about 3 weeks. */
const LOOKBACK_WINDOWS_NS = [1n, 8n, 64n, 512n].map((h) => h * 3_600_000_000_000n);
export const MAX_TRACE_LIMIT = 1000;

const SPAN_KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
const STATUS_CODES: Record<string, number> = { unset: 0, ok: 1, error: 2 };

/** SQL conditions and parameters for span filters given as query parameters. */
export function spanFilters(q: URLSearchParams): { where: string[]; params: QueryParams } {
  const where: string[] = [];
  const params: QueryParams = {};
  const eq = (name: string, column: string): void => {
    const v = q.get(name);
    if (v === null) return;
    params[name] = v;
    where.push(`${column} = {${name}:String}`);
  };
  eq('service', 'service');
  eq('provider', 'provider');
  eq('operation', 'operation');
  eq('name', 'name');
  const model = q.get('model');
  if (model !== null) {
    params.model = model;
    where.push('(model = {model:String} OR request_model = {model:String})');
  }
  const status = q.get('status');
  if (status !== null) {
    const code = STATUS_CODES[status.toLowerCase()] ?? (/^[0-2]$/.test(status) ? Number(status) : undefined);
    if (code === undefined) throw new ApiError(400, `status: expected ok, error or unset, got ${JSON.stringify(status)}`);
    params.status = code;
    where.push('status_code = {status:UInt8}');
  }
  const minDuration = q.get('min_duration');
  if (minDuration !== null) {
    params.min_duration = parseDuration('min_duration', minDuration).toString();
    where.push('duration_ns >= {min_duration:UInt64}');
  }
  confidenceBound(q, 'min_confidence', '>=', where, params);
  confidenceBound(q, 'max_confidence', '<=', where, params);
  const start = q.get('start');
  if (start !== null) {
    params.start = parseTime('start', start).toString();
    where.push('start_time >= fromUnixTimestamp64Nano({start:Int64})');
  }
  const end = q.get('end');
  if (end !== null) {
    params.end = parseTime('end', end).toString();
    where.push('start_time < fromUnixTimestamp64Nano({end:Int64})');
  }
  prefixed(q, 'attr.').forEach(([key, value], i) => where.push(jsonEquals('attributes', `a${i}`, key, value, params)));
  prefixed(q, 'resource.').forEach(([key, value], i) => where.push(jsonEquals('resource', `r${i}`, key, value, params)));
  entityFilters(q, where, params);
  return { where, params };
}

/** `min_confidence` / `max_confidence`: the span's primary confidence (spans without one never match). */
function confidenceBound(q: URLSearchParams, name: string, op: '>=' | '<=', where: string[], params: QueryParams): void {
  const raw = q.get(name);
  if (raw === null) return;
  const v = raw.trim() === '' ? NaN : Number(raw);
  if (!(v >= 0 && v <= 1)) throw new ApiError(400, `${name}: expected a number in [0, 1], got ${JSON.stringify(raw)}`);
  params[name] = v;
  where.push(`confidence ${op} {${name}:Float64}`);
}

/**
 * `column` (a JSON object as stored) has `key` equal to `value`, as a string or as the JSON text of a
 * number or boolean. The stored JSON has no spaces, so `"key":"value"` (or `"key":value`) must occur
 * as a substring: a cheap `position` test skips most rows before any JSON is parsed.
 */
export function jsonEquals(column: string, name: string, key: string, value: string, params: QueryParams): string {
  params[`${name}k`] = key;
  params[`${name}v`] = value;
  params[`${name}s`] = `${JSON.stringify(key)}:${JSON.stringify(value)}`;
  params[`${name}r`] = `${JSON.stringify(key)}:${value}`;
  return (
    `((position(${column}, {${name}s:String}) > 0 AND JSONExtractString(${column}, {${name}k:String}) = {${name}v:String})` +
    ` OR (position(${column}, {${name}r:String}) > 0 AND JSONExtractRaw(${column}, {${name}k:String}) = {${name}v:String}))`
  );
}

interface TraceSummaryRow {
  trace_id: string;
  start_ns: string;
  end_ns: string;
  spans: number;
  errors: number;
  root_name: string;
  root_service: string;
  services: string[];
  models: string[];
  providers: string[];
  input_tokens: number;
  output_tokens: number;
  confidence_spans: number;
  confidence_min: number | null;
  confidence_mean: number | null;
  confidence_max: number | null;
  least_confident_span_id: string;
}

/**
 * GET /api/traces: traces with at least one span matching every filter, newest first (by their newest
 * matching span), `limit` per page; `next` is the cursor for the following page.
 */
export function listTraces(store: Store, db: string) {
  return async (req: ApiRequest): Promise<ApiResponse> => {
    const limit = parseLimit(req.query.get('limit'), DEFAULT_TRACE_LIMIT, MAX_TRACE_LIMIT);
    const { where, params } = spanFilters(req.query);
    monitorFlagFilter(req.query, db, where, params);
    const having: string[] = [];
    const cursor = req.query.get('cursor');
    if (cursor) {
      const [t, id] = decodeCursor(cursor);
      params.cursor_t = String(t);
      params.cursor_id = String(id);
      // Traces whose newest matching span is older than the cursor, or as old with a smaller id. (Not
      // a WHERE on start_time: a trace listed already would come back through its older spans.)
      having.push('(t < fromUnixTimestamp64Nano({cursor_t:Int64}) OR (t = fromUnixTimestamp64Nano({cursor_t:Int64}) AND trace_id < {cursor_id:String}))');
    }
    params.limit = limit + 1;
    // Newest first without reading everything: look back a short window from the anchor (the cursor,
    // `end`, or now), widening it until it holds a full page. A trace whose newest matching span is in
    // the window ranks above every trace whose newest is older, so a full page from a window is the
    // right page. The last attempt has no lower bound.
    const anchorNs = cursor ? BigInt(params.cursor_t as string) : params.end !== undefined ? BigInt(params.end as string) : BigInt(Date.now()) * 1_000_000n;
    const startNs = params.start !== undefined ? BigInt(params.start as string) : null;
    let page: { trace_id: string; t_ns: string }[] = [];
    for (const windowNs of [...LOOKBACK_WINDOWS_NS, null]) {
      const lower = windowNs === null ? null : anchorNs - windowNs;
      const bounded = lower !== null && (startNs === null || lower > startNs);
      const conditions = bounded ? [...where, 'start_time >= fromUnixTimestamp64Nano({window_start:Int64})'] : where;
      page = await store.query<{ trace_id: string; t_ns: string }>(
        `SELECT trace_id, max(start_time) AS t, toString(toUnixTimestamp64Nano(t)) AS t_ns
         FROM ${db}.spans ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
         GROUP BY trace_id ${having.length ? `HAVING ${having.join(' AND ')}` : ''}
         ORDER BY t DESC, trace_id DESC LIMIT {limit:UInt32}`,
        bounded ? { ...params, window_start: lower!.toString() } : params,
        req.signal,
      );
      if (!bounded || page.length > limit) break;
    }
    const more = page.length > limit;
    const ids = page.slice(0, limit).map((r) => r.trace_id);
    const summaries = ids.length ? await summarize(store, db, ids, req.signal) : new Map<string, TraceSummaryRow>();
    const traces = ids.map((id) => formatSummary(summaries.get(id)!));
    const last = page[limit - 1];
    return ok({ traces, next: more && last ? encodeCursor([last.t_ns, last.trace_id]) : null });
  };
}

async function summarize(store: Store, db: string, ids: string[], signal: AbortSignal): Promise<Map<string, TraceSummaryRow>> {
  const rows = await store.query<TraceSummaryRow>(
    `SELECT trace_id,
       toString(toUnixTimestamp64Nano(min(start_time))) AS start_ns,
       toString(toUnixTimestamp64Nano(max(end_time))) AS end_ns,
       count() AS spans,
       countIf(status_code = 2) AS errors,
       argMin(name, (parent_span_id != '', start_time)) AS root_name,
       argMin(service, (parent_span_id != '', start_time)) AS root_service,
       groupUniqArray(service) AS services,
       groupUniqArrayIf(model, model != '') AS models,
       groupUniqArrayIf(provider, provider != '') AS providers,
       sum(ifNull(input_tokens, 0)) AS input_tokens,
       sum(ifNull(output_tokens, 0)) AS output_tokens,
       countIf(confidence IS NOT NULL) AS confidence_spans,
       min(confidence) AS confidence_min,
       avg(confidence) AS confidence_mean,
       max(confidence) AS confidence_max,
       argMinIf(span_id, assumeNotNull(confidence), confidence IS NOT NULL) AS least_confident_span_id
     FROM (SELECT * FROM ${db}.spans WHERE trace_id IN {ids:Array(String)} LIMIT 1 BY trace_id, span_id)
     GROUP BY trace_id`,
    { ids },
    signal,
  );
  return new Map(rows.map((r) => [r.trace_id, r]));
}

function formatSummary(r: TraceSummaryRow) {
  const durationNs = BigInt(r.end_ns) - BigInt(r.start_ns);
  return {
    traceId: r.trace_id,
    rootName: r.root_name,
    rootService: r.root_service,
    startTime: isoNanos(r.start_ns),
    startTimeUnixNano: r.start_ns,
    durationMs: Number(durationNs) / 1e6,
    spanCount: Number(r.spans),
    errorCount: Number(r.errors),
    services: [...r.services].sort(),
    models: [...r.models].sort(),
    providers: [...r.providers].sort(),
    inputTokens: Number(r.input_tokens),
    outputTokens: Number(r.output_tokens),
    // Absent when no span of the trace has a confidence.
    confidence:
      Number(r.confidence_spans) > 0
        ? {
            spans: Number(r.confidence_spans),
            min: r.confidence_min,
            mean: r.confidence_mean,
            max: r.confidence_max,
            leastConfidentSpanId: r.least_confident_span_id,
          }
        : undefined,
  };
}

/** Columns read for a full span, with 64-bit times as strings so no precision is lost. */
const SPAN_COLUMNS = `trace_id, span_id, parent_span_id, trace_state, flags, name, kind,
  toString(toUnixTimestamp64Nano(start_time)) AS start_ns, toString(toUnixTimestamp64Nano(end_time)) AS end_ns,
  toString(duration_ns) AS duration_ns, status_code, status_message, service,
  operation, provider, request_model, response_model, model, response_id,
  input_tokens, output_tokens, cache_read_input_tokens, cache_creation_input_tokens, reasoning_output_tokens,
  finish_reasons, temperature, top_p, max_tokens, stream, conversation_id, agent_name, tool_name,
  time_to_first_token_s, latencies,
  attributes, dropped_attributes_count, events, dropped_events_count, links, dropped_links_count,
  resource, resource_schema_url, scope_name, scope_version, scope_attributes, entities,
  confidence, confidence_source, confidence_calibrated, logprob_mean, logprob_min, perplexity, entropy_mean,
  answer_prob, least_confident_pos, verbalized_confidence, verbalized_format_ok, scores`;

type SpanRow = Record<string, unknown> & { start_ns: string; end_ns: string; duration_ns: string };

/** GET /api/traces/:traceId: every span of the trace, oldest first, with everything received. */
export function getTrace(store: Store, db: string) {
  return async (req: ApiRequest): Promise<ApiResponse> => {
    const traceId = req.params.traceId.toLowerCase();
    if (!/^[0-9a-f]{32}$/.test(traceId)) throw new ApiError(400, `traceId: expected 32 hex characters, got ${JSON.stringify(req.params.traceId)}`);
    const rows = await store.query<SpanRow>(
      `SELECT ${SPAN_COLUMNS} FROM ${db}.spans WHERE trace_id = {id:String} ORDER BY start_time, span_id LIMIT 1 BY span_id`,
      { id: traceId },
      req.signal,
    );
    if (rows.length === 0) throw new ApiError(404, `no trace ${traceId}`);
    return ok({ traceId, spans: rows.map(formatSpan) });
  };
}

export function formatSpan(r: SpanRow) {
  const attributes = parseJson(r.attributes);
  const events = parseJson(r.events);
  // Messages are derived from the stored attributes and events, by the code ingest uses.
  const content = extractGenAi(jsonToAttributes(attributes), jsonToEvents(events));
  return {
    traceId: r.trace_id,
    spanId: r.span_id,
    parentSpanId: r.parent_span_id,
    traceState: r.trace_state,
    flags: r.flags,
    name: r.name,
    kind: SPAN_KINDS[Number(r.kind)] ?? String(r.kind),
    startTime: isoNanos(r.start_ns),
    startTimeUnixNano: r.start_ns,
    endTimeUnixNano: r.end_ns,
    durationMs: Number(r.duration_ns) / 1e6,
    status: { code: ['unset', 'ok', 'error'][Number(r.status_code)] ?? String(r.status_code), message: r.status_message },
    service: r.service,
    genai: {
      operation: r.operation || null,
      provider: r.provider || null,
      requestModel: r.request_model || null,
      responseModel: r.response_model || null,
      model: r.model || null,
      responseId: r.response_id || null,
      inputTokens: r.input_tokens,
      outputTokens: r.output_tokens,
      cacheReadInputTokens: r.cache_read_input_tokens,
      cacheCreationInputTokens: r.cache_creation_input_tokens,
      reasoningOutputTokens: r.reasoning_output_tokens,
      finishReasons: r.finish_reasons,
      temperature: r.temperature,
      topP: r.top_p,
      maxTokens: r.max_tokens,
      stream: r.stream,
      conversationId: r.conversation_id || null,
      agentName: r.agent_name || null,
      toolName: r.tool_name || null,
      timeToFirstTokenS: r.time_to_first_token_s,
      latencies: r.latencies,
      systemInstructions: content.systemInstructions,
      inputMessages: content.inputMessages,
      outputMessages: content.outputMessages,
    },
    attributes,
    droppedAttributesCount: r.dropped_attributes_count,
    events,
    droppedEventsCount: r.dropped_events_count,
    links: parseJson(r.links),
    droppedLinksCount: r.dropped_links_count,
    resource: { attributes: parseJson(r.resource), schemaUrl: r.resource_schema_url },
    scope: { name: r.scope_name, version: r.scope_version, attributes: parseJson(r.scope_attributes) },
    entities: r.entities,
    // Absent when the span has no confidence signal (docs/confidence.md).
    confidence: storedConfidence(r),
  };
}

function parseJson(v: unknown): unknown {
  if (typeof v !== 'string' || v === '') return null;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}
