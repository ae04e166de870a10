/**
 * A small seeded pseudo-random generator, so that bootstrap intervals and held-out splits are the same on
 * every run and every machine. Not for anything security-related.
 */

/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/**
 * mulberry32: a 32-bit state generator (period 2^32), fast and good enough for resampling.
 * The same seed always gives the same sequence.
 *
 * @example
 * const rand = mulberry32(42);
 * rand(); // 0.6011037519201636, on every run
 */
export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniform integer in [0, n). */
export function randomInt(rand: Random, n: number): number {
  return Math.floor(rand() * n);
}

/** 0..n-1 in a random order (Fisher–Yates). */
export function shuffledIndices(n: number, rand: Random): number[] {
  const out = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = randomInt(rand, i + 1);
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}
