/**
 * A parsed Prometheus / OpenMetrics exposition as an OTLP metrics export request, so that scraped
 * metrics enter Strata exactly as pushed OTLP metrics do (shapes of `receivers/otlp/types.ts`).
 *
 * Mapping, per family type:
 * - counter: a monotonic cumulative sum per exposed sample name (`vllm:prompt_tokens_total`);
 * - gauge, untyped, unknown, stateset: a gauge per exposed sample name; info: a gauge of value 1;
 * - histogram, gaugehistogram: one cumulative histogram point per label set without `le`, with
 *   explicit bounds from the sorted finite `le` values and per-bucket (not cumulative) counts;
 * - summary: one summary point per label set without `quantile`.
 * `_created` samples become the start time of their series and are not emitted. The text 0.0.4
 * form of the Python client, where `foo_created` is a separate gauge family next to the counter
 * `foo_total` (or histogram / summary `foo`), is recognised too.
 */
import type {
  Attributes,
  Exemplar,
  ExportMetricsRequest,
  HistogramDataPoint,
  MetricData,
  NumberDataPoint,
  OtlpMetric,
  SummaryDataPoint,
} from '../otlp/types.js';
import { setKey } from './parse-text.js';
import type { MetricFamily, ParsedExemplar, ParsedExposition, Sample } from './parse-text.js';

/** Instrumentation scope name of every scraped metric. */
export const SCRAPE_SCOPE_NAME = 'strata.scrape';

/** AggregationTemporality CUMULATIVE: Prometheus counters and histograms count from their start. */
const CUMULATIVE = 2;
const TRACE_ID = /^[0-9a-fA-F]{32}$/;
const SPAN_ID = /^[0-9a-fA-F]{16}$/;

/**
 * Converts one scrape. Point times are the samples' own timestamps, else `scrapeTimeMs`; start
 * times come from `_created` samples, else 0n. Non-finite values are kept. Never throws.
 * @example
 * const parsed = parseExposition(text, { openMetrics: false, scrapeTimeMs: now });
 * const request = toMetricsRequest(parsed, { 'service.name': 'vllm' }, now);
 */
export function toMetricsRequest(parsed: ParsedExposition, resource: Attributes, scrapeTimeMs: number): ExportMetricsRequest {
  const scrapeNs = msToNs(scrapeTimeMs);
  const createdFamilies = separateCreatedFamilies(parsed.families);
  const metrics: OtlpMetric[] = [];
  for (const family of parsed.families) {
    if (createdFamilies.consumed.has(family)) continue;
    const created = createdTimes(family, createdFamilies.byTarget.get(family));
    switch (family.type) {
      case 'histogram':
      case 'gaugehistogram':
        if (family.samples.length > 0) metrics.push(metric(family, family.name, histogram(family, created, scrapeNs)));
        break;
      case 'summary':
        if (family.samples.length > 0) metrics.push(metric(family, family.name, summary(family, created, scrapeNs)));
        break;
      default:
        for (const [name, points] of numberPoints(family, created, scrapeNs)) {
          const data: MetricData =
            family.type === 'counter'
              ? { type: 'sum', dataPoints: points, aggregationTemporality: CUMULATIVE, isMonotonic: true }
              : { type: 'gauge', dataPoints: points };
          metrics.push(metric(family, name, data));
        }
    }
  }
  return {
    resourceMetrics: [
      {
        resource: { attributes: { ...resource }, droppedAttributesCount: 0 },
        scopeMetrics: [
          { scope: { name: SCRAPE_SCOPE_NAME, version: '', attributes: {}, droppedAttributesCount: 0 }, metrics, schemaUrl: '' },
        ],
        schemaUrl: '',
      },
    ],
  };
}

function metric(family: MetricFamily, name: string, data: MetricData): OtlpMetric {
  return { name, description: family.help, unit: family.unit, data, metadata: {} };
}

/** Unix ms as unix ns; negative or non-finite times are "absent" (0n). */
function msToNs(ms: number): bigint {
  if (!Number.isFinite(ms) || ms < 0) return 0n;
  const whole = Math.floor(ms);
  return BigInt(whole) * 1_000_000n + BigInt(Math.round((ms - whole) * 1e6));
}

function pointTime(timestampMs: number | null, scrapeNs: bigint): bigint {
  return timestampMs === null ? scrapeNs : msToNs(timestampMs);
}

