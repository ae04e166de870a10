import type { Attributes, Exemplar, Scope } from '../receivers/otlp/types.js';
import type { EntityLinks } from './entity.js';

export type MetricType = 'gauge' | 'sum' | 'histogram' | 'exponential_histogram' | 'summary';

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
}
