import type { ExportLogsRequest, ExportMetricsRequest, ExportTraceRequest, MetricData } from './types.js';

/** What validation refused: the count for partial_success and a message saying why. */
export interface Rejection {
  readonly rejected: number;
  readonly message: string;
}

const NONE: Rejection = { rejected: 0, message: '' };

/**
 * Removes spans OTLP requires to have ids but that arrived without (empty trace_id or span_id),
 * in place. Ids of a wrong length never get here: the decoders refuse the whole request.
 */
export function rejectInvalidSpans(req: ExportTraceRequest): Rejection {
  let rejected = 0;
  for (const rs of req.resourceSpans) {
    for (const ss of rs.scopeSpans) {
      const before = ss.spans.length;
      ss.spans = ss.spans.filter((s) => s.traceId !== '' && s.spanId !== '');
      rejected += before - ss.spans.length;
    }
  }
  return rejected ? { rejected, message: `${rejected} span(s) without trace_id or span_id were rejected` } : NONE;
}

/** Removes metrics without a name or without data, in place; their data points count as rejected. */
export function rejectInvalidMetrics(req: ExportMetricsRequest): Rejection {
  let rejected = 0;
  const reasons = new Set<string>();
  for (const rm of req.resourceMetrics) {
    for (const sm of rm.scopeMetrics) {
      sm.metrics = sm.metrics.filter((m) => {
        if (m.name !== '' && m.data.type !== 'empty') return true;
        rejected += pointCount(m.data);
        reasons.add(m.name === '' ? 'metric without a name' : `metric ${m.name} without data`);
        return false;
      });
    }
  }
  return rejected || reasons.size ? { rejected, message: `rejected: ${[...reasons].join('; ')}` } : NONE;
}

/** Log records have no required fields; nothing is refused. */
export function rejectInvalidLogs(_req: ExportLogsRequest): Rejection {
  return NONE;
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
