/**
 * OTLP data as decoded from the wire, before any interpretation.
 *
 * Both decoders (protobuf and JSON) produce exactly these shapes, so everything
 * downstream sees one form. Field names follow the OTLP protobuf definitions
 * (opentelemetry-proto, v1), in camelCase as OTLP/JSON spells them.
 *
 * Conventions:
 * - trace and span ids are lowercase hex strings ('' when absent);
 * - times are unix nanoseconds as bigint (0n when absent);
 * - enums are their integer values;
 * - an attribute value keeps its OTLP kind through {@link AnyValue}.
 */

/** A decoded OTLP AnyValue. `int` is kept apart from `double` so that nothing is lost. */
export type AnyValue =
  | string
  | boolean
  | number // double
  | OtlpInt
  | Uint8Array // bytes
  | AnyValue[] // array_value
  | KvList // kvlist_value
  | null; // AnyValue with no field set

/** An int64 attribute value. Plain numbers are doubles; ints are wrapped so their kind survives. */
export interface OtlpInt {
  readonly int: bigint;
}

/** A kvlist value: keys in order received (a later duplicate wins). */
export interface KvList {
  readonly kvlist: Attributes;
}

/** Attributes: key -> value, in received order (a later duplicate key replaces the earlier one). */
export type Attributes = Record<string, AnyValue>;

export interface Resource {
  attributes: Attributes;
  droppedAttributesCount: number;
}

export interface Scope {
  name: string;
  version: string;
  attributes: Attributes;
  droppedAttributesCount: number;
}

// ---- traces ----

export interface SpanEvent {
  timeUnixNano: bigint;
  name: string;
  attributes: Attributes;
  droppedAttributesCount: number;
}

export interface SpanLink {
  traceId: string;
  spanId: string;
  traceState: string;
  attributes: Attributes;
  droppedAttributesCount: number;
  flags: number;
}

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  traceState: string;
  parentSpanId: string;
  flags: number;
  name: string;
  /** SpanKind: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Attributes;
  droppedAttributesCount: number;
  events: SpanEvent[];
  droppedEventsCount: number;
  links: SpanLink[];
  droppedLinksCount: number;
  /** Status.code: 0 unset, 1 ok, 2 error. */
  status: { code: number; message: string };
}

export interface ScopeSpans {
  scope: Scope;
  spans: OtlpSpan[];
  schemaUrl: string;
}

export interface ResourceSpans {
  resource: Resource;
  scopeSpans: ScopeSpans[];
  schemaUrl: string;
}

export interface ExportTraceRequest {
  resourceSpans: ResourceSpans[];
}

// ---- metrics ----

export interface Exemplar {
  filteredAttributes: Attributes;
  timeUnixNano: bigint;
  /** as_double or as_int (as a number; ints beyond 2^53 lose precision). */
  value: number;
  spanId: string;
  traceId: string;
}

interface PointBase {
  attributes: Attributes;
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  exemplars: Exemplar[];
  /** DataPointFlags: bit 0 = no recorded value. */
  flags: number;
}

export interface NumberDataPoint extends PointBase {
  /** as_double, or as_int converted to a number. */
  value: number;
  /** True when the point carried as_int. */
  isInt: boolean;
}

export interface HistogramDataPoint extends PointBase {
  count: number;
  sum: number | null;
  bucketCounts: number[];
  explicitBounds: number[];
  min: number | null;
  max: number | null;
}

export interface ExpHistogramBuckets {
  offset: number;
  bucketCounts: number[];
}

export interface ExponentialHistogramDataPoint extends PointBase {
  count: number;
  sum: number | null;
  scale: number;
  zeroCount: number;
  positive: ExpHistogramBuckets;
  negative: ExpHistogramBuckets;
  min: number | null;
  max: number | null;
  zeroThreshold: number;
}

export interface SummaryDataPoint extends Omit<PointBase, 'exemplars'> {
  count: number;
  sum: number;
  quantileValues: { quantile: number; value: number }[];
}

/** AggregationTemporality: 0 unspecified, 1 delta, 2 cumulative. */
export type MetricData =
  | { type: 'gauge'; dataPoints: NumberDataPoint[] }
  | { type: 'sum'; dataPoints: NumberDataPoint[]; aggregationTemporality: number; isMonotonic: boolean }
  | { type: 'histogram'; dataPoints: HistogramDataPoint[]; aggregationTemporality: number }
  | { type: 'exponential_histogram'; dataPoints: ExponentialHistogramDataPoint[]; aggregationTemporality: number }
  | { type: 'summary'; dataPoints: SummaryDataPoint[] }
  | { type: 'empty' };

export interface OtlpMetric {
  name: string;
  description: string;
  unit: string;
  data: MetricData;
  metadata: Attributes;
}

export interface ScopeMetrics {
  scope: Scope;
  metrics: OtlpMetric[];
  schemaUrl: string;
}

export interface ResourceMetrics {
  resource: Resource;
  scopeMetrics: ScopeMetrics[];
  schemaUrl: string;
}

export interface ExportMetricsRequest {
  resourceMetrics: ResourceMetrics[];
}

// ---- logs ----

export interface OtlpLogRecord {
  timeUnixNano: bigint;
  observedTimeUnixNano: bigint;
  severityNumber: number;
  severityText: string;
  body: AnyValue;
  attributes: Attributes;
  droppedAttributesCount: number;
  flags: number;
  traceId: string;
  spanId: string;
  eventName: string;
}

export interface ScopeLogs {
  scope: Scope;
  logRecords: OtlpLogRecord[];
  schemaUrl: string;
}

export interface ResourceLogs {
  resource: Resource;
  scopeLogs: ScopeLogs[];
  schemaUrl: string;
}

export interface ExportLogsRequest {
  resourceLogs: ResourceLogs[];
}

/** Raised by a decoder for a request that is not valid OTLP; the receiver answers 400 / INVALID_ARGUMENT. */
export class OtlpDecodeError extends Error {
  override readonly name = 'OtlpDecodeError';
}
