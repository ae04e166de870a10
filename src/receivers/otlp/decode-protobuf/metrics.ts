/**
 * Protobuf decoding of ExportMetricsServiceRequest (opentelemetry.proto.collector.metrics.v1).
 */
import type {
  Attributes,
  Exemplar,
  ExpHistogramBuckets,
  ExponentialHistogramDataPoint,
  ExportMetricsRequest,
  HistogramDataPoint,
  MetricData,
  NumberDataPoint,
  OtlpMetric,
  ResourceMetrics,
  ScopeMetrics,
  SummaryDataPoint,
} from '../types.js';
import { emptyResource, emptyScope, readKeyValue, readResource, readScope } from './common.js';
import { fail, type ProtoReader } from './reader.js';

const REQUEST_FIELDS: Record<number, string> = { 1: 'resource_metrics' };
const RESOURCE_METRICS_FIELDS: Record<number, string> = { 1: 'resource', 2: 'scope_metrics', 3: 'schema_url' };
const SCOPE_METRICS_FIELDS: Record<number, string> = { 1: 'scope', 2: 'metrics', 3: 'schema_url' };
const METRIC_FIELDS: Record<number, string> = {
  1: 'name',
  2: 'description',
  3: 'unit',
  5: 'gauge',
  7: 'sum',
  9: 'histogram',
  10: 'exponential_histogram',
  11: 'summary',
  12: 'metadata',
};
const NUMBER_POINT_FIELDS: Record<number, string> = {
  2: 'start_time_unix_nano',
  3: 'time_unix_nano',
  4: 'as_double',
  5: 'exemplars',
  6: 'as_int',
  7: 'attributes',
  8: 'flags',
};
const HISTOGRAM_POINT_FIELDS: Record<number, string> = {
  2: 'start_time_unix_nano',
  3: 'time_unix_nano',
  4: 'count',
  5: 'sum',
  6: 'bucket_counts',
  7: 'explicit_bounds',
  8: 'exemplars',
  9: 'attributes',
  10: 'flags',
  11: 'min',
  12: 'max',
};
const EXP_POINT_FIELDS: Record<number, string> = {
  1: 'attributes',
  2: 'start_time_unix_nano',
  3: 'time_unix_nano',
  4: 'count',
  5: 'sum',
  6: 'scale',
  7: 'zero_count',
  8: 'positive',
  9: 'negative',
  10: 'flags',
  11: 'exemplars',
  12: 'min',
  13: 'max',
  14: 'zero_threshold',
};
const BUCKETS_FIELDS: Record<number, string> = { 1: 'offset', 2: 'bucket_counts' };
const SUMMARY_POINT_FIELDS: Record<number, string> = {
  2: 'start_time_unix_nano',
  3: 'time_unix_nano',
  4: 'count',
  5: 'sum',
  6: 'quantile_values',
  7: 'attributes',
  8: 'flags',
};
const QUANTILE_FIELDS: Record<number, string> = { 1: 'quantile', 2: 'value' };
const EXEMPLAR_FIELDS: Record<number, string> = {
  2: 'time_unix_nano',
  3: 'as_double',
  4: 'span_id',
  5: 'trace_id',
  6: 'as_int',
  7: 'filtered_attributes',
};

/** Decodes an ExportMetricsServiceRequest that spans the whole reader. */
export function readMetricsRequest(r: ProtoReader): ExportMetricsRequest {
  const end = r.len;
  const resourceMetrics: ResourceMetrics[] = [];
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === 10) resourceMetrics.push(readResourceMetrics(r, r.end()));
    else r.unknown(tag, REQUEST_FIELDS, 'ExportMetricsServiceRequest');
  }
  r.finish(end, 'ExportMetricsServiceRequest');
  return { resourceMetrics };
}

function readResourceMetrics(r: ProtoReader, end: number): ResourceMetrics {
  const out: ResourceMetrics = { resource: emptyResource(), scopeMetrics: [], schemaUrl: '' };
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === 10) out.resource = readResource(r, r.end());
    else if (tag === 18) out.scopeMetrics.push(readScopeMetrics(r, r.end()));
    else if (tag === 26) out.schemaUrl = r.string();
    else r.unknown(tag, RESOURCE_METRICS_FIELDS, 'ResourceMetrics');
  }
  r.finish(end, 'ResourceMetrics');
  return out;
}

