/**
 * Protobuf decoding of ExportMetricsServiceRequest (opentelemetry.proto.collector.metrics.v1).
 */
import type {
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
import { readExpHistogramPoint, readHistogramPoint, readNumberPoint, readSummaryPoint } from './metric-points.js';
import type { ProtoReader } from './reader.js';

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
