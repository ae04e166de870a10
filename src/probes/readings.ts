/**
 * Probe readings sent by the serving side (docs/probes.md, "Schema"), read from spans and from metrics.
 *
 * On a span, one reading per `strata.probe.reading` event (preferred: several probes per span), or one
 * reading in the span's own attributes. As a metric, each point of the gauge `strata.probe.score`.
 * Attributes, on the event, span or point:
 *
 * | attribute | type | |
 * | --- | --- | --- |
 * | `strata.probe.name` | string | required |
 * | `strata.probe.layer` | int | the model layer read |
 * | `strata.probe.score` | double (or int) | required unless propositions are given (a metric point's value) |
 * | `strata.probe.threshold` | double (or int) | the score at or above which the reading is an alarm |
 * | `strata.probe.label` | string | what the probe decoded, e.g. `deceptive` |
 * | `strata.probe.propositions` | string (JSON) | `[{"predicate","subject","object"}, ...]` |
 *
 * A metric point links to its span with `trace_id` and `span_id` attributes (hex strings), else with its
 * first exemplar that carries a trace id. Reading never throws: every malformed reading becomes a
 * {@link RejectedReading} whose `reason` names the attribute at fault.
 */
import type { MetricPoint } from '../model/metric.js';
import type { SpanRecord } from '../model/span.js';
import type { AnyValue, Attributes, Exemplar, OtlpMetric } from '../receivers/otlp/types.js';
import { isOtlpInt } from '../processors/attributes.js';
import { parsePropositions, type Proposition } from './propositions.js';

export const PROBE_READING_EVENT = 'strata.probe.reading';
export const PROBE_SCORE_METRIC = 'strata.probe.score';
export const PROBE_NAME = 'strata.probe.name';
export const PROBE_LAYER = 'strata.probe.layer';
export const PROBE_SCORE = 'strata.probe.score';
export const PROBE_THRESHOLD = 'strata.probe.threshold';
export const PROBE_LABEL = 'strata.probe.label';
export const PROBE_PROPOSITIONS = 'strata.probe.propositions';
/** Point attributes that link a `strata.probe.score` point to its span. */
export const TRACE_ID_ATTRIBUTE = 'trace_id';
export const SPAN_ID_ATTRIBUTE = 'span_id';

/** Where a reading came from: a span event, the span's attributes, a metric point, or a linear probe Strata applied. */
export type ReadingSource = 'event' | 'attributes' | 'metric' | 'linear';

/** One probe reading, validated. */
export interface ProbeReading {
  readonly probe: string;
  readonly layer: number | null;
  readonly score: number | null;
  readonly threshold: number | null;
  readonly label: string | null;
  /** Null when the reading carries no propositions; an empty list when the probe decoded none. */
  readonly propositions: readonly Proposition[] | null;
  /** score ≥ threshold, when both are known; false otherwise. */
  readonly alarm: boolean;
  readonly source: ReadingSource;
  /** The span the reading belongs to ('' when a metric point names none). */
  readonly traceId: string;
  readonly spanId: string;
}

/** A reading that failed validation; collected beside the valid ones, never thrown. */
export interface RejectedReading {
  readonly source: ReadingSource;
  /** The probe's name when it was readable. */
  readonly probe: string | null;
  readonly reason: string;
  readonly traceId: string;
  readonly spanId: string;
}

/** Valid and rejected readings of one span, metric or request. */
export interface Readings {
  readonly readings: ProbeReading[];
  readonly rejected: RejectedReading[];
}

type Field<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

function kindOf(v: AnyValue | undefined): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'an empty value';
  if (isOtlpInt(v)) return `int ${v.int}`;
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Uint8Array) return 'bytes';
  if (typeof v === 'object') return 'a kvlist';
  if (typeof v === 'number') return `double ${v}`;
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** An int attribute (int64, or a double holding an integer) that is 0 or more; absent gives null. */
export function readLayer(v: AnyValue | undefined, key = PROBE_LAYER): Field<number | null> {
  if (v === undefined) return { ok: true, value: null };
  const n = isOtlpInt(v) ? Number(v.int) : typeof v === 'number' ? v : NaN;
  if (!Number.isSafeInteger(n) || n < 0) return { ok: false, reason: `${key}: expected an int of 0 or more, got ${kindOf(v)}` };
  return { ok: true, value: n };
}

