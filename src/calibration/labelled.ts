/**
 * Labelled responses: spans that have a confidence, joined with the feedback about them. The one place
 * that knows how a feedback record finds its response, used by the calibration API, the map fitting and
 * the drift detector's lookups.
 *
 * Which span a feedback record labels:
 * 1. with a span id: that span (within the trace, when a trace id is given too);
 * 2. else with a response id: the span(s) carrying that `gen_ai.response.id` (within the trace, if given);
 * 3. else (a trace id alone): the trace's last-ending span that has a confidence (the final answer).
 * The join is by id only, never bounded by the feedback's time: feedback days after the response joins.
 * The latest feedback about a response wins (by its time, then by arrival). Spans sharing a response id
 * (an application's client span and the gateway's span of the same call) count once.
 */
import type { FeedbackRecord } from './feedback.js';
import type { QueryParams, Store } from '../storage/types.js';

/** How labelled responses can be grouped. */
export const SLICE_KINDS = ['model', 'model_version', 'route', 'replica', 'host', 'gpu', 'service', 'window'] as const;
export type SliceKind = (typeof SLICE_KINDS)[number];
/** The slices the drift detector follows (every kind but time windows). */
export const DRIFT_SLICE_KINDS: readonly SliceKind[] = ['model', 'model_version', 'route', 'replica', 'host', 'gpu', 'service'];

/** The span attribute the gateway writes with the route (model glob) that matched. */
export const ROUTE_ATTRIBUTE = 'strata.gateway.route';

/** Most labelled responses one query reads; past it the answer says `truncated`. */
export const MAX_LABELLED_ROWS = 1_000_000;

/** Slice keys of one span: `model`, `service`, `route` … as SQL, one array per span. */
function keysSql(slice: SliceKind | null): string {
  switch (slice) {
    case null:
      return 'CAST([], \'Array(String)\')';
    case 'model':
      return '[model]';
    case 'model_version':
      return '[response_model]';
    case 'service':
      return '[service]';
    case 'route':
      return `[JSONExtractString(attributes, '${ROUTE_ATTRIBUTE}')]`;
    case 'replica':
    case 'host':
    case 'gpu': {
      // Entity ids are `kind:key`; a span may touch several GPUs (it counts in each). None: the '' key.
      const ids = `arrayFilter(e -> startsWith(e, '${slice}:'), entities)`;
      return `if(empty(${ids}), [''], arrayMap(e -> substring(e, ${slice.length + 2}), ${ids}))`;
    }
    case 'window':
      return `[formatDateTime(toStartOfInterval(start_time, INTERVAL {window_s:UInt32} SECOND), '%Y-%m-%dT%H:%i:%SZ', 'UTC')]`;
  }
}

export interface LabelledQuery {
  /** Spans of this model (response model, else request model; also matches the request model). */
  readonly model?: string | null;
  /** Spans whose response model is this. */
  readonly modelVersion?: string | null;
  /** Span start time range [fromNs, toNs), unix nanoseconds. */
  readonly fromNs?: bigint | null;
  readonly toNs?: bigint | null;
  /** Which slice keys to return with each response; null: none. */
  readonly slice?: SliceKind | null;
  /** Width of a `window` slice, seconds. */
  readonly windowSeconds?: number;
  /** Most rows; default {@link MAX_LABELLED_ROWS}. */
  readonly limit?: number;
}

/** One labelled response. */
export interface LabelledResponse {
  /** The raw confidence in [0, 1]. */
  readonly confidence: number;
  /** The recalibrated confidence stored with the span, when a map applied at ingest. */
  readonly calibrated: number | null;
  readonly correct: 0 | 1;
  /** The response's keys in the requested slice (several for a span on several GPUs). */
  readonly keys: readonly string[];
}

interface Row {
  c: number;
  cc: number | null;
  correct: boolean | number;
  keys: string[];
}

/**
 * Every labelled response matching `q`, read in one query: spans with a confidence in range, narrowed to
 * those some feedback names, joined with their latest feedback.
 */
