/**
 * An incident: connected anomalies close in time, with ranked candidate causes and their evidence.
 */
import type { Anomaly } from '../detect/types.js';
import type { FaultType, Layer } from '../model/faults.js';

export interface Evidence {
  readonly entity: string;
  readonly signal: string;
  readonly layer: Layer;
  readonly kind: Anomaly['kind'];
  readonly startMs: number;
  readonly detail: string;
  readonly anomalyId: string;
  readonly examples: Anomaly['examples'];
}

export interface RankedCause {
  /** The entity blamed (`gpu:…`, `replica:…`, `model:…`, `host:…`, or `fleet:all`). */
  readonly entity: string;
  readonly layer: Layer;
  readonly faultType: FaultType;
  /** Ranking score, higher first (not a probability). */
  readonly score: number;
  /** Why: the causal link followed, e.g. "thermal slowdown -> SM clock -> inter-token latency". */
  readonly explanation: string;
  readonly evidence: readonly Evidence[];
}

export interface Incident {
  readonly id: string;
  readonly status: 'open' | 'resolved';
  /** `gap`: missing telemetry (reported, not blamed on what it watches). */
  readonly kind: 'fault' | 'gap';
  readonly summary: string;
  /** Event time of the earliest anomaly, and of resolution (null while open). */
  readonly startMs: number;
  readonly endMs: number | null;
  /** Event time of the last change. */
  readonly updatedMs: number;
  /** Event time at which the incident was opened: when it was detected (time to detect = this - fault start). */
  readonly openedMs: number;
  /** Event time at which the current top-1 cause first became top-1 (time to localise). */
  readonly localisedMs: number | null;
  readonly entities: readonly string[];
  readonly affectedRequests: number;
  readonly causes: readonly RankedCause[];
  readonly anomalies: readonly Anomaly[];
  readonly mitigation: string;
  /** Set (with status `resolved`) when an anomaly joined this incident to an older one: the incident it now lives on in. */
  readonly mergedInto?: string;
}

export type IncidentChange = 'open' | 'update' | 'resolve';

export type IncidentSink = (incident: Incident, change: IncidentChange) => void;
