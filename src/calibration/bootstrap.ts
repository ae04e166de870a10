/**
 * Percentile bootstrap intervals for any statistic of (confidence, correct), deterministic for a seed.
 */
import { mulberry32, randomInt } from './random.js';

/** A statistic of a scored sample, e.g. `expectedCalibrationError`. */
export type Statistic = (confidence: readonly number[], correct: readonly number[]) => number;

export interface Interval {
  readonly low: number;
  readonly high: number;
}

export interface BootstrapOptions {
  /** Number of resamples; default {@link DEFAULT_RESAMPLES}. */
  readonly resamples?: number;
  /** PRNG seed (mulberry32); default {@link DEFAULT_SEED}. */
  readonly seed?: number;
  /** Central coverage of the interval; default 0.95 (the 2.5th and 97.5th percentiles). */
  readonly level?: number;
}

export const DEFAULT_RESAMPLES = 1000;
export const DEFAULT_SEED = 0;
export const DEFAULT_LEVEL = 0.95;

/**
 * For each named statistic, the percentile interval over `resamples` bootstrap resamples: each resample
 * draws N examples with replacement (N uniform indices from the seeded generator), the statistic is
 * computed on it, and the interval is the ((1 - level) / 2, (1 + level) / 2) quantiles of those values
 * (linear interpolation between order statistics, numpy's default). All statistics see the same resamples.
 *
 * @example
 * bootstrapIntervals(conf, correct, { brier: brierScore }, { resamples: 1000, seed: 7 }).brier; // { low, high }
 */
export function bootstrapIntervals<K extends string>(
  confidence: readonly number[],
  correct: readonly number[],
  statistics: Readonly<Record<K, Statistic>>,
  options: BootstrapOptions = {},
): Record<K, Interval> {
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const level = options.level ?? DEFAULT_LEVEL;
  if (!Number.isInteger(resamples) || resamples < 1) throw new RangeError(`resamples: expected an integer >= 1, got ${resamples}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`level: expected a number in (0, 1), got ${level}`);
  const names = Object.keys(statistics) as K[];
  const values = new Map<K, number[]>(names.map((k) => [k, []]));
  const n = confidence.length;
  const rand = mulberry32(options.seed ?? DEFAULT_SEED);
  // Resamples are laid out in ascending confidence: metrics that sort then see sorted input (cheap),
  // and every statistic here is indifferent to the order of the examples.
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => confidence[a] - confidence[b] || a - b);
  const counts = new Uint32Array(n);
  const c = new Array<number>(n).fill(0);
  const y = new Array<number>(n).fill(0);
  for (let r = 0; r < resamples; r++) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[randomInt(rand, n)]++;
    let p = 0;
    for (const i of order) {
      for (let k = 0; k < counts[i]; k++, p++) {
        c[p] = confidence[i];
        y[p] = correct[i];
      }
    }
    for (const name of names) values.get(name)!.push(statistics[name](c, y));
  }
  const out = {} as Record<K, Interval>;
  for (const name of names) {
    const sorted = values.get(name)!.sort((a, b) => a - b);
    out[name] = { low: quantile(sorted, (1 - level) / 2), high: quantile(sorted, (1 + level) / 2) };
  }
  return out;
}

/** The q-quantile of ascending values, interpolating linearly between order statistics (numpy's default). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError('quantile of no values');
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}
