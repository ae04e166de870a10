/**
 * The `detection:` section: windows, warm-up, sensitivity and per-signal overrides, validated; errors
 * name the field.
 *
 * ```yaml
 * detection:
 *   window: 10s          # event-time window every series is aggregated over
 *   warmup: 5m           # a series' baseline is learned over its first windows of this length
 *   lateness: 2s         # least wait for out-of-order data after a window ends (adapts up to 2m)
 *   sensitivity: 1       # > 1 more sensitive, < 1 less (or low | medium | high)
 *   z: 5                 # robust z-score a window must reach (before sensitivity)
 *   persistence: 2       # anomalous windows in a row that open an anomaly
 *   recovery: 3          # normal windows in a row that close it
 *   min_requests: 5      # span windows with fewer requests are merged with the next (up to 6)
 *   gap_intervals: 3     # a source silent this many of its intervals is a gap
 *   relearn_after: 30m   # a shift still open after this long becomes the new normal
 *   signals:
 *     gpu.temperature: { z: 6, threshold: 10 }
 *     span.ttft: { disabled: true }
 *     monitor.flag_rate.reward_hacking: { direction: up, relative: 0.5 }
 * ```
 * `detection: false` turns detection off.
 */
import { parseDurationMs } from '../duration.js';
import { baseSignal, builtinSpec, isKnownSignal, SIGNAL_NAMES, type Direction, type EventSpec, type ShiftMode, type ShiftSpec } from './signals.js';

/** What `detection.signals.<name>` may change. */
export interface SignalOverride {
  readonly disabled?: boolean;
  /** Shifts: the z-score to reach (before sensitivity). */
  readonly z?: number;
  /** Shifts: the smallest absolute change that counts; events: the rule's floor (ECC, NVLink increase). */
  readonly threshold?: number;
  /** Shifts: the smallest relative change that counts. */
  readonly relative?: number;
  readonly direction?: Direction;
  readonly mode?: ShiftMode;
  /** Windows (shifts) or observations (events) in a row that open. */
  readonly persistence?: number;
}

export interface DetectionConfig {
  readonly enabled: boolean;
  readonly windowMs: number;
  readonly warmupMs: number;
  readonly latenessMs: number;
  /** Divides every z and CUSUM threshold: 2 alarms on half the evidence. */
  readonly sensitivity: number;
  readonly z: number;
  readonly persistence: number;
  readonly recovery: number;
  readonly minRequests: number;
  readonly gapIntervals: number;
  readonly relearnAfterMs: number;
  readonly signals: Readonly<Record<string, SignalOverride>>;
}

export const DEFAULT_DETECTION_CONFIG: DetectionConfig = {
  enabled: true,
  windowMs: 10_000,
  warmupMs: 5 * 60_000,
  latenessMs: 2_000,
  sensitivity: 1,
  z: 5,
  persistence: 2,
  recovery: 3,
  minRequests: 5,
  gapIntervals: 3,
  relearnAfterMs: 30 * 60_000,
  signals: {},
};

export class DetectionConfigError extends Error {
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`${field}: ${problem}`);
    this.name = 'DetectionConfigError';
  }
}

const SENSITIVITY_WORDS: Readonly<Record<string, number>> = { low: 0.75, medium: 1, high: 1.5 };
const TOP_KEYS = ['enabled', 'window', 'warmup', 'lateness', 'sensitivity', 'z', 'persistence', 'recovery', 'min_requests', 'gap_intervals', 'relearn_after', 'signals'];
const SIGNAL_KEYS = ['disabled', 'z', 'threshold', 'relative', 'direction', 'mode', 'persistence'];

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function duration(v: unknown, field: string): number {
  return parseDurationMs(v, (expected) => {
    throw new DetectionConfigError(field, `expected ${expected}, got ${JSON.stringify(v)}`);
  });
}

function positive(v: unknown, field: string): number {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) throw new DetectionConfigError(field, `expected a positive number, got ${JSON.stringify(v)}`);
  return n;
}

