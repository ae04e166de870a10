/**
 * OTLP/JSON decoding of ExportMetricsServiceRequest.
 */
import type {
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
import {
  array,
  attributes,
  bool,
  double,
  enumValue,
  get,
  id,
  int32,
  int64,
  object,
  optionalDouble,
  parseRoot,
  resource,
  scope,
  string,
  uint64,
  uint64Number,
  type JsonObject,
} from './common.js';

const TEMPORALITIES = [
  'AGGREGATION_TEMPORALITY_UNSPECIFIED',
  'AGGREGATION_TEMPORALITY_DELTA',
  'AGGREGATION_TEMPORALITY_CUMULATIVE',
] as const;

/** Decodes the text of an OTLP/JSON ExportMetricsServiceRequest. */
export function metricsFromJson(text: string): ExportMetricsRequest {
  const root = parseRoot(text, 'ExportMetricsServiceRequest');
  const resourceMetrics: ResourceMetrics[] = [];
  for (const item of array(get(root, 'resourceMetrics', 'resource_metrics'), 'ExportMetricsServiceRequest.resourceMetrics')) {
    const o = object(item, 'ResourceMetrics');
    const scopeMetrics: ScopeMetrics[] = [];
    for (const s of array(get(o, 'scopeMetrics', 'scope_metrics'), 'ResourceMetrics.scopeMetrics')) {
      const so = object(s, 'ScopeMetrics');
      const metrics: OtlpMetric[] = [];
      for (const m of array(get(so, 'metrics'), 'ScopeMetrics.metrics')) metrics.push(metricFromJson(object(m, 'Metric')));
      scopeMetrics.push({
        scope: scope(get(so, 'scope')),
        metrics,
        schemaUrl: string(get(so, 'schemaUrl', 'schema_url'), 'ScopeMetrics.schemaUrl'),
      });
    }
    resourceMetrics.push({
      resource: resource(get(o, 'resource')),
      scopeMetrics,
      schemaUrl: string(get(o, 'schemaUrl', 'schema_url'), 'ResourceMetrics.schemaUrl'),
    });
  }
  return { resourceMetrics };
}

function metricFromJson(o: JsonObject): OtlpMetric {
  return {
    name: string(get(o, 'name'), 'Metric.name'),
    description: string(get(o, 'description'), 'Metric.description'),
    unit: string(get(o, 'unit'), 'Metric.unit'),
    data: metricData(o),
    metadata: attributes(get(o, 'metadata'), 'Metric.metadata'),
  };
}

function points(o: JsonObject, where: string): unknown[] {
  return array(get(o, 'dataPoints', 'data_points'), `${where}.dataPoints`);
}

function temporality(o: JsonObject, where: string): number {
  return enumValue(get(o, 'aggregationTemporality', 'aggregation_temporality'), TEMPORALITIES, `${where}.aggregationTemporality`);
}

function metricData(o: JsonObject): MetricData {
  let v = get(o, 'gauge');
  if (v !== undefined) {
    const g = object(v, 'Gauge');
    return { type: 'gauge', dataPoints: points(g, 'Gauge').map(numberPoint) };
  }
  v = get(o, 'sum');
  if (v !== undefined) {
    const s = object(v, 'Sum');
    return {
      type: 'sum',
      dataPoints: points(s, 'Sum').map(numberPoint),
      aggregationTemporality: temporality(s, 'Sum'),
      isMonotonic: bool(get(s, 'isMonotonic', 'is_monotonic'), 'Sum.isMonotonic'),
    };
  }
  v = get(o, 'histogram');
  if (v !== undefined) {
    const h = object(v, 'Histogram');
    return { type: 'histogram', dataPoints: points(h, 'Histogram').map(histogramPoint), aggregationTemporality: temporality(h, 'Histogram') };
  }
  v = get(o, 'exponentialHistogram', 'exponential_histogram');
  if (v !== undefined) {
    const h = object(v, 'ExponentialHistogram');
    return {
      type: 'exponential_histogram',
      dataPoints: points(h, 'ExponentialHistogram').map(expHistogramPoint),
      aggregationTemporality: temporality(h, 'ExponentialHistogram'),
    };
  }
  v = get(o, 'summary');
  if (v !== undefined) {
    return { type: 'summary', dataPoints: points(object(v, 'Summary'), 'Summary').map(summaryPoint) };
  }
  return { type: 'empty' };
}

function times(o: JsonObject, where: string): { startTimeUnixNano: bigint; timeUnixNano: bigint } {
  return {
    startTimeUnixNano: uint64(get(o, 'startTimeUnixNano', 'start_time_unix_nano'), `${where}.startTimeUnixNano`),
    timeUnixNano: uint64(get(o, 'timeUnixNano', 'time_unix_nano'), `${where}.timeUnixNano`),
  };
}

function exemplars(o: JsonObject, where: string): Exemplar[] {
  return array(get(o, 'exemplars'), `${where}.exemplars`).map((item) => {
    const e = object(item, 'Exemplar');
    const asInt = get(e, 'asInt', 'as_int');
    return {
      filteredAttributes: attributes(get(e, 'filteredAttributes', 'filtered_attributes'), 'Exemplar.filteredAttributes'),
      timeUnixNano: uint64(get(e, 'timeUnixNano', 'time_unix_nano'), 'Exemplar.timeUnixNano'),
      value: asInt !== undefined ? Number(int64(asInt, 'Exemplar.asInt')) : double(get(e, 'asDouble', 'as_double'), 'Exemplar.asDouble'),
      spanId: id(get(e, 'spanId', 'span_id'), 8, 'Exemplar.spanId'),
      traceId: id(get(e, 'traceId', 'trace_id'), 16, 'Exemplar.traceId'),
    };
  });
}

function flags(o: JsonObject, where: string): number {
  return int32(get(o, 'flags'), `${where}.flags`, true);
}

function numberPoint(item: unknown): NumberDataPoint {
  const o = object(item, 'NumberDataPoint');
  const asInt = get(o, 'asInt', 'as_int');
  const isInt = asInt !== undefined;
  return {
    attributes: attributes(get(o, 'attributes'), 'NumberDataPoint.attributes'),
    ...times(o, 'NumberDataPoint'),
    exemplars: exemplars(o, 'NumberDataPoint'),
    flags: flags(o, 'NumberDataPoint'),
    value: isInt ? Number(int64(asInt, 'NumberDataPoint.asInt')) : double(get(o, 'asDouble', 'as_double'), 'NumberDataPoint.asDouble'),
    isInt,
  };
}

function numbers(v: unknown, where: string, read: (x: unknown, where: string) => number): number[] {
  return array(v, where).map((x) => read(x, where));
}

function histogramPoint(item: unknown): HistogramDataPoint {
  const o = object(item, 'HistogramDataPoint');
  return {
    attributes: attributes(get(o, 'attributes'), 'HistogramDataPoint.attributes'),
    ...times(o, 'HistogramDataPoint'),
    exemplars: exemplars(o, 'HistogramDataPoint'),
    flags: flags(o, 'HistogramDataPoint'),
    count: uint64Number(get(o, 'count'), 'HistogramDataPoint.count'),
    sum: optionalDouble(get(o, 'sum'), 'HistogramDataPoint.sum'),
    bucketCounts: numbers(get(o, 'bucketCounts', 'bucket_counts'), 'HistogramDataPoint.bucketCounts', uint64Number),
    explicitBounds: numbers(get(o, 'explicitBounds', 'explicit_bounds'), 'HistogramDataPoint.explicitBounds', double),
    min: optionalDouble(get(o, 'min'), 'HistogramDataPoint.min'),
    max: optionalDouble(get(o, 'max'), 'HistogramDataPoint.max'),
  };
}

function buckets(v: unknown, where: string): ExpHistogramBuckets {
  if (v === undefined) return { offset: 0, bucketCounts: [] };
  const o = object(v, where);
  return {
    offset: int32(get(o, 'offset'), `${where}.offset`, false),
    bucketCounts: numbers(get(o, 'bucketCounts', 'bucket_counts'), `${where}.bucketCounts`, uint64Number),
  };
}

function expHistogramPoint(item: unknown): ExponentialHistogramDataPoint {
  const o = object(item, 'ExponentialHistogramDataPoint');
  const where = 'ExponentialHistogramDataPoint';
  return {
    attributes: attributes(get(o, 'attributes'), `${where}.attributes`),
    ...times(o, where),
    exemplars: exemplars(o, where),
    flags: flags(o, where),
    count: uint64Number(get(o, 'count'), `${where}.count`),
    sum: optionalDouble(get(o, 'sum'), `${where}.sum`),
    scale: int32(get(o, 'scale'), `${where}.scale`, false),
    zeroCount: uint64Number(get(o, 'zeroCount', 'zero_count'), `${where}.zeroCount`),
    positive: buckets(get(o, 'positive'), `${where}.positive`),
    negative: buckets(get(o, 'negative'), `${where}.negative`),
    min: optionalDouble(get(o, 'min'), `${where}.min`),
    max: optionalDouble(get(o, 'max'), `${where}.max`),
    zeroThreshold: double(get(o, 'zeroThreshold', 'zero_threshold'), `${where}.zeroThreshold`),
  };
}

function summaryPoint(item: unknown): SummaryDataPoint {
  const o = object(item, 'SummaryDataPoint');
  return {
    attributes: attributes(get(o, 'attributes'), 'SummaryDataPoint.attributes'),
    ...times(o, 'SummaryDataPoint'),
    flags: flags(o, 'SummaryDataPoint'),
    count: uint64Number(get(o, 'count'), 'SummaryDataPoint.count'),
    sum: double(get(o, 'sum'), 'SummaryDataPoint.sum'),
    quantileValues: array(get(o, 'quantileValues', 'quantile_values'), 'SummaryDataPoint.quantileValues').map((q) => {
      const qo = object(q, 'ValueAtQuantile');
      return {
        quantile: double(get(qo, 'quantile'), 'ValueAtQuantile.quantile'),
        value: double(get(qo, 'value'), 'ValueAtQuantile.value'),
      };
    }),
  };
}
