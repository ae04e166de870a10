import { evaluationFeedbackFromLogs, evaluationFeedbackFromSpans, type FeedbackRecord } from '../calibration/feedback.js';
import type { LogRecord } from '../model/log.js';
import type { MetricPoint } from '../model/metric.js';
import type { SpanRecord } from '../model/span.js';
import { createConfidenceExtractor, normalizeLogs, normalizeMetrics, normalizeTraces, type CalibrationMapLookup } from '../processors/index.js';
import type { ContentPolicy } from '../processors/capture.js';
import type { CalibrationConfig } from '../processors/confidence/config.js';
import type { ExportLogsRequest, ExportMetricsRequest, ExportTraceRequest } from '../receivers/otlp/types.js';
import { EncodedTooLargeError, encodeFeedback, encodeLogs, encodeMetricPoints, encodeSpans, type TablePayloads } from './encode.js';
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

/**
 * Where ground truth enters the pipeline: the feedback API and import hand validated records here.
 * Apart from {@link Ingest} so the receivers, which never send feedback, keep their seam as it is.
 */
export interface FeedbackIngest {
  /** Logs feedback rows durably; `accepted` means they are in the WAL (and the `feedback` listener has seen them). */
  feedback(records: readonly FeedbackRecord[]): IngestOutcome;
}

/** Stream consumers: later layers see every record as it is accepted, before it reaches the store. */
export interface IngestListeners {
  /** Feedback accepted: from the API and import, and from OTel `gen_ai.evaluation.result` events. */
  readonly feedback?: (records: readonly FeedbackRecord[]) => void;
  readonly spans?: (spans: readonly SpanRecord[]) => void;
  readonly metricPoints?: (points: readonly MetricPoint[]) => void;
  readonly logs?: (records: readonly LogRecord[]) => void;
}

export interface IngestDeps {
  /** Durable hand-off: the StoreWriter's `offer`. */
  readonly offer: (payloads: TablePayloads) => OfferResult;
  readonly content: ContentPolicy;
  readonly listeners?: IngestListeners;
  /** `correct = score >= this` for evaluation events that carry a score (calibration.feedback_threshold); default 0.5. */
  readonly feedbackThreshold?: number;
  /** Confidence sources, scores and the verbalized regex (`calibration:`); default: the defaults. */
  readonly calibration?: Pick<CalibrationConfig, 'confidence' | 'scores' | 'verbalizedRegex'>;
  /** Fitted calibration maps by span (fills `confidence_calibrated`); default: none. */
  readonly calibrationMap?: CalibrationMapLookup;
}

/** The threshold evaluation scores are read with when the deps name none. */
export const DEFAULT_EVALUATION_THRESHOLD = 0.5;

/**
 * Normalise (with each span's confidence signals), apply the content policy, encode rows, log durably,
 * then tell stream listeners. Throws when `calibration.verbalizedRegex` has no capture group.
 */
export function createIngest(deps: IngestDeps): Ingest & FeedbackIngest {
  const { offer, content, listeners = {}, feedbackThreshold = DEFAULT_EVALUATION_THRESHOLD } = deps;
  const confidence = createConfidenceExtractor({ calibration: deps.calibration, calibrationMap: deps.calibrationMap });
  const traceOptions = { content: content.captures, confidence };
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
  const spansWithEvaluations = withEvaluations(encodeSpans, evaluationFeedbackFromSpans, listeners.spans);
  const logsWithEvaluations = withEvaluations(encodeLogs, evaluationFeedbackFromLogs, listeners.logs);
  /**
   * OTel `gen_ai.evaluation.result` events (span events, or event log records) are feedback too. Their
   * rows go into the same WAL record as the spans or logs that carry them, so both are kept or neither;
   * the feedback listener hears of them once accepted. (`hand` is synchronous: encode, offer and notify
   * of one call run back to back, so the records found by `encode` are the ones `notify` reports.)
   */
  function withEvaluations<T>(encode: (r: readonly T[]) => TablePayloads, extract: (r: readonly T[], threshold: number) => FeedbackRecord[], notify?: (r: readonly T[]) => void) {
    let found: FeedbackRecord[] = [];
    return {
      encode(records: readonly T[]): TablePayloads {
        found = extract(records, feedbackThreshold);
        const payloads = encode(records);
        if (found.length > 0) payloads.feedback = encodeFeedback(found).feedback;
        return payloads;
      },
      notify(records: readonly T[]): void {
        notify?.(records);
        if (found.length > 0) listeners.feedback?.(found);
        found = [];
      },
    };
  }
  return {
    traces: (req) => hand(content.applyToSpans(normalizeTraces(req, traceOptions)), spansWithEvaluations.encode, spansWithEvaluations.notify),
    metrics: (req) => hand(normalizeMetrics(req), encodeMetricPoints, listeners.metricPoints),
    logs: (req) => hand(content.applyToLogs(normalizeLogs(req)), logsWithEvaluations.encode, logsWithEvaluations.notify),
    feedback: (records) => hand(records, encodeFeedback, listeners.feedback),
  };
}