function readScopeMetrics(r: ProtoReader, end: number): ScopeMetrics {
  const out: ScopeMetrics = { scope: emptyScope(), metrics: [], schemaUrl: '' };
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === 10) out.scope = readScope(r, r.end());
    else if (tag === 18) out.metrics.push(readMetric(r, r.end()));
    else if (tag === 26) out.schemaUrl = r.string();
    else r.unknown(tag, SCOPE_METRICS_FIELDS, 'ScopeMetrics');
  }
  r.finish(end, 'ScopeMetrics');
  return out;
}

function readMetric(r: ProtoReader, end: number): OtlpMetric {
  const m: OtlpMetric = { name: '', description: '', unit: '', data: { type: 'empty' }, metadata: {} };
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case 10:
        m.name = r.string();
        break;
      case 18:
        m.description = r.string();
        break;
      case 26:
        m.unit = r.string();
        break;
      case 42:
        m.data = readAggregate(r, r.end(), 'gauge');
        break;
      case 58:
        m.data = readAggregate(r, r.end(), 'sum');
        break;
      case 74:
        m.data = readAggregate(r, r.end(), 'histogram');
        break;
      case 82:
        m.data = readAggregate(r, r.end(), 'exponential_histogram');
        break;
      case 90:
        m.data = readAggregate(r, r.end(), 'summary');
        break;
      case 98:
        readKeyValue(r, r.end(), m.metadata);
        break;
      default:
        r.unknown(tag, METRIC_FIELDS, 'Metric'); // 4, 6, 8: removed int-only types, skipped
    }
  }
  r.finish(end, 'Metric');
  return m;
}

type AggregateType = Exclude<MetricData['type'], 'empty'>;

/** Decodes Gauge, Sum, Histogram, ExponentialHistogram or Summary (they share field numbers 1-3). */
function readAggregate(r: ProtoReader, end: number, type: AggregateType): MetricData {
  const points: unknown[] = [];
  let temporality = 0;
  let monotonic = false;
  const message = AGGREGATE_NAMES[type];
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === 10) {
      const e = r.end();
      switch (type) {
        case 'gauge':
        case 'sum':
          points.push(readNumberPoint(r, e));
          break;
        case 'histogram':
          points.push(readHistogramPoint(r, e));
          break;
        case 'exponential_histogram':
          points.push(readExpHistogramPoint(r, e));
          break;
        case 'summary':
          points.push(readSummaryPoint(r, e));
          break;
      }
    } else if (tag === 16 && type !== 'gauge' && type !== 'summary') temporality = r.int32();
    else if (tag === 24 && type === 'sum') monotonic = r.bool();
    else r.unknown(tag, AGGREGATE_FIELDS[type], message);
  }
  r.finish(end, message);
  switch (type) {
    case 'gauge':
      return { type, dataPoints: points as NumberDataPoint[] };
    case 'sum':
      return { type, dataPoints: points as NumberDataPoint[], aggregationTemporality: temporality, isMonotonic: monotonic };
    case 'histogram':
      return { type, dataPoints: points as HistogramDataPoint[], aggregationTemporality: temporality };
    case 'exponential_histogram':
      return { type, dataPoints: points as ExponentialHistogramDataPoint[], aggregationTemporality: temporality };
    case 'summary':
      return { type, dataPoints: points as SummaryDataPoint[] };
  }
}

const AGGREGATE_NAMES: Record<AggregateType, string> = {
  gauge: 'Gauge',
  sum: 'Sum',
  histogram: 'Histogram',
  exponential_histogram: 'ExponentialHistogram',
  summary: 'Summary',
};
const AGGREGATE_FIELDS: Record<AggregateType, Record<number, string>> = {
  gauge: { 1: 'data_points' },
  sum: { 1: 'data_points', 2: 'aggregation_temporality', 3: 'is_monotonic' },
  histogram: { 1: 'data_points', 2: 'aggregation_temporality' },
  exponential_histogram: { 1: 'data_points', 2: 'aggregation_temporality' },
  summary: { 1: 'data_points' },
};