/** A series identity: sorted label pairs, without the label `omit` (`le`, `quantile`). */
function seriesKey(labels: Readonly<Record<string, string>>, omit?: string): string {
  const keys = Object.keys(labels).filter((k) => k !== omit);
  if (keys.length > 1) keys.sort();
  let key = '';
  for (const k of keys) key += `${k}\u0001${labels[k]}\u0000`;
  return key;
}

function attributesOf(labels: Readonly<Record<string, string>>, omit?: string): Attributes {
  const out: Attributes = {};
  for (const k of Object.keys(labels)) if (k !== omit) setKey(out, k, labels[k]);
  return out;
}

/** Finds `X_created` gauge families standing for the start times of a counter / histogram / summary `X`. */
function separateCreatedFamilies(families: readonly MetricFamily[]): {
  byTarget: Map<MetricFamily, MetricFamily>;
  consumed: Set<MetricFamily>;
} {
  const candidates = new Map<string, MetricFamily>();
  for (const f of families) {
    if (f.name.endsWith('_created') && (f.type === 'gauge' || f.type === 'untyped' || f.type === 'unknown')) candidates.set(f.name, f);
  }
  const byTarget = new Map<MetricFamily, MetricFamily>();
  const consumed = new Set<MetricFamily>();
  if (candidates.size === 0) return { byTarget, consumed };
  for (const f of families) {
    if (f.type !== 'counter' && f.type !== 'histogram' && f.type !== 'summary') continue;
    const base = f.type === 'counter' && f.name.endsWith('_total') ? f.name.slice(0, -'_total'.length) : f.name;
    const created = candidates.get(`${base}_created`);
    if (created !== undefined && !consumed.has(created)) {
      byTarget.set(f, created);
      consumed.add(created);
    }
  }
  return { byTarget, consumed };
}

/** Start times by series key, from the family's own `_created` samples and any separate `_created` family. */
function createdTimes(family: MetricFamily, separate: MetricFamily | undefined): Map<string, bigint> {
  const times = new Map<string, bigint>();
  const createdName = `${family.name}_created`;
  const add = (s: Sample): void => {
    if (!times.has(seriesKey(s.labels))) times.set(seriesKey(s.labels), msToNs(s.value * 1000));
  };
  if (family.type === 'counter' || family.type === 'histogram' || family.type === 'summary') {
    for (const s of family.samples) if (s.name === createdName) add(s);
  }
  if (separate !== undefined) for (const s of separate.samples) add(s);
  return times;
}

function exemplar(e: ParsedExemplar, pointNs: bigint): Exemplar {
  let traceId = '';
  let spanId = '';
  const filteredAttributes: Attributes = {};
  for (const [k, v] of Object.entries(e.labels)) {
    if (k === 'trace_id' && TRACE_ID.test(v)) traceId = v.toLowerCase();
    else if (k === 'span_id' && SPAN_ID.test(v)) spanId = v.toLowerCase();
    else setKey(filteredAttributes, k, v);
  }
  const timeUnixNano = e.timestampMs === null ? pointNs : msToNs(e.timestampMs);
  return { filteredAttributes, timeUnixNano, value: e.value, spanId, traceId };
}

/** Number points grouped by exposed sample name, in order of first appearance. */
function numberPoints(family: MetricFamily, created: Map<string, bigint>, scrapeNs: bigint): Map<string, NumberDataPoint[]> {
  const byName = new Map<string, NumberDataPoint[]>();
  const createdName = `${family.name}_created`;
  for (const s of family.samples) {
    if (family.type === 'counter' && s.name === createdName) continue;
    const timeUnixNano = pointTime(s.timestampMs, scrapeNs);
    const point: NumberDataPoint = {
      attributes: attributesOf(s.labels),
      startTimeUnixNano: family.type === 'counter' ? (created.get(seriesKey(s.labels)) ?? 0n) : 0n,
      timeUnixNano,
      exemplars: s.exemplar === undefined ? [] : [exemplar(s.exemplar, timeUnixNano)],
      flags: 0,
      value: family.type === 'info' ? 1 : s.value,
      isInt: false,
    };
    const points = byName.get(s.name);
    if (points === undefined) byName.set(s.name, [point]);
    else points.push(point);
  }
  return byName;
}

/** Samples of one histogram or summary series, collected before the point is built. */
interface Series {
  attributes: Attributes;
  key: string;
  timestampMs: number | null;
  count?: number;
  sum?: number;
  /** Histogram: (le, cumulative count); summary: (quantile, value). */
  entries: { at: number; value: number }[];
  exemplars: ParsedExemplar[];
}

