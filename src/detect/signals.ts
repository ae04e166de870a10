/**
 * The signals detection follows, and how each is judged: the layer it belongs to, which direction is
 * bad, whether an entity is compared with its own past alone (`absolute`) or with its peers' current
 * level first (`peer`: load-driven signals, so a fleet-wide traffic ramp moves the reference with it
 * and only an entity leaving its peers opens an anomaly), whether it is judged on a log scale, and the
 * smallest change that counts (so a flat, noise-free series never alarms on a tiny move).
 *
 * Every number here is a default that the `detection.signals` section can override per signal.
 */
import type { Layer } from '../model/faults.js';

export type Direction = 'up' | 'down' | 'both';
export type ShiftMode = 'absolute' | 'peer';

/** How a series of windowed values is judged against its adaptive baseline. */
export interface ShiftSpec {
  readonly kind: 'shift';
  readonly layer: Layer;
  readonly direction: Direction;
  readonly mode: ShiftMode;
  /** Judge ln(value): for positive, multiplicative quantities (latencies, clocks). */
  readonly log: boolean;
  /** Smallest |observed - expected| that counts, in the signal's unit. */
  readonly minAbs: number;
  /** Smallest |observed - expected| / |expected| that counts. */
  readonly minRel: number;
  /** Rates only: events (errors, flags, alarms) a window needs before a rise counts. */
  readonly minHits: number;
  /** Anomalous windows in a row that open, when not the configured default (bursty gauges need more). */
  readonly persistence?: number;
  /** What the detail calls the value, and how it is printed. */
  readonly label: string;
  readonly unit: Unit;
}

/** A rule for telemetry that is bad by definition. */
export interface EventSpec {
  readonly kind: 'event';
  readonly layer: Layer;
  /** Rule-specific floor: XID codes none, ECC and NVLink the error increase that opens. */
  readonly threshold: number;
  /** Observations in a row that open (throttle reasons: points with the reason set). */
  readonly persistence: number;
  /** An event with no new evidence for this long closes. */
  readonly holdMs: number;
}

/** Telemetry stopping: a scrape target down, or a source gone silent. */
export interface GapSpec {
  readonly kind: 'gap';
  readonly layer: Layer;
}

export type SignalSpec = ShiftSpec | EventSpec | GapSpec;

/** How a value is printed in an anomaly's detail. */
export type Unit = 'ratio' | 'share' | 's' | 'Hz' | 'W' | 'Cel' | 'By' | 'count' | 'per_s' | 'ece';

const shift = (layer: Layer, direction: Direction, mode: ShiftMode, label: string, unit: Unit, floors: { abs?: number; rel?: number; hits?: number; log?: boolean; persistence?: number }): ShiftSpec => ({
  kind: 'shift',
  layer,
  direction,
  mode,
  log: floors.log ?? false,
  minAbs: floors.abs ?? 0,
  minRel: floors.rel ?? 0,
  minHits: floors.hits ?? 0,
  ...(floors.persistence === undefined ? {} : { persistence: floors.persistence }),
  label,
  unit,
});

/** Signals computed from spans, per replica and per model. */
export const SPAN_SIGNALS = {
  /** Both ways: corrupted output loses confidence, over-quantised weights may state more of it. */
  'span.confidence': shift('confidence', 'both', 'absolute', 'mean confidence', 'ratio', { abs: 0.05 }),
  'span.format_failure_rate': shift('confidence', 'up', 'absolute', 'verbalized confidence missing or unreadable in', 'share', { abs: 0.1, hits: 3 }),
  'span.error_rate': shift('infrastructure', 'up', 'peer', 'error rate', 'share', { abs: 0.05, hits: 3 }),
  'span.ttft': shift('infrastructure', 'up', 'peer', 'median TTFT', 's', { abs: 0.02, rel: 0.3, log: true }),
  'span.itl': shift('infrastructure', 'up', 'peer', 'median inter-token latency', 's', { abs: 0.002, rel: 0.2, log: true }),
  /** One series per monitor: `monitor.flag_rate.<monitor name>`. */
  'monitor.flag_rate': shift('behaviour', 'up', 'absolute', 'flag rate', 'share', { abs: 0.05, hits: 3 }),
  'probe.alarm_rate': shift('internals', 'up', 'absolute', 'probe alarm rate', 'share', { abs: 0.1, hits: 3 }),
  'probe.agreement': shift('internals', 'down', 'absolute', 'mean probe/output agreement', 'ratio', { abs: 0.1 }),
} as const satisfies Record<string, ShiftSpec>;