function readNumberPoint(r: ProtoReader, end: number): NumberDataPoint {
  const p: NumberDataPoint = {
    attributes: {},
    startTimeUnixNano: 0n,
    timeUnixNano: 0n,
    exemplars: [],
    flags: 0,
    value: 0,
    isInt: false,
  };
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case 17:
        p.startTimeUnixNano = r.fixed64();
        break;
      case 25:
        p.timeUnixNano = r.fixed64();
        break;
      case 33:
        p.value = r.double();
        p.isInt = false;
        break;
      case 42:
        p.exemplars.push(readExemplar(r, r.end()));
        break;
      case 49:
        p.value = r.sfixed64Number();
        p.isInt = true;
        break;
      case 58:
        readKeyValue(r, r.end(), p.attributes);
        break;
      case 64:
        p.flags = r.uint32();
        break;
      default:
        r.unknown(tag, NUMBER_POINT_FIELDS, 'NumberDataPoint'); // 1: removed labels, skipped
    }
  }
  r.finish(end, 'NumberDataPoint');
  return p;
}

/** Reads a packed run of fixed64 counts (the caller matched wire type 2). */
function readPackedFixed64(r: ProtoReader, out: number[], field: string): void {
  const end = r.end();
  if ((end - r.pos) % 8 !== 0) fail(`packed ${field} is not a multiple of 8 bytes`);
  while (r.pos < end) out.push(r.fixed64Number());
}

function readHistogramPoint(r: ProtoReader, end: number): HistogramDataPoint {
  const p: HistogramDataPoint = {
    attributes: {},
    startTimeUnixNano: 0n,
    timeUnixNano: 0n,
    exemplars: [],
    flags: 0,
    count: 0,
    sum: null,
    bucketCounts: [],
    explicitBounds: [],
    min: null,
    max: null,
  };
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case 17:
        p.startTimeUnixNano = r.fixed64();
        break;
      case 25:
        p.timeUnixNano = r.fixed64();
        break;
      case 33:
        p.count = r.fixed64Number();
        break;
      case 41:
        p.sum = r.double();
        break;
      case 49:
        p.bucketCounts.push(r.fixed64Number());
        break;
      case 50:
        readPackedFixed64(r, p.bucketCounts, 'HistogramDataPoint.bucket_counts');
        break;
      case 57:
        p.explicitBounds.push(r.double());
        break;
      case 58: {
        const e = r.end();
        if ((e - r.pos) % 8 !== 0) fail('packed HistogramDataPoint.explicit_bounds is not a multiple of 8 bytes');
        while (r.pos < e) p.explicitBounds.push(r.double());
        break;
      }
      case 66:
        p.exemplars.push(readExemplar(r, r.end()));
        break;
      case 74:
        readKeyValue(r, r.end(), p.attributes);
        break;
      case 80:
        p.flags = r.uint32();
        break;
      case 89:
        p.min = r.double();
        break;
      case 97:
        p.max = r.double();
        break;
      default:
        r.unknown(tag, HISTOGRAM_POINT_FIELDS, 'HistogramDataPoint');
    }
  }
  r.finish(end, 'HistogramDataPoint');
  return p;
}

function readBuckets(r: ProtoReader, end: number): ExpHistogramBuckets {
  const b: ExpHistogramBuckets = { offset: 0, bucketCounts: [] };
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === 8) b.offset = r.sint32();
    else if (tag === 16) b.bucketCounts.push(r.uint64Number());
    else if (tag === 18) {
      const e = r.end();
      while (r.pos < e) b.bucketCounts.push(r.uint64Number());
      r.finish(e, 'packed ExponentialHistogramDataPoint.Buckets.bucket_counts');
    } else r.unknown(tag, BUCKETS_FIELDS, 'ExponentialHistogramDataPoint.Buckets');
  }
  r.finish(end, 'ExponentialHistogramDataPoint.Buckets');
  return b;
}