export async function queryLabelled(store: Store, db: string, q: LabelledQuery, signal?: AbortSignal): Promise<{ rows: LabelledResponse[]; truncated: boolean }> {
  const params: QueryParams = {};
  const where = ['confidence IS NOT NULL', 'confidence >= 0', 'confidence <= 1'];
  if (q.model) {
    params.model = q.model;
    where.push('(model = {model:String} OR request_model = {model:String})');
  }
  if (q.modelVersion) {
    params.model_version = q.modelVersion;
    where.push('response_model = {model_version:String}');
  }
  if (q.fromNs !== undefined && q.fromNs !== null) {
    params.from = q.fromNs.toString();
    where.push('start_time >= fromUnixTimestamp64Nano({from:Int64})');
  }
  if (q.toNs !== undefined && q.toNs !== null) {
    params.to = q.toNs.toString();
    where.push('start_time < fromUnixTimestamp64Nano({to:Int64})');
  }
  if (q.slice === 'window') params.window_s = Math.max(1, Math.round(q.windowSeconds ?? 3600));
  const limit = Math.min(q.limit ?? MAX_LABELLED_ROWS, MAX_LABELLED_ROWS);
  params.limit = limit + 1;
  const f = `${db}.feedback`;
  // One read of the spans in range, narrowed by the id sets the feedback names (small) before anything
  // else is read. Each span offers the match keys it answers to — its span id, its response id, and its
  // trace id when it is the trace's last-ending span with a confidence (found through the trace id index,
  // whatever the filters) — and each feedback row has exactly one key (rules 1–3).
  const sql = `
    WITH
      fb AS (
        SELECT multiIf(span_id != '', concat('s:', span_id), response_id != '', concat('r:', response_id), concat('t:', trace_id)) AS mk,
               trace_id AS ftrace, correct, time, ingested_at
        FROM ${f}
      ),
      s AS (
        SELECT trace_id, span_id, confidence, confidence_calibrated, rkey, keys,
               arrayConcat([concat('s:', span_id)], if(response_id != '', [concat('r:', response_id)], []),
                           if((trace_id, span_id) IN (
                                SELECT trace_id, argMax(span_id, end_time) FROM ${db}.spans
                                WHERE trace_id IN (SELECT trace_id FROM ${f} WHERE span_id = '' AND response_id = '') AND confidence IS NOT NULL
                                GROUP BY trace_id), [concat('t:', trace_id)], [])) AS mks
        FROM (
          SELECT trace_id, span_id, response_id, confidence, confidence_calibrated, end_time,
                 if(response_id != '', response_id, concat(trace_id, span_id)) AS rkey, ${keysSql(q.slice ?? null)} AS keys
          FROM ${db}.spans
          WHERE ${where.join(' AND ')}
            AND (span_id IN (SELECT span_id FROM ${f} WHERE span_id != '')
                 OR (response_id != '' AND response_id IN (SELECT response_id FROM ${f} WHERE span_id = '' AND response_id != ''))
                 OR trace_id IN (SELECT trace_id FROM ${f} WHERE span_id = '' AND response_id = ''))
          LIMIT 1 BY trace_id, span_id
        )
      ),
      m AS (SELECT trace_id, span_id, confidence, confidence_calibrated, rkey, keys, mk FROM s ARRAY JOIN mks AS mk)
    SELECT argMin((m.confidence, m.confidence_calibrated, m.keys), (m.trace_id, m.span_id)) AS chosen,
           chosen.1 AS c, chosen.2 AS cc, chosen.3 AS keys, argMax(fb.correct, (fb.time, fb.ingested_at)) AS correct
    FROM m INNER JOIN fb ON m.mk = fb.mk
    WHERE fb.ftrace = '' OR fb.ftrace = m.trace_id
    GROUP BY m.rkey
    LIMIT {limit:UInt64}`;
  const raw = await store.query<Row>(sql, params, signal);
  const truncated = raw.length > limit;
  const rows: LabelledResponse[] = [];
  for (const r of truncated ? raw.slice(0, limit) : raw) {
    const cc = typeof r.cc === 'number' && r.cc >= 0 && r.cc <= 1 ? r.cc : null;
    rows.push({ confidence: r.c, calibrated: cc, correct: r.correct === true || r.correct === 1 ? 1 : 0, keys: r.keys });
  }
  return { rows, truncated };
}

// ------------------------------------------------------------------ point lookups (drift)

/** A labelled span as the drift detector sees it: its confidence and its keys in every drift slice. */
export interface LabelledSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly confidence: number;
  readonly slices: readonly { readonly slice: SliceKind; readonly key: string }[];
}

/**
 * The spans a batch of feedback records label (null where none is found, e.g. not yet stored), by point
 * queries: by trace id (bloom-filter index), and by span or response id in widening windows of recent
 * time (1 h, 8 h, 64 h, 512 h, then all) that stop as soon as every id is found.
 */
export type LabelledSpanLookup = (records: readonly FeedbackRecord[], signal?: AbortSignal) => Promise<(LabelledSpan | null)[]>;

const LOOKBACK_HOURS = [1, 8, 64, 512];

