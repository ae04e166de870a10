import { entityFilters } from './ui-filters.js';
import { signalDefinition } from '../processors/metric-signals/index.js';
import type { QueryParams, Store } from '../storage/types.js';
import { ApiError, ok, type ApiRequest, type ApiResponse } from './http.js';
import { exponentialToExplicit, histogramIncreases, histogramQuantile, rateSeries, type StoredPoint } from './metric-math.js';
import { parseDuration, parseTime, prefixed } from './params.js';

/** Most raw points one metrics query reads; past it the answer says `truncated`. */
export const MAX_METRIC_POINTS = 200_000;
const MAX_STEPS = 11_000;

interface PointRow {
  name: string;
  signal_labels: Record<string, string>;
  type: string;
  unit: string;
  service: string;
  labels: Record<string, string>;
  t: number;
  start: number;
  temporality: number;
  monotonic: boolean;
  value: number | string | null;
  count: number | null;
  sum: number | string | null;
  explicit_bounds: number[];
  bucket_counts: number[];
  exp_scale: number;
  exp_zero_count: number;
  exp_positive_offset: number;
  exp_positive_counts: number[];
  exp_negative_offset: number;
  exp_negative_counts: number[];
  quantiles: number[];
  quantile_values: number[];
}

/**
 * GET /api/metrics?name=…: the series of one metric over a time range, grouped by service and
 * point labels, filtered by `service` and `label.<key>=<value>`.
 * GET /api/metrics?signal=…: the same for a canonical signal (docs/conventions.md) across every
 * metric name that is an alias of it; values in the signal's unit, series also split by source
 * metric name and signal labels (each series says its `name` and `signalLabels`). Given both,
 * `name` narrows the signal to one source.
 * - gauge: raw points, or with `step`, the mean per step;
 * - counter (sum): `rate` per second per step (reset-aware); raw values without `fn=rate`;
 * - histogram / exponential histogram: `quantile=0.5,0.95,0.99` per step, plus count and sum rates;
 * - summary: the reported quantiles as received.
 */