/** A finite double (or int) attribute; absent gives null; NaN, ±Infinity and other kinds are refused. */
function readFinite(v: AnyValue | undefined, key: string): Field<number | null> {
  if (v === undefined) return { ok: true, value: null };
  const n = isOtlpInt(v) ? Number(v.int) : typeof v === 'number' ? v : null;
  if (n === null) return { ok: false, reason: `${key}: expected a double, got ${kindOf(v)}` };
  if (!Number.isFinite(n)) return { ok: false, reason: `${key}: expected a finite number, got ${n}` };
  return { ok: true, value: n };
}

function readString(v: AnyValue | undefined, key: string): Field<string | null> {
  if (v === undefined) return { ok: true, value: null };
  if (typeof v !== 'string') return { ok: false, reason: `${key}: expected a string, got ${kindOf(v)}` };
  return { ok: true, value: v === '' ? null : v };
}

interface Link {
  readonly traceId: string;
  readonly spanId: string;
}

/**
 * One reading from a set of attributes. `score` overrides the `strata.probe.score` attribute (a metric
 * point's value). Every field is checked so the reason names the first one at fault.
 */
function readingFrom(attrs: Attributes, source: ReadingSource, link: Link, score?: number): ProbeReading | RejectedReading {
  const rejected = (probe: string | null, reason: string): RejectedReading => ({ source, probe, reason, ...link });
  const name = attrs[PROBE_NAME];
  if (name === undefined) return rejected(null, `${PROBE_NAME}: required`);
  if (typeof name !== 'string' || name.trim() === '') return rejected(null, `${PROBE_NAME}: expected a non-empty string, got ${kindOf(name)}`);
  const layer = readLayer(attrs[PROBE_LAYER]);
  if (!layer.ok) return rejected(name, layer.reason);
  const s = score === undefined ? readFinite(attrs[PROBE_SCORE], PROBE_SCORE) : readFinite(score, PROBE_SCORE);
  if (!s.ok) return rejected(name, s.reason);
  const threshold = readFinite(attrs[PROBE_THRESHOLD], PROBE_THRESHOLD);
  if (!threshold.ok) return rejected(name, threshold.reason);
  const label = readString(attrs[PROBE_LABEL], PROBE_LABEL);
  if (!label.ok) return rejected(name, label.reason);
  let propositions: readonly Proposition[] | null = null;
  const rawProps = attrs[PROBE_PROPOSITIONS];
  if (rawProps !== undefined) {
    if (typeof rawProps !== 'string') return rejected(name, `${PROBE_PROPOSITIONS}: expected a JSON string, got ${kindOf(rawProps)}`);
    const parsed = parsePropositions(rawProps);
    if (!parsed.ok) return rejected(name, `${PROBE_PROPOSITIONS}: ${parsed.reason}`);
    propositions = parsed.propositions;
  }
  if (s.value === null && propositions === null) return rejected(name, `${PROBE_SCORE}: required unless ${PROBE_PROPOSITIONS} is given`);
  return makeReading({ probe: name, layer: layer.value, score: s.value, threshold: threshold.value, label: label.value, propositions, source, ...link });
}

/** A reading with its `alarm` computed: score ≥ threshold when both are known. */
export function makeReading(r: Omit<ProbeReading, 'alarm'>): ProbeReading {
  return { ...r, alarm: r.score !== null && r.threshold !== null && r.score >= r.threshold };
}

/** True for a result of reading that was refused. */
export function isRejected(r: ProbeReading | RejectedReading): r is RejectedReading {
  return 'reason' in r;
}

function collect(into: Readings, r: ProbeReading | RejectedReading): void {
  if (isRejected(r)) into.rejected.push(r);
  else into.readings.push(r);
}

