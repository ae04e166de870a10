import type { QueryParams, Store } from '../storage/types.js';
import { ApiError, ok, type ApiRequest, type ApiResponse } from './http.js';
import { decodeCursor, encodeCursor, isoNanos, parseLimit, parseTime, prefixed } from './params.js';
import { jsonEquals } from './traces.js';

export const DEFAULT_LOG_LIMIT = 100;
export const MAX_LOG_LIMIT = 1000;

interface LogRow {
  time_ns: string;
  observed_ns: string;
  severity_number: number;
  severity_text: string;
  body: string;
  attributes: string;
  dropped_attributes_count: number;
  flags: number;
  trace_id: string;
  span_id: string;
  event_name: string;
  service: string;
  resource: string;
  scope_name: string;
  scope_version: string;
  scope_attributes: string;
  entities: string[];
  row_key: string;
}

/**
 * GET /api/logs: log records and events, newest first. Filters: service, trace_id, span_id,
 * event_name, min_severity (a number 1-24), start/end, attr.<key>=<value>; limit + cursor.
 */
export function listLogs(store: Store, db: string) {
  return async (req: ApiRequest): Promise<ApiResponse> => {
    const q = req.query;
    const limit = parseLimit(q.get('limit'), DEFAULT_LOG_LIMIT, MAX_LOG_LIMIT);
    const where: string[] = [];
    const params: QueryParams = { limit: limit + 1 };
    for (const [name, column] of [
      ['service', 'service'],
      ['trace_id', 'trace_id'],
      ['span_id', 'span_id'],
      ['event_name', 'event_name'],
    ] as const) {
      const v = q.get(name);
      if (v === null) continue;
      params[name] = name.endsWith('_id') ? v.toLowerCase() : v;
      where.push(`${column} = {${name}:String}`);
    }
    const minSeverity = q.get('min_severity');
    if (minSeverity !== null) {
      const n = Number(minSeverity);
      if (!Number.isInteger(n) || n < 0 || n > 24) throw new ApiError(400, `min_severity: expected a severity number 0-24, got ${JSON.stringify(minSeverity)}`);
      params.min_severity = n;
      where.push('severity_number >= {min_severity:UInt8}');
    }
    if (q.get('start') !== null) {
      params.start = parseTime('start', q.get('start')!).toString();
      where.push('time >= fromUnixTimestamp64Nano({start:Int64})');
    }
    if (q.get('end') !== null) {
      params.end = parseTime('end', q.get('end')!).toString();
      where.push('time < fromUnixTimestamp64Nano({end:Int64})');
    }
    prefixed(q, 'attr.').forEach(([k, v], i) => where.push(jsonEquals('attributes', `a${i}`, k, v, params)));
    const cursor = q.get('cursor');
    if (cursor) {
      const [t, key] = decodeCursor(cursor);
      params.cursor_t = String(t);
      params.cursor_k = String(key);
      where.push('(time, row_key) < (fromUnixTimestamp64Nano({cursor_t:Int64}), {cursor_k:String})');
    }
    // row_key orders records that share a timestamp, so pages never skip or repeat one (records equal in
    // every column share it: a page shows one of such duplicates).
    const rows = await store.query<LogRow>(
      `SELECT * FROM (
         SELECT toString(toUnixTimestamp64Nano(time)) AS time_ns, toString(toUnixTimestamp64Nano(observed_time)) AS observed_ns,
           severity_number, severity_text, body, attributes, dropped_attributes_count, flags, trace_id, span_id, event_name,
           service, resource, scope_name, scope_version, scope_attributes, entities, time,
           hex(sipHash128(body, attributes, trace_id, span_id, observed_time, service, severity_number, severity_text, event_name, flags, resource, scope_name, scope_version, scope_attributes)) AS row_key
         FROM ${db}.logs)
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY time DESC, row_key DESC LIMIT {limit:UInt32}`,
      params,
      req.signal,
    );
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return ok({
      logs: page.map((r) => ({
        time: isoNanos(r.time_ns),
        timeUnixNano: r.time_ns,
        observedTimeUnixNano: r.observed_ns,
        severityNumber: r.severity_number,
        severityText: r.severity_text,
        body: parse(r.body),
        attributes: parse(r.attributes),
        droppedAttributesCount: r.dropped_attributes_count,
        flags: r.flags,
        traceId: r.trace_id,
        spanId: r.span_id,
        eventName: r.event_name,
        service: r.service,
        resource: { attributes: parse(r.resource) },
        scope: { name: r.scope_name, version: r.scope_version, attributes: parse(r.scope_attributes) },
        entities: r.entities,
      })),
      next: rows.length > limit && last ? encodeCursor([last.time_ns, last.row_key]) : null,
    });
  };
}

function parse(v: string): unknown {
  if (v === '') return null;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}
