/**
 * Turning stored metric points into series values: counter rates (reset-aware, cumulative or
 * delta), histogram quantiles from explicit or exponential buckets, gauge and summary values.
 * Pure functions over points of ONE series in time order.
 */

export interface StoredPoint {
  readonly t: number; // unix ms
  readonly start: number; // unix ms of the cumulative start (0 if unknown)
  readonly temporality: number; // 1 delta, 2 cumulative
  readonly value: number | null;
  readonly count: number | null;
  readonly sum: number | null;
  readonly bounds: readonly number[];
  readonly buckets: readonly number[];
  readonly quantiles: readonly number[];
  readonly quantileValues: readonly number[];
}

/** Increase of a counter between consecutive points; a drop (or a new start time) is a reset. */
export function increases(points: readonly StoredPoint[]): { t: number; inc: number }[] {
  const out: { t: number; inc: number }[] = [];
  let prev: StoredPoint | null = null;
  for (const p of points) {
    const v = p.value ?? 0;
    if (p.temporality === 1) out.push({ t: p.t, inc: v });
    else if (prev && (prev.value ?? 0) <= v && (p.start === 0 || p.start === prev.start)) out.push({ t: p.t, inc: v - (prev.value ?? 0) });
    else if (prev) out.push({ t: p.t, inc: v }); // reset: the counter restarted from zero
    prev = p;
  }
  return out;
}

/** Per-second rate in each step bucket [from + i*step, from + (i+1)*step). */
export function rateSeries(points: readonly StoredPoint[], from: number, to: number, stepMs: number): { t: number; v: number | null }[] {
  const n = Math.max(1, Math.ceil((to - from) / stepMs));
  const sums = new Array<number>(n).fill(0);
  const seen = new Array<boolean>(n).fill(false);
  for (const { t, inc } of increases(points)) {
    const i = Math.floor((t - from) / stepMs);
    if (i < 0 || i >= n) continue;
    sums[i] += inc;
    seen[i] = true;
  }
  return sums.map((s, i) => ({ t: from + i * stepMs, v: seen[i] ? s / (stepMs / 1000) : null }));
}

/** Bucket-count increases of a histogram series per step bucket (delta as is, cumulative differenced). */
export function histogramIncreases(points: readonly StoredPoint[], from: number, to: number, stepMs: number) {
  const n = Math.max(1, Math.ceil((to - from) / stepMs));
  const steps: { bounds: readonly number[]; buckets: number[]; count: number; sum: number }[] = [];
  for (let i = 0; i < n; i++) steps.push({ bounds: [], buckets: [], count: 0, sum: 0 });
  let prev: StoredPoint | null = null;
  for (const p of points) {
    let buckets = p.buckets.slice();
    let count = p.count ?? 0;
    let sum = p.sum ?? 0;
    if (p.temporality !== 1 && prev && sameLayout(prev, p) && (prev.count ?? 0) <= count && (p.start === 0 || p.start === prev.start)) {
      buckets = buckets.map((b, j) => b - (prev!.buckets[j] ?? 0));
      count -= prev.count ?? 0;
      sum -= prev.sum ?? 0;
    } else if (p.temporality !== 1 && !prev) {
      // The first cumulative point has no predecessor in range: it only sets the baseline.
      prev = p;
      continue;
    }
    prev = p;
    const i = Math.floor((p.t - from) / stepMs);
    if (i < 0 || i >= n) continue;
    const s = steps[i];
    if (s.buckets.length === 0) {
      steps[i] = { bounds: p.bounds, buckets, count, sum };
    } else if (s.bounds.length === p.bounds.length) {
      for (let j = 0; j < buckets.length; j++) s.buckets[j] = (s.buckets[j] ?? 0) + buckets[j];
      s.count += count;
      s.sum += sum;
    }
  }
  return steps.map((s, i) => ({ t: from + i * stepMs, ...s }));
}

function sameLayout(a: StoredPoint, b: StoredPoint): boolean {
  return a.buckets.length === b.buckets.length && a.bounds.every((x, i) => x === b.bounds[i]);
}

/**
 * The q-quantile of an explicit-bucket histogram by linear interpolation inside the bucket that
 * holds the rank (the lowest bucket interpolates from 0 when its bound is positive; the overflow
 * bucket answers its lower bound). Null when empty.
 */
export function histogramQuantile(q: number, bounds: readonly number[], buckets: readonly number[]): number | null {
  const total = buckets.reduce((a, b) => a + b, 0);
  if (total <= 0 || !(q >= 0 && q <= 1)) return null;
  const rank = q * total;
  let cumulative = 0;
  for (let i = 0; i < buckets.length; i++) {
    const before = cumulative;
    cumulative += buckets[i];
    if (cumulative >= rank && buckets[i] > 0) {
      if (i >= bounds.length) return bounds.length ? bounds[bounds.length - 1] : null;
      const upper = bounds[i];
      const lower = i === 0 ? Math.min(0, upper) : bounds[i - 1];
      return lower + ((upper - lower) * (rank - before)) / buckets[i];
    }
  }
  return bounds.length ? bounds[bounds.length - 1] : null;
}

/**
 * An exponential histogram as explicit buckets: bucket index i covers (base^i, base^(i+1)] with
 * base = 2^(2^-scale). Negative buckets and the zero bucket are folded in below the positive ones.
 */
export function exponentialToExplicit(
  scale: number,
  zeroCount: number,
  positiveOffset: number,
  positive: readonly number[],
  negativeOffset: number,
  negative: readonly number[],
): { bounds: number[]; buckets: number[] } {
  const base = Math.pow(2, Math.pow(2, -scale));
  const bounds: number[] = [];
  const buckets: number[] = [];
  for (let i = negative.length - 1; i >= 0; i--) {
    bounds.push(-Math.pow(base, negativeOffset + i));
    buckets.push(negative[i]);
  }
  bounds.push(0);
  buckets.push(zeroCount);
  if (positive.length) {
    bounds.push(Math.pow(base, positiveOffset));
    buckets.push(0); // (0, base^offset]: nothing, so interpolation starts at the first bucket's real lower bound
  }
  for (let i = 0; i < positive.length; i++) {
    bounds.push(Math.pow(base, positiveOffset + i + 1));
    buckets.push(positive[i]);
  }
  buckets.push(0); // nothing above the last bound
  return { bounds, buckets };
}
