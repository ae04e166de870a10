/**
 * What Prometheus remembers between scrapes of one target, applied to each converted scrape:
 * - counter resets: a cumulative series (sum, histogram, summary) whose value or count went down
 *   restarted; its start time moves to just after the previous scrape, so rates never go negative.
 *   Series without `_created` start at their first scrape.
 * - staleness: a series present in the previous scrape but not in this one, or every series when
 *   the target stopped answering, gets a point flagged "no recorded value" (OTLP's staleness
 *   marker, as Prometheus writes its stale NaN).
 * - out of order: a point not newer than the series' last one (exporters that repeat an explicit
 *   timestamp) is dropped, as Prometheus drops it.
 */
import type { ExportMetricsRequest, NumberDataPoint, OtlpMetric } from '../otlp/types.js';

/** OTLP DataPointFlags bit 0: no recorded value. */
export const FLAG_NO_RECORDED_VALUE = 1;

interface SeriesMemo {
  /** Last value (number points) or count (histogram, summary). */
  last: number;
  lastTime: bigint;
  start: bigint;
  /** The metric (name, type) the series belongs to, to write its staleness marker. */
  metric: OtlpMetric;
  attributes: NumberDataPoint['attributes'];
}

export interface SeriesOutcome {
  readonly resets: number;
  readonly stale: number;
  readonly outOfOrder: number;
}

function seriesKey(metric: string, attrs: Record<string, unknown>): string {
  const keys = Object.keys(attrs).sort();
  let key = metric;
  for (const k of keys) key += `\u0000${k}\u0001${String(attrs[k])}`;
  return key;
}

interface AnyPoint {
  attributes: NumberDataPoint['attributes'];
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  flags: number;
}

export class SeriesState {
  private series = new Map<string, SeriesMemo>();
  private previousScrapeNs = 0n;

  /** Rewrites `req` in place (start times, dropped points) and appends staleness markers. */
  apply(req: ExportMetricsRequest, scrapeNs: bigint): SeriesOutcome {
    let resets = 0;
    let outOfOrder = 0;
    const seen = new Set<string>();
    for (const rm of req.resourceMetrics)
      for (const sm of rm.scopeMetrics)
        for (const metric of sm.metrics) {
          const d = metric.data;
          if (d.type === 'empty') continue;
          const cumulative = d.type === 'histogram' || d.type === 'summary' || (d.type === 'sum' && d.aggregationTemporality === 2);
          const kept: AnyPoint[] = [];
          for (const p of d.dataPoints as AnyPoint[]) {
            const key = seriesKey(metric.name, p.attributes);
            seen.add(key);
            const level = 'count' in p ? (p as { count: number }).count : (p as unknown as NumberDataPoint).value;
            const memo = this.series.get(key);
            if (memo && p.timeUnixNano <= memo.lastTime) {
              outOfOrder++;
              continue;
            }
            if (cumulative) {
              if (p.startTimeUnixNano === 0n) {
                const restarted = memo !== undefined && level < memo.last;
                if (restarted) resets++;
                p.startTimeUnixNano = memo === undefined ? p.timeUnixNano : restarted ? this.previousScrapeNs + 1n : memo.start;
              } else if (memo && level < memo.last && p.startTimeUnixNano <= memo.start) {
                resets++;
                p.startTimeUnixNano = this.previousScrapeNs + 1n;
              }
            }
            this.series.set(key, { last: level, lastTime: p.timeUnixNano, start: p.startTimeUnixNano, metric, attributes: p.attributes });
            kept.push(p);
          }
          (d as { dataPoints: AnyPoint[] }).dataPoints = kept;
        }
    const stale = this.markStale(req, seen, scrapeNs);
    this.previousScrapeNs = scrapeNs;
    return { resets, stale, outOfOrder };
  }

  /** The target did not answer: every known series goes stale. */
  allStale(req: ExportMetricsRequest, scrapeNs: bigint): number {
    const n = this.markStale(req, new Set(), scrapeNs);
    this.previousScrapeNs = scrapeNs;
    return n;
  }

  private markStale(req: ExportMetricsRequest, seen: Set<string>, scrapeNs: bigint): number {
    const markers = new Map<OtlpMetric, AnyPoint[]>();
    for (const [key, memo] of this.series) {
      if (seen.has(key)) continue;
      this.series.delete(key);
      const list = markers.get(memo.metric) ?? [];
      list.push({ attributes: memo.attributes, startTimeUnixNano: memo.start, timeUnixNano: scrapeNs > memo.lastTime ? scrapeNs : memo.lastTime + 1n, flags: FLAG_NO_RECORDED_VALUE });
      markers.set(memo.metric, list);
    }
    if (markers.size === 0) return 0;
    const metrics: OtlpMetric[] = [];
    let n = 0;
    for (const [metric, points] of markers) {
      n += points.length;
      metrics.push({ ...metric, data: staleData(metric, points) });
    }
    const target = req.resourceMetrics[0]?.scopeMetrics[0];
    if (target) target.metrics.push(...metrics);
    return n;
  }
}

/** Marker points of the metric's own type, with empty values. */
function staleData(metric: OtlpMetric, points: AnyPoint[]): OtlpMetric['data'] {
  const d = metric.data;
  const base = (p: AnyPoint) => ({ attributes: p.attributes, startTimeUnixNano: p.startTimeUnixNano, timeUnixNano: p.timeUnixNano, flags: p.flags });
  switch (d.type) {
    case 'gauge':
      return { type: 'gauge', dataPoints: points.map((p) => ({ ...base(p), exemplars: [], value: NaN, isInt: false })) };
    case 'sum':
      return { ...d, dataPoints: points.map((p) => ({ ...base(p), exemplars: [], value: NaN, isInt: false })) };
    case 'histogram':
      return { ...d, dataPoints: points.map((p) => ({ ...base(p), exemplars: [], count: 0, sum: null, bucketCounts: [], explicitBounds: [], min: null, max: null })) };
    case 'summary':
      return { type: 'summary', dataPoints: points.map((p) => ({ ...base(p), count: 0, sum: 0, quantileValues: [] })) };
    default:
      return d;
  }
}
