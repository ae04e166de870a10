/**
 * The risk score of a request, from signals that are cheap and already on the span at ingest: low
 * confidence, an open anomaly on one of its entities, a new model version, a flagged user, a flag from a
 * deterministic monitor (they run first), an error. Expensive monitors are spent on the riskiest requests
 * (sampler.ts); the score only orders requests, it is not a probability of misbehaviour.
 *
 * risk = 1 − Π(1 − wₖ·sₖ) over the signals k (a noisy-or): each signal sₖ is 0 or 1, except low
 * confidence, which is 1 − confidence (the calibrated value when there is one; 0 when the span has none).
 * One strong signal makes a request risky on its own; several weak ones add up; the score stays in [0, 1].
 */
import type { SpanRecord } from '../../model/span.js';
import { isOtlpInt } from '../../processors/attributes.js';
import type { AnyValue } from '../../receivers/otlp/types.js';
import { NewVersionTracker } from './new-versions.js';

/** Says whether any of the entities (`kind:key`) has an open anomaly; wired to the detector. */
export type AnomalyCheck = (entityIds: readonly string[]) => boolean;

export interface RiskSignals {
  /** 1 − confidence, in [0, 1]; 0 when the span carries no confidence. */
  readonly lowConfidence: number;
  readonly anomaly: boolean;
  readonly newVersion: boolean;
  readonly flaggedUser: boolean;
  /** A deterministic monitor flagged the span. */
  readonly monitorFlag: boolean;
  /** Status ERROR, or an `error.type` attribute. */
  readonly error: boolean;
}

export type RiskWeights = Readonly<Record<keyof RiskSignals, number>>;

export const DEFAULT_RISK_WEIGHTS: RiskWeights = {
  lowConfidence: 0.6,
  anomaly: 0.7,
  newVersion: 0.5,
  flaggedUser: 0.8,
  monitorFlag: 0.8,
  error: 0.5,
};

/** Attributes naming the user, span first, then resource. */
export const USER_ATTRIBUTES = ['user.id', 'enduser.id'] as const;
/** OTLP status code ERROR. */
const STATUS_ERROR = 2;

/**
 * The noisy-or of the weighted signals.
 *
 * @example riskScore({ lowConfidence: 0.5, anomaly: true, newVersion: false, flaggedUser: false, monitorFlag: false, error: false }) // 1 − 0.7·0.3 = 0.79
 */
export function riskScore(s: RiskSignals, w: RiskWeights = DEFAULT_RISK_WEIGHTS): number {
  const clamp = (x: number): number => (x > 1 ? 1 : x > 0 ? x : 0);
  let keep = 1 - clamp(w.lowConfidence * clamp(s.lowConfidence));
  if (s.anomaly) keep *= 1 - clamp(w.anomaly);
  if (s.newVersion) keep *= 1 - clamp(w.newVersion);
  if (s.flaggedUser) keep *= 1 - clamp(w.flaggedUser);
  if (s.monitorFlag) keep *= 1 - clamp(w.monitorFlag);
  if (s.error) keep *= 1 - clamp(w.error);
  return 1 - keep;
}

/** A span's event time in ms: its end, else its start. */
export function spanTimeMs(span: Pick<SpanRecord, 'startTimeUnixNano' | 'endTimeUnixNano'>): number {
  const ns = span.endTimeUnixNano > 0n ? span.endTimeUnixNano : span.startTimeUnixNano;
  return Number(ns / 1_000_000n);
}

function idText(v: AnyValue | undefined): string | null {
  if (typeof v === 'string') return v === '' ? null : v;
  if (isOtlpInt(v)) return v.int.toString();
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}

/** The user a span names (`user.id`, else `enduser.id`; span attributes before the resource's), or null. */
export function userOf(span: Pick<SpanRecord, 'attributes' | 'resource'>): string | null {
  for (const attrs of [span.attributes, span.resource])
    for (const k of USER_ATTRIBUTES) {
      const id = idText(attrs[k]);
      if (id !== null) return id;
    }
  return null;
}

export interface RiskScorerOptions {
  readonly weights?: RiskWeights;
  /** User ids whose requests are risky. */
  readonly flaggedUsers?: readonly string[];
  /** How long a model version counts as new after it is first seen (event time); default 30 minutes. */
  readonly newVersionMs?: number;
  /** Versions first seen in the stream's first `warmupMs` are never new (new-versions.ts). */
  readonly warmupMs?: number;
  readonly hasOpenAnomaly?: AnomalyCheck;
}

export const DEFAULT_NEW_VERSION_MS = 30 * 60_000;

export class RiskScorer {
  private readonly weights: RiskWeights;
  private readonly flaggedUsers: ReadonlySet<string>;
  private readonly versions: NewVersionTracker;
  private anomalyCheck: AnomalyCheck | null;

  constructor(options: RiskScorerOptions = {}) {
    this.weights = options.weights ?? DEFAULT_RISK_WEIGHTS;
    this.flaggedUsers = new Set(options.flaggedUsers ?? []);
    this.versions = new NewVersionTracker(options.newVersionMs ?? DEFAULT_NEW_VERSION_MS, options.warmupMs);
    this.anomalyCheck = options.hasOpenAnomaly ?? null;
  }

  /** Wires (or unwires, with null) the open-anomaly check after construction. */
  setAnomalyCheck(check: AnomalyCheck | null): void {
    this.anomalyCheck = check;
  }

  /** The signals of one span; records its model version's sighting. `monitorFlag`: a cheap monitor flagged it. */
  signals(span: SpanRecord, monitorFlag = false): RiskSignals {
    const c = span.confidence ? (span.confidence.calibrated ?? span.confidence.value) : null;
    const version = span.genai.responseModel ?? span.genai.requestModel ?? '';
    const user = this.flaggedUsers.size > 0 ? userOf(span) : null;
    return {
      lowConfidence: c === null || !Number.isFinite(c) ? 0 : Math.min(1, Math.max(0, 1 - c)),
      anomaly: this.anomalyCheck !== null && span.entities.refs.length > 0 && this.anomalyCheck(span.entities.refs.map((e) => `${e.kind}:${e.key}`)),
      newVersion: this.versions.isNew(version, spanTimeMs(span)),
      flaggedUser: user !== null && this.flaggedUsers.has(user),
      monitorFlag,
      error: span.statusCode === STATUS_ERROR || span.attributes['error.type'] !== undefined,
    };
  }

  /** The risk score of one span, in [0, 1]. */
  score(span: SpanRecord, monitorFlag = false): number {
    return riskScore(this.signals(span, monitorFlag), this.weights);
  }
}