/**
 * The readings a span carries: one per `strata.probe.reading` event, in order, then one from the span's
 * attributes when they hold `strata.probe.name`, `strata.probe.score` or `strata.probe.propositions`.
 *
 * @example
 * const { readings, rejected } = readingsFromSpan(span);
 * readings.filter((r) => r.alarm).map((r) => r.probe);
 */
export function readingsFromSpan(span: Pick<SpanRecord, 'traceId' | 'spanId' | 'attributes' | 'events'>): Readings {
  const out: Readings = { readings: [], rejected: [] };
  const link = { traceId: span.traceId, spanId: span.spanId };
  for (const e of span.events) if (e.name === PROBE_READING_EVENT) collect(out, readingFrom(e.attributes, 'event', link));
  const a = span.attributes;
  if (a[PROBE_NAME] !== undefined || a[PROBE_SCORE] !== undefined || a[PROBE_PROPOSITIONS] !== undefined) collect(out, readingFrom(a, 'attributes', link));
  return out;
}

/** The span a point names: `trace_id`/`span_id` attributes (hex, any case), else its first exemplar with a trace id. */
function linkOf(attrs: Attributes, exemplars: readonly Exemplar[]): Link {
  const t = attrs[TRACE_ID_ATTRIBUTE];
  const s = attrs[SPAN_ID_ATTRIBUTE];
  if (typeof t === 'string' && t !== '') return { traceId: t.toLowerCase(), spanId: typeof s === 'string' ? s.toLowerCase() : '' };
  for (const x of exemplars) if (x.traceId !== '') return { traceId: x.traceId, spanId: x.spanId };
  return { traceId: '', spanId: '' };
}

function pointReading(attrs: Attributes, value: number | null, flags: number, exemplars: readonly Exemplar[]): ProbeReading | RejectedReading {
  const link = linkOf(attrs, exemplars);
  // DataPointFlags bit 0: the point records no value.
  if ((flags & 1) === 1 || value === null) {
    const name = attrs[PROBE_NAME];
    return { source: 'metric', probe: typeof name === 'string' ? name : null, reason: `${PROBE_SCORE_METRIC}: the point has no recorded value`, ...link };
  }
  return readingFrom(attrs, 'metric', link, value);
}

/**
 * The readings of one decoded OTLP metric: every point when it is the gauge `strata.probe.score`,
 * nothing for other metric names; a `strata.probe.score` metric of another type is rejected point by point.
 */
export function readingsFromMetric(metric: OtlpMetric): Readings {
  const out: Readings = { readings: [], rejected: [] };
  if (metric.name !== PROBE_SCORE_METRIC) return out;
  if (metric.data.type !== 'gauge') {
    const points = metric.data.type === 'empty' ? [] : (metric.data.dataPoints as readonly { attributes: Attributes }[]);
    for (const p of points) {
      const name = p.attributes[PROBE_NAME];
      out.rejected.push({
        source: 'metric', probe: typeof name === 'string' ? name : null, reason: `${PROBE_SCORE_METRIC}: expected a gauge, got a ${metric.data.type}`,
        ...linkOf(p.attributes, []),
      });
    }
    return out;
  }
  for (const p of metric.data.dataPoints) collect(out, pointReading(p.attributes, p.value, p.flags, p.exemplars));
  return out;
}

/**
 * The reading of one normalised metric point (what an ingest listener sees); null for points that are not
 * of `strata.probe.score`.
 */
export function readingFromMetricPoint(point: MetricPoint): ProbeReading | RejectedReading | null {
  if (point.name !== PROBE_SCORE_METRIC) return null;
  if (point.type !== 'gauge') {
    const name = point.attributes[PROBE_NAME];
    return { source: 'metric', probe: typeof name === 'string' ? name : null, reason: `${PROBE_SCORE_METRIC}: expected a gauge, got a ${point.type}`, ...linkOf(point.attributes, point.exemplars) };
  }
  return pointReading(point.attributes, point.value, point.flags, point.exemplars);
}
