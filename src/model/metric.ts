import type { Attributes, Exemplar, Scope } from '../receivers/otlp/types.js';
import type { EntityLinks } from './entity.js';

export type MetricType = 'gauge' | 'sum' | 'histogram' | 'exponential_histogram' | 'summary';

/**
 * A metric point under its canonical signal name (docs/conventions.md, "Canonical signals"): the
 * same quantity from vLLM, SGLang, TGI, DCGM, nvidia-smi or OpenTelemetry lands on one name, in one
 * unit. Labels carry what the signal decodes or keeps from the point (e.g. `reasons` of a throttle
 * bitmask, `xid`, `finished_reason`); the point's own attributes stay on the point.
 */
export interface CanonicalSignal {
  /** The canonical name, e.g. `gpu.utilization`, `engine.ttft`. */
  readonly name: string;
  /** gauge and sum: the value in the signal's unit; null for histograms, summaries and missing values. */
  readonly value: number | null;
  readonly labels: Readonly<Record<string, string>>;
}

/** One metric data point, flattened with its metric's identity, resource and scope. */
export interface MetricPoint {
  readonly name: string;
  readonly description: string;
  readonly unit: string;
  readonly type: MetricType;
  /** 0 unspecified, 1 delta, 2 cumulative. */
  readonly temporality: number;
  readonly monotonic: boolean;
  readonly service: string;
  readonly resource: Attributes;
  readonly scope: Scope;
  readonly attributes: Attributes;
  readonly startTimeUnixNano: bigint;
  readonly timeUnixNano: bigint;
  readonly flags: number;
  /** gauge and sum: the value. */
  readonly value: number | null;
  /** histogram, exponential histogram, summary. */
  readonly count: number | null;
  readonly sum: number | null;
  readonly min: number | null;
  readonly max: number | null;
  /** explicit-bucket histogram. */
  readonly explicitBounds: readonly number[];
  readonly bucketCounts: readonly number[];
  /** exponential histogram. */
  readonly exponential: {
    readonly scale: number;
    readonly zeroCount: number;
    readonly zeroThreshold: number;
    readonly positiveOffset: number;
    readonly positiveBucketCounts: readonly number[];
    readonly negativeOffset: number;
    readonly negativeBucketCounts: readonly number[];
  } | null;
  /** summary. */
  readonly quantiles: readonly { readonly quantile: number; readonly value: number }[];
  readonly exemplars: readonly Exemplar[];
  readonly entities: EntityLinks;
  /** The canonical signal this point is an alias of; null for metrics Strata does not map. */
  readonly signal: CanonicalSignal | null;
}