/** Groups a family's samples by series; `role` names what a sample is, or undefined to skip it. */
function collectSeries(family: MetricFamily, omit: string, role: (suffix: string) => 'entry' | 'count' | 'sum' | undefined): Series[] {
  const series = new Map<string, Series>();
  for (const s of family.samples) {
    const kind = role(s.name.slice(family.name.length));
    if (kind === undefined) continue;
    const key = seriesKey(s.labels, omit);
    let entry = series.get(key);
    if (entry === undefined) {
      entry = { attributes: attributesOf(s.labels, omit), key, timestampMs: null, entries: [], exemplars: [] };
      series.set(key, entry);
    }
    if (entry.timestampMs === null) entry.timestampMs = s.timestampMs;
    if (s.exemplar !== undefined) entry.exemplars.push(s.exemplar);
    if (kind === 'count') entry.count = s.value;
    else if (kind === 'sum') entry.sum = s.value;
    else {
      const at = parseBound(s.labels[omit]);
      if (!Number.isNaN(at)) entry.entries.push({ at, value: s.value });
    }
  }
  return [...series.values()];
}

/** A `le` / `quantile` label value as a number (NaN when absent or unreadable). */
function parseBound(text: string | undefined): number {
  if (text === undefined) return NaN;
  const t = text.trim().toLowerCase();
  if (t === '+inf' || t === 'inf') return Infinity;
  if (t === '-inf') return -Infinity;
  return t === '' ? NaN : Number(t);
}

function histogram(family: MetricFamily, created: Map<string, bigint>, scrapeNs: bigint): MetricData {
  const gauge = family.type === 'gaugehistogram';
  const countSuffix = gauge ? '_gcount' : '_count';
  const sumSuffix = gauge ? '_gsum' : '_sum';
  const all = collectSeries(family, 'le', (suffix) =>
    suffix === '_bucket' ? 'entry' : suffix === countSuffix ? 'count' : suffix === sumSuffix ? 'sum' : undefined,
  );
  const dataPoints = all.map((s): HistogramDataPoint => {
    const timeUnixNano = pointTime(s.timestampMs, scrapeNs);
    const buckets = s.entries.sort((a, b) => a.at - b.at);
    const explicitBounds: number[] = [];
    const cumulative: number[] = [];
    let infinite: number | undefined;
    for (const b of buckets) {
      if (b.at === Infinity) infinite = Math.max(infinite ?? b.value, b.value);
      else if (!Number.isFinite(b.at)) continue;
      else if (explicitBounds.length > 0 && explicitBounds[explicitBounds.length - 1] === b.at) {
        // "1" and "1.0" are the same bound: keep one
        cumulative[cumulative.length - 1] = Math.max(cumulative[cumulative.length - 1], b.value);
      } else {
        explicitBounds.push(b.at);
        cumulative.push(b.value);
      }
    }
    const total = infinite ?? s.count ?? cumulative[cumulative.length - 1] ?? 0;
    const bucketCounts: number[] = [];
    let previous = 0;
    for (const c of [...cumulative, total]) {
      const d = c - previous;
      bucketCounts.push(d > 0 ? d : 0); // cumulative counts never fall; a fall or NaN counts as empty
      if (c > previous) previous = c;
    }
    return {
      attributes: s.attributes,
      startTimeUnixNano: gauge ? 0n : (created.get(s.key) ?? 0n),
      timeUnixNano,
      exemplars: s.exemplars.map((e) => exemplar(e, timeUnixNano)),
      flags: 0,
      count: s.count ?? total,
      sum: s.sum ?? null,
      bucketCounts,
      explicitBounds,
      min: null,
      max: null,
    };
  });
  return { type: 'histogram', dataPoints, aggregationTemporality: CUMULATIVE };
}

function summary(family: MetricFamily, created: Map<string, bigint>, scrapeNs: bigint): MetricData {
  const all = collectSeries(family, 'quantile', (suffix) =>
    suffix === '' ? 'entry' : suffix === '_count' ? 'count' : suffix === '_sum' ? 'sum' : undefined,
  );
  const dataPoints = all.map(
    (s): SummaryDataPoint => ({
      attributes: s.attributes,
      startTimeUnixNano: created.get(s.key) ?? 0n,
      timeUnixNano: pointTime(s.timestampMs, scrapeNs),
      flags: 0,
      count: s.count ?? 0,
      sum: s.sum ?? 0,
      quantileValues: s.entries.sort((a, b) => a.at - b.at).map((e) => ({ quantile: e.at, value: e.value })),
    }),
  );
  return { type: 'summary', dataPoints };
}