function readExpHistogramPoint(r: ProtoReader, end: number): ExponentialHistogramDataPoint {
  const p: ExponentialHistogramDataPoint = {
    attributes: {},
    startTimeUnixNano: 0n,
    timeUnixNano: 0n,
    exemplars: [],
    flags: 0,
    count: 0,
    sum: null,
    scale: 0,
    zeroCount: 0,
    positive: { offset: 0, bucketCounts: [] },
    negative: { offset: 0, bucketCounts: [] },
    min: null,
    max: null,
    zeroThreshold: 0,
  };
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case 10:
        readKeyValue(r, r.end(), p.attributes);
        break;
      case 17:
        p.startTimeUnixNano = r.fixed64();
        break;
      case 25:
        p.timeUnixNano = r.fixed64();
        break;
      case 33:
        p.count = r.fixed64Number();
        break;
      case 41:
        p.sum = r.double();
        break;
      case 48:
        p.scale = r.sint32();
        break;
      case 57:
        p.zeroCount = r.fixed64Number();
        break;
      case 66:
        p.positive = readBuckets(r, r.end());
        break;
      case 74:
        p.negative = readBuckets(r, r.end());
        break;
      case 80:
        p.flags = r.uint32();
        break;
      case 90:
        p.exemplars.push(readExemplar(r, r.end()));
        break;
      case 97:
        p.min = r.double();
        break;
      case 105:
        p.max = r.double();
        break;
      case 113:
        p.zeroThreshold = r.double();
        break;
      default:
        r.unknown(tag, EXP_POINT_FIELDS, 'ExponentialHistogramDataPoint');
    }
  }
  r.finish(end, 'ExponentialHistogramDataPoint');
  return p;
}

function readSummaryPoint(r: ProtoReader, end: number): SummaryDataPoint {
  const attributes: Attributes = {};
  const p: SummaryDataPoint = {
    attributes,
    startTimeUnixNano: 0n,
    timeUnixNano: 0n,
    flags: 0,
    count: 0,
    sum: 0,
    quantileValues: [],
  };
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case 17:
        p.startTimeUnixNano = r.fixed64();
        break;
      case 25:
        p.timeUnixNano = r.fixed64();
        break;
      case 33:
        p.count = r.fixed64Number();
        break;
      case 41:
        p.sum = r.double();
        break;
      case 50:
        p.quantileValues.push(readQuantile(r, r.end()));
        break;
      case 58:
        readKeyValue(r, r.end(), attributes);
        break;
      case 64:
        p.flags = r.uint32();
        break;
      default:
        r.unknown(tag, SUMMARY_POINT_FIELDS, 'SummaryDataPoint');
    }
  }
  r.finish(end, 'SummaryDataPoint');
  return p;
}

function readQuantile(r: ProtoReader, end: number): { quantile: number; value: number } {
  const q = { quantile: 0, value: 0 };
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === 9) q.quantile = r.double();
    else if (tag === 17) q.value = r.double();
    else r.unknown(tag, QUANTILE_FIELDS, 'SummaryDataPoint.ValueAtQuantile');
  }
  r.finish(end, 'SummaryDataPoint.ValueAtQuantile');
  return q;
}

function readExemplar(r: ProtoReader, end: number): Exemplar {
  const ex: Exemplar = { filteredAttributes: {}, timeUnixNano: 0n, value: 0, spanId: '', traceId: '' };
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case 17:
        ex.timeUnixNano = r.fixed64();
        break;
      case 25:
        ex.value = r.double();
        break;
      case 34:
        ex.spanId = r.id(8, 'Exemplar.span_id');
        break;
      case 42:
        ex.traceId = r.id(16, 'Exemplar.trace_id');
        break;
      case 49:
        ex.value = r.sfixed64Number();
        break;
      case 58:
        readKeyValue(r, r.end(), ex.filteredAttributes);
        break;
      default:
        r.unknown(tag, EXEMPLAR_FIELDS, 'Exemplar'); // 1: removed filtered_labels, skipped
    }
  }
  r.finish(end, 'Exemplar');
  return ex;
}