interface SpanRow {
  trace_id: string;
  span_id: string;
  response_id: string;
  c: number;
  end_ns: string;
  model: string;
  response_model: string;
  service: string;
  route: string;
  entities: string[];
}

const SPAN_FIELDS = `trace_id, span_id, response_id, confidence AS c, toString(toUnixTimestamp64Nano(end_time)) AS end_ns,
  model, response_model, service, JSONExtractString(attributes, '${ROUTE_ATTRIBUTE}') AS route, entities`;

/** The {@link LabelledSpanLookup} over a store. */
export function storeSpanLookup(store: Store, db: string, now: () => number = Date.now): LabelledSpanLookup {
  return async (records, signal) => {
    const byTrace = new Map<string, SpanRow[]>();
    const bySpan = new Map<string, SpanRow>();
    const byResponse = new Map<string, SpanRow>();
    const add = (rows: SpanRow[]): void => {
      for (const r of rows) {
        if (!byTrace.has(r.trace_id)) byTrace.set(r.trace_id, []);
        byTrace.get(r.trace_id)!.push(r);
        bySpan.set(r.span_id, r);
        if (r.response_id !== '') byResponse.set(r.response_id, r);
      }
    };
    const traceIds = [...new Set(records.filter((r) => r.traceId !== '').map((r) => r.traceId))];
    if (traceIds.length > 0)
      add(await store.query<SpanRow>(`SELECT ${SPAN_FIELDS} FROM ${db}.spans WHERE trace_id IN {ids:Array(String)} AND confidence IS NOT NULL LIMIT 1 BY trace_id, span_id`, { ids: traceIds }, signal));
    // Without a trace id, look back from now in widening windows (the sort key prunes by hour).
    let spanIds = [...new Set(records.filter((r) => r.traceId === '' && r.spanId !== '').map((r) => r.spanId))];
    let responseIds = [...new Set(records.filter((r) => r.traceId === '' && r.spanId === '' && r.responseId !== '').map((r) => r.responseId))];
    const nowNs = BigInt(now()) * 1_000_000n;
    for (const hours of [...LOOKBACK_HOURS, null]) {
      if (spanIds.length === 0 && responseIds.length === 0) break;
      const params: QueryParams = { sids: spanIds, rids: responseIds };
      let bound = '';
      if (hours !== null) {
        params.from = (nowNs - BigInt(hours) * 3_600_000_000_000n).toString();
        bound = 'AND start_time >= fromUnixTimestamp64Nano({from:Int64})';
      }
      add(
        await store.query<SpanRow>(
          `SELECT ${SPAN_FIELDS} FROM ${db}.spans
           WHERE (span_id IN {sids:Array(String)} OR (response_id != '' AND response_id IN {rids:Array(String)})) AND confidence IS NOT NULL ${bound}
           LIMIT 1 BY trace_id, span_id`,
          params,
          signal,
        ),
      );
      spanIds = spanIds.filter((id) => !bySpan.has(id));
      responseIds = responseIds.filter((id) => !byResponse.has(id));
    }
    return records.map((r) => {
      let row: SpanRow | undefined;
      if (r.spanId !== '') row = bySpan.get(r.spanId);
      else if (r.responseId !== '') row = r.traceId !== '' ? byTrace.get(r.traceId)?.find((s) => s.response_id === r.responseId) : byResponse.get(r.responseId);
      else row = lastEnding(byTrace.get(r.traceId));
      if (row === undefined || (r.traceId !== '' && row.trace_id !== r.traceId)) return null;
      return toLabelledSpan(row);
    });
  };
}

function lastEnding(rows: readonly SpanRow[] | undefined): SpanRow | undefined {
  let best: SpanRow | undefined;
  for (const r of rows ?? []) if (best === undefined || BigInt(r.end_ns) > BigInt(best.end_ns)) best = r;
  return best;
}

function toLabelledSpan(r: SpanRow): LabelledSpan | null {
  if (typeof r.c !== 'number' || !(r.c >= 0 && r.c <= 1)) return null;
  const slices: { slice: SliceKind; key: string }[] = [];
  const push = (slice: SliceKind, key: string): void => {
    if (key !== '') slices.push({ slice, key });
  };
  push('model', r.model);
  push('model_version', r.response_model);
  push('route', r.route);
  push('service', r.service);
  for (const id of r.entities) {
    const colon = id.indexOf(':');
    const kind = id.slice(0, colon);
    if (kind === 'replica' || kind === 'host' || kind === 'gpu') push(kind, id.slice(colon + 1));
  }
  return { traceId: r.trace_id, spanId: r.span_id, confidence: r.c, slices };
}
