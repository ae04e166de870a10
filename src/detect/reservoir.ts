/**
 * A bounded sample of one window's values, for its median and quartiles: every value is kept up to
 * the capacity, then each new value replaces a slot with the probability reservoir sampling gives it.
 * The slot is chosen by a hash of the running count, not a random number generator, so the same
 * input always keeps the same sample (replays give the same answers).
 */

/** Values kept per window and series; quantiles of 512 are within about 2% of the full median. */
export const RESERVOIR_CAPACITY = 512;

function mix(n: number): number {
  let x = Math.imul(n ^ (n >>> 16), 0x45d9f3b);
  x = Math.imul(x ^ (x >>> 16), 0x45d9f3b);
  return (x ^ (x >>> 16)) >>> 0;
}

export class Reservoir {
  private values: Float64Array | null = null;
  private size = 0;
  /** Values offered, kept or not. */
  seen = 0;

  add(v: number): void {
    const n = this.seen++;
    if (this.size < RESERVOIR_CAPACITY) {
      if (this.values === null) this.values = new Float64Array(16);
      else if (this.size === this.values.length) {
        const grown = new Float64Array(Math.min(RESERVOIR_CAPACITY, this.values.length * 4));
        grown.set(this.values);
        this.values = grown;
      }
      this.values[this.size++] = v;
      return;
    }
    const slot = mix(n) % (n + 1);
    if (slot < RESERVOIR_CAPACITY) this.values![slot] = v;
  }

  merge(other: Reservoir): void {
    for (let i = 0; i < other.size; i++) this.add(other.values![i]);
    // The other's unkept values still count towards how many were seen.
    this.seen += other.seen - other.size;
  }

  /** The kept values, sorted ascending (a copy). */
  sorted(): Float64Array {
    return this.values === null ? new Float64Array(0) : this.values.slice(0, this.size).sort();
  }
}

/** The q-quantile (0–1) of sorted values, interpolated; NaN when empty. */
export function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}
