/**
 * Rates estimated from sampled results that carry their inclusion probability π (sampler.ts).
 *
 * - Horvitz–Thompson, when the population size N (requests the monitor could have read) is known:
 *   rate = Σ yᵢ/πᵢ / N, with variance estimate Σ (1 − πᵢ) yᵢ² / πᵢ² / N². Unbiased for any design
 *   in which every request has π > 0; the variance estimate is exact for independent draws and is the
 *   usual one for priority sampling, whose per-request estimates are uncorrelated.
 * - Hájek, when N is not known (a query over stored results): N̂ = Σ 1/πᵢ and rate = Σ yᵢ/πᵢ / N̂, a ratio
 *   of two unbiased totals (its bias shrinks as 1/n), with the linearised variance
 *   Σ (1 − πᵢ) (yᵢ − rate)² / πᵢ² / N̂².
 * The plain mean of y over the sample is given for comparison: it is biased whenever π and y go together,
 * as they do when riskier requests are both sampled more and flagged more.
 */

/** One sampled result: its value (a flag counts 1, no flag 0) and its inclusion probability. */
export interface SampledValue {
  readonly value: number | boolean;
  readonly inclusionProbability: number;
}

export interface RateEstimate {
  readonly rate: number;
  readonly variance: number;
  readonly standardError: number;
  /** Results the estimate is made from. */
  readonly sampled: number;
  /** N, or its estimate Σ 1/π. */
  readonly population: number;
}

function checked(s: SampledValue): { y: number; pi: number } {
  const pi = s.inclusionProbability;
  if (!(pi > 0 && pi <= 1)) throw new RangeError(`inclusion probability must be in (0, 1], got ${pi}`);
  const y = typeof s.value === 'boolean' ? (s.value ? 1 : 0) : s.value;
  if (!Number.isFinite(y)) throw new RangeError(`value must be finite, got ${y}`);
  return { y, pi };
}

/** The Horvitz–Thompson total Σ y/π and its variance estimate. */
export function htTotal(samples: readonly SampledValue[]): { total: number; variance: number } {
  let total = 0;
  let variance = 0;
  for (const s of samples) {
    const { y, pi } = checked(s);
    total += y / pi;
    variance += ((1 - pi) * y * y) / (pi * pi);
  }
  return { total, variance };
}

/**
 * The Horvitz–Thompson rate over a population of known size.
 *
 * @example htRate([{ value: true, inclusionProbability: 0.5 }, { value: false, inclusionProbability: 1 }], 4).rate // 0.5
 */
export function htRate(samples: readonly SampledValue[], populationSize: number): RateEstimate {
  if (!(populationSize > 0)) throw new RangeError(`population size must be positive, got ${populationSize}`);
  const { total, variance } = htTotal(samples);
  const v = variance / (populationSize * populationSize);
  return { rate: total / populationSize, variance: v, standardError: Math.sqrt(v), sampled: samples.length, population: populationSize };
}

/** The Hájek rate, for when the population size is not known: Σ y/π / Σ 1/π. Rate 0 for no samples. */
export function hajekRate(samples: readonly SampledValue[]): RateEstimate {
  let n = 0;
  let total = 0;
  const parsed = samples.map(checked);
  for (const { y, pi } of parsed) {
    n += 1 / pi;
    total += y / pi;
  }
  if (n === 0) return { rate: 0, variance: 0, standardError: 0, sampled: 0, population: 0 };
  const rate = total / n;
  let variance = 0;
  for (const { y, pi } of parsed) variance += ((1 - pi) * (y - rate) ** 2) / (pi * pi);
  variance /= n * n;
  return { rate, variance, standardError: Math.sqrt(variance), sampled: samples.length, population: n };
}

/** The plain sample mean, ignoring how the sample was drawn (biased under unequal probabilities). */
export function naiveRate(samples: readonly SampledValue[]): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (const s of samples) sum += checked(s).y;
  return sum / samples.length;
}