/** Signals computed from metric points (canonical names, metric-signals/names.ts). */
export const METRIC_SIGNALS = {
  'gpu.clock.sm': shift('infrastructure', 'down', 'peer', 'SM clock', 'Hz', { rel: 0.1, log: true }),
  'gpu.temperature': shift('infrastructure', 'up', 'peer', 'temperature', 'Cel', { abs: 8 }),
  /** Power draw over the GPU's power limit when one is reported (a lowered cap raises it), else watts. */
  'gpu.power.draw': shift('infrastructure', 'up', 'peer', 'power draw', 'W', { rel: 0.15 }),
  /** A lowered power limit is a configuration change a power cap shows first. */
  'gpu.power.limit': shift('infrastructure', 'down', 'absolute', 'power limit', 'W', { rel: 0.05 }),
  'gpu.utilization': shift('infrastructure', 'up', 'peer', 'utilization', 'share', { abs: 0.1 }),
  /** Engines preallocate their memory: a flat series, where another tenant shows as a step. */
  'gpu.memory.used': shift('infrastructure', 'up', 'absolute', 'memory used', 'By', { rel: 0.03 }),
  'engine.kv_cache.usage': shift('infrastructure', 'up', 'peer', 'KV cache usage', 'share', { abs: 0.2 }),
  /** A bursty gauge: three windows in a row. */
  'engine.requests.waiting': shift('infrastructure', 'up', 'peer', 'requests waiting', 'count', { abs: 5, rel: 0.5, persistence: 3 }),
  /** The counter's rate per second over the window. */
  'engine.preemptions': shift('infrastructure', 'up', 'peer', 'preemptions', 'per_s', { abs: 0.1 }),
  /** Histograms: the window's mean (increase of sum over increase of count). */
  'engine.ttft': shift('infrastructure', 'up', 'peer', 'mean TTFT (engine)', 's', { abs: 0.02, rel: 0.3, log: true }),
  'engine.itl': shift('infrastructure', 'up', 'peer', 'mean inter-token latency (engine)', 's', { abs: 0.002, rel: 0.2, log: true }),
} as const satisfies Record<string, ShiftSpec>;

/** Calibration drift (calibration/drift.ts), per slice entity. */
export const CALIBRATION_SIGNAL = 'calibration.ece';

const MINUTE = 60_000;

export const EVENT_SIGNALS = {
  /** A non-zero XID code. */
  'gpu.xid': { kind: 'event', layer: 'infrastructure', threshold: 0, persistence: 1, holdMs: 5 * MINUTE },
  /** Uncorrectable (double-bit) ECC errors, volatile or aggregate counter: increase ≥ threshold. */
  'gpu.ecc.errors.volatile': { kind: 'event', layer: 'infrastructure', threshold: 1, persistence: 1, holdMs: 5 * MINUTE },
  /** Hardware slowdown reasons (weaker: software power cap, with more persistence and a lower score). */
  'gpu.throttle.reasons': { kind: 'event', layer: 'infrastructure', threshold: 0, persistence: 2, holdMs: 2 * MINUTE },
  /** NVLink error counters: increase over the trailing minute ≥ threshold. */
  'gpu.nvlink.errors': { kind: 'event', layer: 'infrastructure', threshold: 5, persistence: 1, holdMs: 2 * MINUTE },
} as const satisfies Record<string, EventSpec>;

export const GAP_SIGNALS = {
  /** A scrape target answered `up` 0 (or nvidia-smi's `gpu.telemetry.up` 0). */
  up: { kind: 'gap', layer: 'telemetry' },
  /** A source's metric points stopped arriving while the rest of the stream went on. */
  'telemetry.gap': { kind: 'gap', layer: 'telemetry' },
} as const satisfies Record<string, GapSpec>;

/** Every signal name the configuration may name (monitor series also as `monitor.flag_rate.<name>`). */
export const SIGNAL_NAMES: readonly string[] = [
  ...Object.keys(SPAN_SIGNALS),
  ...Object.keys(METRIC_SIGNALS),
  CALIBRATION_SIGNAL,
  ...Object.keys(EVENT_SIGNALS),
  ...Object.keys(GAP_SIGNALS),
];

export const MONITOR_SIGNAL_PREFIX = 'monitor.flag_rate.';

/** The series name of one monitor's flag rate. */
export function monitorSignal(monitor: string): string {
  return MONITOR_SIGNAL_PREFIX + monitor;
}

/** The built-in definition a signal name falls under (a monitor's series under `monitor.flag_rate`). */
export function baseSignal(name: string): string {
  return name.startsWith(MONITOR_SIGNAL_PREFIX) ? 'monitor.flag_rate' : name;
}

/** True for names the configuration accepts. */
export function isKnownSignal(name: string): boolean {
  return SIGNAL_NAMES.includes(name) || (name.startsWith(MONITOR_SIGNAL_PREFIX) && name.length > MONITOR_SIGNAL_PREFIX.length);
}

/** The built-in spec of a signal; undefined for names detection does not follow. */
export function builtinSpec(name: string): SignalSpec | undefined {
  const base = baseSignal(name);
  if (Object.hasOwn(SPAN_SIGNALS, base)) return SPAN_SIGNALS[base as keyof typeof SPAN_SIGNALS];
  if (Object.hasOwn(METRIC_SIGNALS, base)) return METRIC_SIGNALS[base as keyof typeof METRIC_SIGNALS];
  if (Object.hasOwn(EVENT_SIGNALS, base)) return EVENT_SIGNALS[base as keyof typeof EVENT_SIGNALS];
  if (Object.hasOwn(GAP_SIGNALS, base)) return GAP_SIGNALS[base as keyof typeof GAP_SIGNALS];
  if (base === CALIBRATION_SIGNAL) return shift('confidence', 'up', 'absolute', 'ECE', 'ece', {});
  return undefined;
}

/** The layer of a signal (where it was seen). */
export function layerOf(name: string): Layer {
  return builtinSpec(name)?.layer ?? 'infrastructure';
}
