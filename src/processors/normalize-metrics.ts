/**
 * Decoded OTLP metrics to Strata's {@link MetricPoint}s: one per data point, whatever the type.
 */
import type {
  Attributes,
  ExponentialHistogramDataPoint,
  ExportMetricsRequest,
  HistogramDataPoint,
  NumberDataPoint,
  OtlpMetric,
  Scope,
  SummaryDataPoint,
} from '../receivers/otlp/types.js';
import type { MetricPoint, MetricType } from '../model/metric.js';
import { deriveMetricPointEntities, deriveResourceEntities, type ResourceEntities } from './entities/derive.js';
import { signalAlias, signalFromAlias, type SignalAlias } from './metric-signals/index.js';
import { serviceName } from './service.js';

const NO_NUMBERS: readonly number[] = Object.freeze([]);
const NO_QUANTILES: MetricPoint['quantiles'] = Object.freeze([]);
const NO_EXEMPLARS: MetricPoint['exemplars'] = Object.freeze([]);

/** DataPointFlags bit 0: the point carries no recorded value (e.g. a Prometheus staleness marker). */
const FLAG_NO_RECORDED_VALUE = 1;

/** What every point of one metric shares. */
interface MetricContext {
  readonly metric: OtlpMetric;
  readonly type: MetricType;
  readonly temporality: number;
  readonly monotonic: boolean;
  readonly service: string;
  readonly resource: Attributes;
  readonly scope: Scope;
  readonly res: ResourceEntities;
  /** The metric's canonical-signal alias, looked up once per metric. */
  readonly alias: SignalAlias | null;
}

type PointFields = Pick<
  MetricPoint,
  'value' | 'count' | 'sum' | 'min' | 'max' | 'explicitBounds' | 'bucketCounts' | 'exponential' | 'quantiles' | 'exemplars'
>;

const EMPTY_FIELDS: PointFields = {
  value: null,
  count: null,
  sum: null,
  min: null,
  max: null,
  explicitBounds: NO_NUMBERS,
  bucketCounts: NO_NUMBERS,
  exponential: null,
  quantiles: NO_QUANTILES,
  exemplars: NO_EXEMPLARS,
};

function point(
  ctx: MetricContext,
  p: { attributes: Attributes; startTimeUnixNano: bigint; timeUnixNano: bigint; flags: number },
  fields: PointFields,
): MetricPoint {
  // A point flagged "no recorded value" has no value, whatever the numeric fields hold.
  const none = (p.flags & FLAG_NO_RECORDED_VALUE) !== 0;
  const value = none ? null : fields.value;
  return {
    name: ctx.metric.name,
    description: ctx.metric.description,
    unit: ctx.metric.unit,
    type: ctx.type,
    temporality: ctx.temporality,
    monotonic: ctx.monotonic,
    service: ctx.service,
    resource: ctx.resource,
    scope: ctx.scope,
    attributes: p.attributes,
    startTimeUnixNano: p.startTimeUnixNano,
    timeUnixNano: p.timeUnixNano,
    flags: p.flags,
    value,
    count: none ? null : fields.count,
    sum: none ? null : fields.sum,
    min: none ? null : fields.min,
    max: none ? null : fields.max,
    explicitBounds: fields.explicitBounds,
    bucketCounts: fields.bucketCounts,
    exponential: fields.exponential,
    quantiles: fields.quantiles,
    exemplars: fields.exemplars,
    entities: deriveMetricPointEntities(ctx.res, ctx.metric.name, p.attributes),
    // Histograms and summaries have no value: their signal is the name (and labels) alone.
    signal: ctx.alias === null ? null : signalFromAlias(ctx.alias, value, p.attributes),
  };
}

function numberPoint(ctx: MetricContext, p: NumberDataPoint): MetricPoint {
  return point(ctx, p, { ...EMPTY_FIELDS, value: p.value, exemplars: p.exemplars });
}

