import type { MetricPoint } from '../../model/metric.js';
import { entityId } from '../../model/entity.js';
import type { Attributes } from '../../receivers/otlp/types.js';
import { anyValueJson, attributesJson, intOrNull, jstr, numberArray, numberOrNull, sharedAttributesJson, stringArray } from './json.js';

/** One JSONEachRow line (without the newline) for the `metric_points` table. */
export function metricPointRow(p: MetricPoint): string {
  const exp = p.exponential;
  let exemplars = '[';
  for (let i = 0; i < p.exemplars.length; i++) {
    const e = p.exemplars[i];
    exemplars +=
      (i ? ',' : '') +
      `{"timeUnixNano":"${e.timeUnixNano}","value":${numberOrNull(e.value)},"traceId":"${e.traceId}","spanId":"${e.spanId}","filteredAttributes":${attributesJson(e.filteredAttributes)}}`;
  }
  exemplars += ']';
  return (
    `{"name":${jstr(p.name)},${signalFields(p)},"description":${jstr(p.description)},"unit":${jstr(p.unit)}` +
    `,"type":"${p.type}","temporality":${p.temporality},"monotonic":${p.monotonic}` +
    `,"service":${jstr(p.service)},"labels":${labelsJson(p.attributes)}` +
    `,"attributes":${attributesJson(p.attributes)},"resource":${sharedAttributesJson(p.resource)}` +
    `,"scope_name":${jstr(p.scope.name)},"scope_version":${jstr(p.scope.version)}` +
    `,"start_time":${p.startTimeUnixNano},"time":${p.timeUnixNano},"flags":${p.flags}` +
    `,"value":${nullableFloat(p.value)},"count":${intOrNull(p.count)},"sum":${nullableFloat(p.sum)}` +
    `,"min":${nullableFloat(p.min)},"max":${nullableFloat(p.max)}` +
    `,"explicit_bounds":${numberArray(p.explicitBounds)},"bucket_counts":${numberArray(p.bucketCounts)}` +
    `,"exp_scale":${exp?.scale ?? 0},"exp_zero_count":${exp?.zeroCount ?? 0},"exp_zero_threshold":${exp?.zeroThreshold ?? 0}` +
    `,"exp_positive_offset":${exp?.positiveOffset ?? 0},"exp_positive_counts":${numberArray(exp?.positiveBucketCounts ?? [])}` +
    `,"exp_negative_offset":${exp?.negativeOffset ?? 0},"exp_negative_counts":${numberArray(exp?.negativeBucketCounts ?? [])}` +
    `,"quantiles":${numberArray(p.quantiles.map((q) => q.quantile))},"quantile_values":${numberArray(p.quantiles.map((q) => q.value))}` +
    `,"exemplars":${exemplars},"entities":${stringArray(p.entities.refs.map(entityId))}}`
  );
}

/** The `signal`, `signal_value` and `signal_labels` columns (empty, null and {} without a signal). */
function signalFields(p: MetricPoint): string {
  const s = p.signal;
  if (s === null) return '"signal":"","signal_value":null,"signal_labels":{}';
  let labels = '{';
  let first = true;
  for (const key in s.labels) {
    labels += (first ? '' : ',') + jstr(key) + ':' + jstr(s.labels[key]);
    first = false;
  }
  return `"signal":${jstr(s.name)},"signal_value":${nullableFloat(s.value)},"signal_labels":${labels}}`;
}

/** Point attributes flattened to strings: the series labels used for grouping and filtering. */
function labelsJson(attributes: Attributes): string {
  let out = '{';
  let first = true;
  for (const key in attributes) {
    const v = attributes[key];
    const text = typeof v === 'string' ? v : anyValueJson(v);
    out += (first ? '' : ',') + jstr(key) + ':' + jstr(text);
    first = false;
  }
  return out + '}';
}

/** A Nullable(Float64) that keeps NaN and infinities (ClickHouse reads "nan", "inf"). */
function nullableFloat(value: number | null): string {
  if (value === null) return 'null';
  if (Number.isFinite(value)) return String(value);
  return Number.isNaN(value) ? '"nan"' : value > 0 ? '"inf"' : '"-inf"';
}