export function queryMetrics(store: Store, db: string) {
  return async (req: ApiRequest): Promise<ApiResponse> => {
    const q = req.query;
    const name = q.get('name');
    const signal = q.get('signal');
    if (!name && !signal) {
      throw new ApiError(400, 'name: required unless signal is given (the metric name, e.g. gen_ai.client.operation.duration, or a canonical signal, e.g. signal=gpu.utilization)');
    }
    const now = Date.now();
    const end = q.get('end') ? parseTime('end', q.get('end')!) : BigInt(now) * 1_000_000n;
    const start = q.get('start') ? parseTime('start', q.get('start')!) : end - 3_600_000_000_000n;
    if (start >= end) throw new ApiError(400, 'start: must be before end');
    const fromMs = Number(start / 1_000_000n);
    const toMs = Number(end / 1_000_000n);
    const stepRaw = q.get('step');
    const stepMs = stepRaw ? Number(parseDuration('step', stepRaw) / 1_000_000n) : Math.max(1000, Math.ceil((toMs - fromMs) / 120));
    if (stepMs <= 0 || (toMs - fromMs) / stepMs > MAX_STEPS) throw new ApiError(400, `step: too small for the range (at most ${MAX_STEPS} steps)`);
    const quantiles = (q.get('quantile') ?? '0.5,0.9,0.99').split(',').map(Number);
    if (quantiles.some((x) => !(x >= 0 && x <= 1))) throw new ApiError(400, 'quantile: expected numbers between 0 and 1');

    const where = ['time >= fromUnixTimestamp64Nano({start:Int64})', 'time < fromUnixTimestamp64Nano({end:Int64})'];
    const params: QueryParams = { start: start.toString(), end: end.toString(), limit: MAX_METRIC_POINTS + 1 };
    if (name) {
      params.name = name;
      where.push('name = {name:String}');
    }
    if (signal) {
      params.signal = signal;
      where.push('signal = {signal:String}');
    }
    if (q.get('service') !== null) {
      params.service = q.get('service')!;
      where.push('service = {service:String}');
    }
    prefixed(q, 'label.').forEach(([k, v], i) => {
      params[`lk${i}`] = k;
      params[`lv${i}`] = v;
      where.push(`labels[{lk${i}:String}] = {lv${i}:String}`);
    });
    entityFilters(q, where, params);
    // A signal's value is the scaled one; its series also split by source name and signal labels.
    const rows = await store.query<PointRow>(
      `SELECT name, signal_labels, type, unit, service, labels, toUnixTimestamp64Milli(time) AS t, toUnixTimestamp64Milli(start_time) AS start,
         temporality, monotonic, ${signal ? 'signal_value' : 'value'} AS value, count, sum, explicit_bounds, bucket_counts, exp_scale, exp_zero_count,
         exp_positive_offset, exp_positive_counts, exp_negative_offset, exp_negative_counts, quantiles, quantile_values
       FROM ${db}.metric_points WHERE ${where.join(' AND ')}
       ORDER BY ${signal ? 'service, name, labels, signal_labels' : 'service, labels'}, time LIMIT {limit:UInt32}`,
      params,
      req.signal,
    );
    const truncated = rows.length > MAX_METRIC_POINTS;
    const series = new Map<string, PointRow[]>();
    for (const r of rows.slice(0, MAX_METRIC_POINTS)) {
      const key = JSON.stringify(signal ? [r.service, r.name, sortedLabels(r.labels), sortedLabels(r.signal_labels)] : [r.service, sortedLabels(r.labels)]);
      let list = series.get(key);
      if (!list) series.set(key, (list = []));
      list.push(r);
    }
    const fn = q.get('fn');
    const signalUnit = signal ? signalDefinition(signal)?.unit : undefined;
    const out = [...series.values()].map((points) => {
      const head = points[0];
      const stored = points.map(toStored);
      const base = signal
        ? { service: head.service, name: head.name, labels: sortedLabels(head.labels), signalLabels: sortedLabels(head.signal_labels), type: head.type, unit: signalUnit ?? head.unit }
        : { service: head.service, labels: sortedLabels(head.labels), type: head.type, unit: head.unit };
      switch (head.type) {
        case 'sum':
          if (fn === 'rate' || (fn === null && head.monotonic)) return { ...base, fn: 'rate', points: rateSeries(stored, fromMs, toMs, stepMs) };
          return { ...base, fn: 'value', points: stored.map((p) => ({ t: p.t, v: p.value })) };
        case 'histogram':
        case 'exponential_histogram': {
          const steps = histogramIncreases(stored, fromMs, toMs, stepMs);
          return {
            ...base,
            fn: 'quantile',
            points: steps.map((s) => ({
              t: s.t,
              count: s.count,
              sum: s.sum,
              quantiles: Object.fromEntries(quantiles.map((qq) => [String(qq), histogramQuantile(qq, s.bounds, s.buckets)])),
            })),
          };
        }
        case 'summary':
          return {
            ...base,
            fn: 'summary',
            points: stored.map((p) => ({ t: p.t, count: p.count, sum: p.sum, quantiles: Object.fromEntries(p.quantiles.map((qq, i) => [String(qq), p.quantileValues[i]])) })),
          };
        default:
          return stepRaw ? { ...base, fn: 'mean', points: meanSeries(stored, fromMs, toMs, stepMs) } : { ...base, fn: 'value', points: stored.map((p) => ({ t: p.t, v: p.value })) };
      }
    });
    return ok({ ...(name ? { name } : {}), ...(signal ? { signal } : {}), start: fromMs, end: toMs, stepMs, truncated, series: out });
  };
}

/**
 * A stored Float64 as JSON is a number, or "nan" / "inf" / "-inf" (ClickHouse writes those as strings).
 * Non-finite values count as no value: NaN is how Prometheus-style sources mark a missing sample, and
 * JSON cannot carry either.
 */
function float(v: number | string | null): number | null {
  const n = typeof v === 'string' ? Number.NaN : v;
  return n === null || !Number.isFinite(n) ? null : n;
}

function toStored(r: PointRow): StoredPoint {
  const exp = r.type === 'exponential_histogram'
    ? exponentialToExplicit(r.exp_scale, r.exp_zero_count, r.exp_positive_offset, r.exp_positive_counts, r.exp_negative_offset, r.exp_negative_counts)
    : null;
  return {
    t: Number(r.t),
    start: Number(r.start),
    temporality: r.temporality,
    value: float(r.value),
    count: r.count,
    sum: float(r.sum),
    bounds: exp ? exp.bounds : r.explicit_bounds,
    buckets: exp ? exp.buckets : r.bucket_counts,
    quantiles: r.quantiles,
    quantileValues: r.quantile_values,
  };
}

function meanSeries(points: readonly StoredPoint[], from: number, to: number, stepMs: number): { t: number; v: number | null }[] {
  const n = Math.max(1, Math.ceil((to - from) / stepMs));
  const sum = new Array<number>(n).fill(0);
  const cnt = new Array<number>(n).fill(0);
  for (const p of points) {
    const i = Math.floor((p.t - from) / stepMs);
    if (i < 0 || i >= n || p.value === null) continue;
    sum[i] += p.value;
    cnt[i]++;
  }
  return sum.map((s, i) => ({ t: from + i * stepMs, v: cnt[i] ? s / cnt[i] : null }));
}

function sortedLabels(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