function histogramPoint(ctx: MetricContext, p: HistogramDataPoint): MetricPoint {
  return point(ctx, p, {
    ...EMPTY_FIELDS,
    count: p.count,
    sum: p.sum,
    min: p.min,
    max: p.max,
    explicitBounds: p.explicitBounds,
    bucketCounts: p.bucketCounts,
    exemplars: p.exemplars,
  });
}

function expHistogramPoint(ctx: MetricContext, p: ExponentialHistogramDataPoint): MetricPoint {
  return point(ctx, p, {
    ...EMPTY_FIELDS,
    count: p.count,
    sum: p.sum,
    min: p.min,
    max: p.max,
    exponential: {
      scale: p.scale,
      zeroCount: p.zeroCount,
      zeroThreshold: p.zeroThreshold,
      positiveOffset: p.positive.offset,
      positiveBucketCounts: p.positive.bucketCounts,
      negativeOffset: p.negative.offset,
      negativeBucketCounts: p.negative.bucketCounts,
    },
    exemplars: p.exemplars,
  });
}

function summaryPoint(ctx: MetricContext, p: SummaryDataPoint): MetricPoint {
  return point(ctx, p, { ...EMPTY_FIELDS, count: p.count, sum: p.sum, quantiles: p.quantileValues });
}

function context(
  shared: Omit<MetricContext, 'metric' | 'type' | 'temporality' | 'monotonic' | 'alias'>,
  metric: OtlpMetric,
): MetricContext | null {
  const d = metric.data;
  const base = { ...shared, alias: signalAlias(metric.name) ?? null };
  switch (d.type) {
    case 'gauge':
      return { ...base, metric, type: 'gauge', temporality: 0, monotonic: false };
    case 'sum':
      return { ...base, metric, type: 'sum', temporality: d.aggregationTemporality, monotonic: d.isMonotonic };
    case 'histogram':
    case 'exponential_histogram':
      return { ...base, metric, type: d.type, temporality: d.aggregationTemporality, monotonic: false };
    case 'summary':
      return { ...base, metric, type: 'summary', temporality: 0, monotonic: false };
    default:
      return null;
  }
}

function pushPoints(out: MetricPoint[], ctx: MetricContext): void {
  const d = ctx.metric.data;
  switch (d.type) {
    case 'gauge':
    case 'sum':
      for (const p of d.dataPoints) out.push(numberPoint(ctx, p));
      return;
    case 'histogram':
      for (const p of d.dataPoints) out.push(histogramPoint(ctx, p));
      return;
    case 'exponential_histogram':
      for (const p of d.dataPoints) out.push(expHistogramPoint(ctx, p));
      return;
    case 'summary':
      for (const p of d.dataPoints) out.push(summaryPoint(ctx, p));
      return;
  }
}

/**
 * Flattens an OTLP metrics export into one {@link MetricPoint} per data point of every gauge,
 * sum, histogram, exponential histogram and summary (metrics with no data yield nothing), in
 * request order. Gauges and summaries have temporality 0; only sums can be monotonic. A point
 * flagged "no recorded value" gets null value/count/sum/min/max. Resource, scope and attributes
 * are the received objects; entities come from the resource (computed once per
 * ResourceMetrics) and the point's attributes; the canonical signal (metric-signals/) from the
 * metric name, the point's value (gauges and sums) and its attributes.
 */
export function normalizeMetrics(req: ExportMetricsRequest): MetricPoint[] {
  const out: MetricPoint[] = [];
  for (const rm of req.resourceMetrics) {
    const resource = rm.resource.attributes;
    const service = serviceName(resource);
    const res = deriveResourceEntities(resource);
    for (const sm of rm.scopeMetrics) {
      const base = { service, resource, scope: sm.scope, res };
      for (const metric of sm.metrics) {
        const ctx = context(base, metric);
        if (ctx !== null) pushPoints(out, ctx);
      }
    }
  }
  return out;
}
