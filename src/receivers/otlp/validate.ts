import type { ExportLogsRequest, ExportMetricsRequest, ExportTraceRequest, MetricData } from './types.js';

/** What validation refused: the count for partial_success and a message saying why. */
export interface Rejection {
  readonly rejected: number;
  readonly message: string;
}

const NONE: Rejection = { rejected: 0, message: '' };

/** The latest time the store can hold (DateTime64(9): signed 64-bit nanoseconds, year 2262). */
export const MAX_TIME_NS = 9_223_372_036_854_775_807n;

/**
 * Removes, in place, spans OTLP requires to have ids but that arrived without (empty trace_id or
 * span_id), and spans that started before `notBefore` (older than the retention period: the store
 * would drop them at once, so they are refused openly instead). Ids of a wrong length never get
 * here: the decoders refuse the whole request.
 */
export function rejectInvalidSpans(req: ExportTraceRequest, notBefore = 0n): Rejection {
  let missingIds = 0;
  let tooOld = 0;
  let outOfRange = 0;
  for (const rs of req.resourceSpans) {
    for (const ss of rs.scopeSpans) {
      ss.spans = ss.spans.filter((s) => {
        if (s.traceId === '' || s.spanId === '') return void missingIds++, false;
        if (s.startTimeUnixNano > MAX_TIME_NS || s.endTimeUnixNano > MAX_TIME_NS) return void outOfRange++, false;
        if (s.startTimeUnixNano < notBefore) return void tooOld++, false;
        return true;
      });
    }
  }
  const reasons: string[] = [];
  if (missingIds) reasons.push(`${missingIds} span(s) without trace_id or span_id were rejected`);
  if (outOfRange) reasons.push(`${outOfRange} span(s) with a time after the year 2262 were rejected`);
  if (tooOld) reasons.push(`${tooOld} span(s) older than the retention period were rejected`);
  return reasons.length ? { rejected: missingIds + outOfRange + tooOld, message: reasons.join('; ') } : NONE;
}

/**
 * Removes metrics without a name or without data, in place (their data points count as rejected),
 * and data points older than `notBefore`.
 */
export function rejectInvalidMetrics(req: ExportMetricsRequest, notBefore = 0n): Rejection {
  let rejected = 0;
  const reasons = new Set<string>();
  for (const rm of req.resourceMetrics) {
    for (const sm of rm.scopeMetrics) {
      sm.metrics = sm.metrics.filter((m) => {
        if (m.name === '' || m.data.type === 'empty') {
          rejected += pointCount(m.data);
          reasons.add(m.name === '' ? 'metric without a name' : `metric ${m.name} without data`);
          return false;
        }
        const data = m.data as { dataPoints: { timeUnixNano: bigint; startTimeUnixNano: bigint }[] };
        const before = data.dataPoints.length;
        data.dataPoints = data.dataPoints.filter((p) => {
          if (p.timeUnixNano > MAX_TIME_NS || p.startTimeUnixNano > MAX_TIME_NS) return reasons.add('data points with a time after the year 2262'), false;
          if (p.timeUnixNano < notBefore) return reasons.add('data points older than the retention period'), false;
          return true;
        });
        rejected += before - data.dataPoints.length;
        return true;
      });
    }
  }
  return rejected || reasons.size ? { rejected, message: `rejected: ${[...reasons].join('; ')}` } : NONE;
}

/** Log records have no required fields; only those older than `notBefore` or past the year 2262 are refused. */
export function rejectInvalidLogs(req: ExportLogsRequest, notBefore = 0n): Rejection {
  let rejected = 0;
  for (const rl of req.resourceLogs) {
    for (const sl of rl.scopeLogs) {
      const before = sl.logRecords.length;
      sl.logRecords = sl.logRecords.filter((r) => {
        if (r.timeUnixNano > MAX_TIME_NS || r.observedTimeUnixNano > MAX_TIME_NS) return false;
        return (r.timeUnixNano > 0n ? r.timeUnixNano : r.observedTimeUnixNano) >= notBefore;
      });
      rejected += before - sl.logRecords.length;
    }
  }
  return rejected ? { rejected, message: `${rejected} log record(s) older than the retention period or after the year 2262 were rejected` } : NONE;
}

export function countSpans(req: ExportTraceRequest): number {
  let n = 0;
  for (const rs of req.resourceSpans) for (const ss of rs.scopeSpans) n += ss.spans.length;
  return n;
}

export function countDataPoints(req: ExportMetricsRequest): number {
  let n = 0;
  for (const rm of req.resourceMetrics) for (const sm of rm.scopeMetrics) for (const m of sm.metrics) n += pointCount(m.data);
  return n;
}

export function countLogRecords(req: ExportLogsRequest): number {
  let n = 0;
  for (const rl of req.resourceLogs) for (const sl of rl.scopeLogs) n += sl.logRecords.length;
  return n;
}

function pointCount(data: MetricData): number {
  return data.type === 'empty' ? 0 : data.dataPoints.length;
}
