/**
 * One metric point to its canonical signal: the alias entry (canonical.ts) applied to the point's
 * value and attributes.
 */
import type { CanonicalSignal } from '../../model/metric.js';
import type { AnyValue, Attributes } from '../../receivers/otlp/types.js';
import { asString } from '../attributes.js';
import { signalAlias, type SignalAlias } from './canonical.js';
import { throttleReasonsLabel } from './throttle-reasons.js';

/** What {@link canonicalSignal} reads of a point. */
export interface SignalSource {
  readonly name: string;
  /** gauge or sum value; null for histograms, summaries and points without a value. */
  readonly value: number | null;
  readonly attributes: Attributes;
}

const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * The canonical signal of a metric point, or null when its name is no known alias (or a variant
 * rule drops it, e.g. `hw.errors` of a disk). The value is scaled to the signal's unit; labels hold
 * what the alias fixes, copies from attributes or decodes from the value.
 * @example
 * canonicalSignal({ name: 'DCGM_FI_DEV_GPU_UTIL', value: 87, attributes: {} })
 * // { name: 'gpu.utilization', value: 0.87, labels: {} }
 */
export function canonicalSignal(point: SignalSource): CanonicalSignal | null {
  const alias = signalAlias(point.name);
  return alias === undefined ? null : signalFromAlias(alias, point.value, point.attributes);
}

/**
 * Applies an alias entry to a value and attributes (for callers that looked the alias up once per
 * metric). See {@link canonicalSignal}.
 */
export function signalFromAlias(alias: SignalAlias, value: number | null, attributes: Attributes): CanonicalSignal | null {
  let name: string = alias.signal;
  const variants = alias.variants;
  if (variants !== undefined) {
    const v = asString(attributes[variants.key]);
    if (v !== null) {
      const key = v.toLowerCase();
      if (Object.hasOwn(variants.values, key)) {
        const picked = variants.values[key];
        if (picked === null) return null;
        name = picked;
      } else if (variants.others === 'drop') {
        return null;
      }
    }
  }
  return { name, value: value === null ? null : scaled(value, alias.scale), labels: labelsOf(alias, value, attributes) };
}

/**
 * `value * scale`, computed so that decimal factors stay exact: 87 % is 0.87, not the
 * 0.8700000000000001 that multiplying by the binary approximation of 0.01 gives. Factors below 1
 * are reciprocals of integers (percent, milli, micro), applied as one division.
 */
function scaled(value: number, scale: number): number {
  return scale >= 1 ? value * scale : value / Math.round(1 / scale);
}

function labelsOf(alias: SignalAlias, value: number | null, attributes: Attributes): Readonly<Record<string, string>> {
  let out: Record<string, string> | null = null;
  if (alias.copy !== undefined) {
    for (const label in alias.copy) {
      const s = firstLabelValue(attributes, alias.copy[label]);
      if (s !== null) (out ??= { ...alias.fixed })[label] = s;
    }
  }
  if (value !== null && alias.decode === 'throttle_reasons') {
    const reasons = throttleReasonsLabel(value);
    if (reasons !== null) (out ??= { ...alias.fixed }).reasons = reasons;
  } else if (value !== null && alias.decode === 'xid' && Number.isInteger(value) && value > 0) {
    // 0 is "no XID yet": no code to name.
    (out ??= { ...alias.fixed }).xid = String(value);
  }
  return out ?? alias.fixed ?? NO_LABELS;
}

/** The first attribute of `keys` as a label: scalars as text, arrays as a sorted comma list. */
function firstLabelValue(attributes: Attributes, keys: readonly string[]): string | null {
  for (const k of keys) {
    const s = labelText(attributes[k]);
    if (s !== null) return s;
  }
  return null;
}

function labelText(v: AnyValue | undefined): string | null {
  if (!Array.isArray(v)) return asString(v);
  const parts: string[] = [];
  for (const item of v) {
    const s = asString(item);
    if (s !== null) parts.push(s);
  }
  return parts.length === 0 ? null : parts.sort().join(',');
}
