import type { LogRecord } from '../model/log.js';
import type { MetricPoint } from '../model/metric.js';
import type { SpanRecord } from '../model/span.js';
import { normalizeLogs, normalizeMetrics, normalizeTraces } from '../processors/index.js';
import type { ContentPolicy } from '../processors/capture.js';
import type { ExportLogsRequest, ExportMetricsRequest, ExportTraceRequest } from '../receivers/otlp/types.js';
import { EncodedTooLargeError, encodeLogs, encodeMetricPoints, encodeSpans, type TablePayloads } from './encode.js';
import type { OfferResult } from './writer.js';

/** The outcome of handing a decoded request to the pipeline. */
export type IngestOutcome =
  | { readonly accepted: true; readonly count: number }
  | { readonly accepted: false; readonly retryAfterSeconds: number }
  /** Refused for good: retrying the same request cannot succeed. */
  | { readonly accepted: false; readonly tooLarge: string };

/**
 * Where receivers hand decoded, validated OTLP. Synchronous: when it returns `accepted`, the data is
 * in the write-ahead log and the caller may acknowledge it.
 */
export interface Ingest {
  traces(req: ExportTraceRequest): IngestOutcome;
  metrics(req: ExportMetricsRequest): IngestOutcome;
  logs(req: ExportLogsRequest): IngestOutcome;
}

/** Stream consumers: later layers see every record as it is accepted, before it reaches the store. */
export interface IngestListeners {
  readonly spans?: (spans: readonly SpanRecord[]) => void;
  readonly metricPoints?: (points: readonly MetricPoint[]) => void;
  readonly logs?: (records: readonly LogRecord[]) => void;
}

export interface IngestDeps {
  /** Durable hand-off: the StoreWriter's `offer`. */
  readonly offer: (payloads: TablePayloads) => OfferResult;
  readonly content: ContentPolicy;
  readonly listeners?: IngestListeners;
}

/** Normalise, apply the content policy, encode rows, log durably, then tell stream listeners. */
export function createIngest(deps: IngestDeps): Ingest {
  const { offer, content, listeners = {} } = deps;
  function hand<T>(records: readonly T[], encode: (r: readonly T[]) => TablePayloads, notify?: (r: readonly T[]) => void): IngestOutcome {
    if (records.length === 0) return { accepted: true, count: 0 };
    let payloads: TablePayloads;
    try {
      payloads = encode(records);
    } catch (err) {
      if (err instanceof EncodedTooLargeError) return { accepted: false, tooLarge: err.message };
      throw err;
    }
    const result = offer(payloads);
    if (!result.ok) return 'tooLarge' in result ? { accepted: false, tooLarge: result.tooLarge } : { accepted: false, retryAfterSeconds: result.retryAfterSeconds };
    notify?.(records);
    return { accepted: true, count: records.length };
  }
  return {
    traces: (req) => hand(content.applyToSpans(normalizeTraces(req, { content: content.captures })), encodeSpans, listeners.spans),
    metrics: (req) => hand(normalizeMetrics(req), encodeMetricPoints, listeners.metricPoints),
    logs: (req) => hand(content.applyToLogs(normalizeLogs(req)), encodeLogs, listeners.logs),
  };
}
