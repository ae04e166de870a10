/**
 * Metric points to windowed values: a gauge's mean over the window, a counter's increase turned into
 * a rate per second, a histogram's mean (increase of its sum over increase of its count). Counters
 * and cumulative histograms are remembered per series (entity, signal and point attributes), so an
 * increase is the difference from the previous point: a drop is a reset (the new value is the
 * increase, as Prometheus counts it), and an increase across a silence much longer than the series'
 * usual spacing is not counted at all (it would lump minutes of counts into one window after a
 * telemetry gap).
 */
import type { AnyValue, Attributes } from '../receivers/otlp/types.js';

/** One series' points in one window. */
export class MetricAcc {
  /** Gauges. */
  sum = 0;
  n = 0;
  /** Counters: increases and the time they span (ms). */
  increase = 0;
  spanMs = 0;
  /** Histograms: increases of sum and count. */
  histSum = 0;
  histCount = 0;

  constructor(
    readonly entity: string,
    readonly signal: string,
  ) {}

  /** The window's value, or null when it holds nothing to judge. */
  value(kind: 'gauge' | 'rate' | 'mean'): number | null {
    if (kind === 'gauge') return this.n === 0 ? null : this.sum / this.n;
    if (kind === 'rate') return this.spanMs <= 0 ? null : this.increase / (this.spanMs / 1000);
    return this.histCount <= 0 ? null : this.histSum / this.histCount;
  }
}

/** A silence longer than this many usual spacings (and at least MIN_GAP_MS) breaks a counter's chain. */
const GAP_SPACINGS = 4;
const MIN_GAP_MS = 60_000;

interface Last {
  v: number;
  s: number;
  t: number;
  spacing: number;
}

export interface Increase {
  /** Counters: the increase; histograms: the count's increase. */
  readonly inc: number;
  /** Histograms: the sum's increase. */
  readonly sumInc: number;
  readonly dtMs: number;
}

/** The previous point of every counter and cumulative histogram series. */
export class CounterMemory {
  private readonly last = new Map<string, Last>();
  outOfOrder = 0;

  /**
   * The increase since the series' previous point; null for its first point, a point older than the
   * previous one, or one after a long silence. `sum` is the histogram sum (0 for counters).
   */
  increase(key: string, v: number, sum: number, tMs: number): Increase | null {
    const prev = this.last.get(key);
    if (prev === undefined) {
      this.last.set(key, { v, s: sum, t: tMs, spacing: 0 });
      return null;
    }
    const dt = tMs - prev.t;
    if (dt <= 0) {
      if (dt < 0) this.outOfOrder++;
      return null;
    }
    const silent = dt > Math.max(MIN_GAP_MS, GAP_SPACINGS * prev.spacing);
    const reset = v < prev.v;
    const inc = reset ? v : v - prev.v;
    const sumInc = reset ? sum : sum - prev.s;
    prev.spacing = prev.spacing === 0 ? dt : prev.spacing * 0.8 + Math.min(dt, 4 * prev.spacing) * 0.2;
    prev.v = v;
    prev.s = sum;
    prev.t = tMs;
    return silent ? null : { inc, sumInc, dtMs: dt };
  }
}

function scalar(v: AnyValue): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v !== null && typeof v === 'object' && 'int' in v) return String(v.int);
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
}

/** A stable key of a point's attributes (for counter memory; points of one series share it). */
export function attributesKey(attrs: Attributes): string {
  const keys = Object.keys(attrs);
  if (keys.length === 0) return '';
  keys.sort();
  let out = '';
  for (const k of keys) out += `${k}=${scalar(attrs[k])}\u0001`;
  return out;
}