function nonNegative(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new DetectionConfigError(field, `expected a number ≥ 0, got ${JSON.stringify(v)}`);
  return v;
}

function count(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new DetectionConfigError(field, `expected a whole number ≥ 1, got ${JSON.stringify(v)}`);
  return v;
}

function bool(v: unknown, field: string): boolean {
  if (typeof v !== 'boolean') throw new DetectionConfigError(field, `expected true or false, got ${JSON.stringify(v)}`);
  return v;
}

function sensitivity(v: unknown): number {
  if (typeof v === 'string' && Object.hasOwn(SENSITIVITY_WORDS, v)) return SENSITIVITY_WORDS[v];
  const n = typeof v === 'number' ? v : NaN;
  if (!(n > 0) || !Number.isFinite(n)) throw new DetectionConfigError('detection.sensitivity', `expected a positive number or low, medium, high; got ${JSON.stringify(v)}`);
  return n;
}

function signalOverride(name: string, raw: unknown): SignalOverride {
  const where = `detection.signals.${name}`;
  if (raw === false) return { disabled: true };
  if (!isRecord(raw)) throw new DetectionConfigError(where, 'expected a mapping with disabled, z, threshold, relative, direction, mode or persistence, or false');
  for (const k of Object.keys(raw)) if (!SIGNAL_KEYS.includes(k)) throw new DetectionConfigError(`${where}.${k}`, `unknown setting (known: ${SIGNAL_KEYS.join(', ')})`);
  const spec = builtinSpec(name);
  const out: { -readonly [K in keyof SignalOverride]: SignalOverride[K] } = {};
  if (raw.disabled !== undefined) out.disabled = bool(raw.disabled, `${where}.disabled`);
  if (raw.persistence !== undefined) out.persistence = count(raw.persistence, `${where}.persistence`);
  if (raw.threshold !== undefined) out.threshold = nonNegative(raw.threshold, `${where}.threshold`);
  const shiftOnly = (k: string): void => {
    if (spec?.kind !== 'shift') throw new DetectionConfigError(`${where}.${k}`, `only applies to signals judged against a baseline; ${name} is ${spec?.kind === 'event' ? 'an event rule' : 'a gap rule'}`);
  };
  if (raw.z !== undefined) {
    shiftOnly('z');
    out.z = positive(raw.z, `${where}.z`);
  }
  if (raw.relative !== undefined) {
    shiftOnly('relative');
    out.relative = nonNegative(raw.relative, `${where}.relative`);
  }
  if (raw.direction !== undefined) {
    shiftOnly('direction');
    if (raw.direction !== 'up' && raw.direction !== 'down' && raw.direction !== 'both') throw new DetectionConfigError(`${where}.direction`, `expected up, down or both, got ${JSON.stringify(raw.direction)}`);
    out.direction = raw.direction;
  }
  if (raw.mode !== undefined) {
    shiftOnly('mode');
    if (raw.mode !== 'absolute' && raw.mode !== 'peer') throw new DetectionConfigError(`${where}.mode`, `expected absolute or peer, got ${JSON.stringify(raw.mode)}`);
    out.mode = raw.mode;
  }
  if (spec?.kind === 'gap' && (out.threshold !== undefined || out.persistence !== undefined) && name !== 'up') {
    throw new DetectionConfigError(where, 'telemetry.gap takes only disabled (the silence length is detection.gap_intervals)');
  }
  return out;
}

