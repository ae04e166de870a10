/**
 * What detection produces: anomalies of one signal series of one entity, in event time (the data's
 * own timestamps, never the wall clock), opened, updated and closed as the stream moves on.
 */
import type { Layer } from '../model/faults.js';

/** A request that shows the anomaly (span-derived signals only). */
export interface ExampleRequest {
  readonly traceId: string;
  readonly spanId: string;
}

export interface Anomaly {
  /** Stable for the anomaly's life: `${entity}|${signal}|${startMs}`. */
  readonly id: string;
  /** Entity id `kind:key` as in model/entity.ts: `gpu:GPU-…`, `replica:gpu-node-1:8001`, `model:…`, `host:…`. */
  readonly entity: string;
  /** The series: a canonical metric signal (`gpu.clock.sm`) or a span-derived one (`span.confidence`, `monitor.flag_rate`, …). */
  readonly signal: string;
  /** The layer the signal belongs to (where it was seen, not necessarily where the cause is). */
  readonly layer: Layer;
  /** `shift`: a learned baseline was left; `event`: bad by definition (XID, ECC, hardware slowdown); `gap`: data stopped. */
  readonly kind: 'shift' | 'event' | 'gap';
  readonly direction: 'up' | 'down' | null;
  /** Event time of the change (the first anomalous observation), ms since the epoch. */
  readonly startMs: number;
  /** Event time of the latest anomalous observation. */
  readonly lastMs: number;
  /** Event time the series returned to normal; null while open. */
  readonly endMs: number | null;
  /** The learned normal level (null for events without one). */
  readonly baseline: number | null;
  /** The level observed while anomalous (latest window). */
  readonly observed: number;
  /** Strength, comparable across signals: robust z-score for shifts, a fixed high value for events. */
  readonly score: number;
  /** Human detail: `XID 79`, `hw_thermal_slowdown`, `mean confidence 0.41 vs 0.78`. */
  readonly detail: string;
  readonly examples: readonly ExampleRequest[];
  /** Span-derived shifts: requests in the anomalous windows of this entity (absent for metric series, events, gaps). */
  readonly requests?: number;
}

export type AnomalyChange = 'open' | 'update' | 'close';

export type AnomalySink = (anomaly: Anomaly, change: AnomalyChange) => void;