/** Validates the section (undefined, null or true: the defaults; false: off). */
export function parseDetectionConfig(raw: unknown): DetectionConfig {
  if (raw === undefined || raw === null || raw === true) return DEFAULT_DETECTION_CONFIG;
  if (raw === false) return { ...DEFAULT_DETECTION_CONFIG, enabled: false };
  if (!isRecord(raw)) throw new DetectionConfigError('detection', `expected false or a mapping (${TOP_KEYS.join(', ')})`);
  for (const k of Object.keys(raw)) if (!TOP_KEYS.includes(k)) throw new DetectionConfigError(`detection.${k}`, `unknown setting (known: ${TOP_KEYS.join(', ')})`);
  const d = DEFAULT_DETECTION_CONFIG;
  const windowMs = raw.window === undefined ? d.windowMs : duration(raw.window, 'detection.window');
  const warmupMs = raw.warmup === undefined ? d.warmupMs : duration(raw.warmup, 'detection.warmup');
  if (warmupMs < windowMs) throw new DetectionConfigError('detection.warmup', `must be at least one window (${windowMs} ms)`);
  const signals: Record<string, SignalOverride> = {};
  if (raw.signals !== undefined && raw.signals !== null) {
    if (!isRecord(raw.signals)) throw new DetectionConfigError('detection.signals', 'expected a mapping of signal name to settings');
    for (const [name, v] of Object.entries(raw.signals)) {
      if (!isKnownSignal(name)) throw new DetectionConfigError(`detection.signals.${name}`, `unknown signal (known: ${SIGNAL_NAMES.join(', ')}, monitor.flag_rate.<monitor>)`);
      signals[name] = signalOverride(name, v);
    }
  }
  return {
    enabled: raw.enabled === undefined ? true : bool(raw.enabled, 'detection.enabled'),
    windowMs,
    warmupMs,
    latenessMs: raw.lateness === undefined ? d.latenessMs : raw.lateness === 0 || raw.lateness === '0' ? 0 : duration(raw.lateness, 'detection.lateness'),
    sensitivity: raw.sensitivity === undefined ? d.sensitivity : sensitivity(raw.sensitivity),
    z: raw.z === undefined ? d.z : positive(raw.z, 'detection.z'),
    persistence: raw.persistence === undefined ? d.persistence : count(raw.persistence, 'detection.persistence'),
    recovery: raw.recovery === undefined ? d.recovery : count(raw.recovery, 'detection.recovery'),
    minRequests: raw.min_requests === undefined ? d.minRequests : count(raw.min_requests, 'detection.min_requests'),
    gapIntervals: raw.gap_intervals === undefined ? d.gapIntervals : positive(raw.gap_intervals, 'detection.gap_intervals'),
    relearnAfterMs: raw.relearn_after === undefined ? d.relearnAfterMs : duration(raw.relearn_after, 'detection.relearn_after'),
    signals,
  };
}

/** A shift signal's settings after the overrides: its spec, z to reach and persistence; null when disabled. */
export interface ShiftSettings {
  readonly spec: ShiftSpec;
  readonly z: number;
  readonly persistence: number;
}

/** The override of a signal: its own, else (monitor series) the one of `monitor.flag_rate`. */
function overrideOf(config: DetectionConfig, name: string, base: string): SignalOverride {
  const own = config.signals[name];
  const shared = name === base ? undefined : config.signals[base];
  return own === undefined ? (shared ?? {}) : { ...shared, ...own };
}

/** The effective settings of a shift signal, or null when it is disabled or not a shift signal. */
export function shiftSettings(config: DetectionConfig, name: string): ShiftSettings | null {
  const spec = builtinSpec(name);
  if (spec?.kind !== 'shift') return null;
  const o = overrideOf(config, name, baseSignal(name));
  if (o.disabled) return null;
  return {
    spec: {
      ...spec,
      direction: o.direction ?? spec.direction,
      mode: o.mode ?? spec.mode,
      minAbs: o.threshold ?? spec.minAbs,
      minRel: o.relative ?? spec.minRel,
    },
    z: (o.z ?? config.z) / config.sensitivity,
    persistence: o.persistence ?? spec.persistence ?? config.persistence,
  };
}

/** The effective rule of an event signal, or null when disabled. */
export function eventSettings(config: DetectionConfig, name: string): EventSpec | null {
  const spec = builtinSpec(name);
  if (spec?.kind !== 'event') return null;
  const o = config.signals[name] ?? {};
  if (o.disabled) return null;
  return { ...spec, threshold: o.threshold ?? spec.threshold, persistence: o.persistence ?? spec.persistence };
}

/** True unless the configuration disables the signal. */
export function signalEnabled(config: DetectionConfig, name: string): boolean {
  return config.signals[name]?.disabled !== true;
}
