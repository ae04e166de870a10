/**
 * The simulator's randomness: every draw comes from a seeded generator (mulberry32, shared with
 * calibration/) or from a stateless hash of its coordinates, so that a scenario replays identically
 * and one part of the fleet never perturbs another's draws. Streams are derived by hashing their name
 * with the scenario's seed: the arrival stream, request `i`'s stream, GPU `u`'s noise at tick `k` are
 * independent of each other, which is what lets a test compare a faulty run with a healthy one.
 */
import { mulberry32, type Random } from '../calibration/random.js';

export type { Random };

/** 32-bit FNV-1a of a string, continued from `h`. */
function fnv(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A 32-bit avalanche (murmur3's finaliser): nearby inputs give unrelated outputs. */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A 32-bit seed from any list of parts (numbers and strings), order-sensitive.
 *
 * @example hashSeed(7, 'request', 41) // the seed of request 41's stream in a scenario seeded 7
 */
export function hashSeed(...parts: readonly (string | number)[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    h = typeof p === 'number' ? mix32(h ^ mix32((p >>> 0) + Math.floor(p / 4294967296))) : fnv(h, p);
    h = fnv(h, '\u0000');
  }
  return mix32(h);
}

/** A generator for the stream named by `parts`. */
export function streamOf(...parts: readonly (string | number)[]): Random {
  return mulberry32(hashSeed(...parts));
}

/** A uniform number in [0, 1) from a base seed and two integer coordinates, without any state. */
export function unitAt(seed: number, a: number, b: number): number {
  return mix32(mix32(seed ^ Math.imul(a + 1, 0x9e3779b1)) ^ Math.imul(b + 1, 0x85ebca77)) / 4294967296;
}

/** Approximately standard normal from a stateless coordinate (Irwin–Hall of 4 hashed uniforms). */
export function normalAt(seed: number, a: number, b: number): number {
  const s = unitAt(seed, a, b * 4) + unitAt(seed, a, b * 4 + 1) + unitAt(seed, a, b * 4 + 2) + unitAt(seed, a, b * 4 + 3);
  return (s - 2) * Math.sqrt(3);
}

/** A standard normal draw (Box–Muller, one of the pair). */
export function gaussian(rand: Random): number {
  const u = 1 - rand(); // (0, 1]
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** A log-normal draw with the given mean and log-scale spread (the mean is kept whatever the spread). */
export function lognormal(rand: Random, mean: number, sigma: number): number {
  return mean * Math.exp(sigma * gaussian(rand) - (sigma * sigma) / 2);
}

/** An exponential draw with the given mean. */
export function exponential(rand: Random, mean: number): number {
  return -Math.log(1 - rand()) * mean;
}

/** A Poisson count with mean `lambda` (Knuth for small means, a rounded normal for large ones). */
export function poisson(rand: Random, lambda: number): number {
  if (lambda <= 0) return 0;
  if (lambda > 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * gaussian(rand)));
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = rand();
  while (p > limit) {
    k++;
    p *= rand();
  }
  return k;
}

/** A Poisson count from a stateless coordinate (inverse CDF on one hashed uniform; small means). */
export function poissonAt(seed: number, a: number, b: number, lambda: number): number {
  if (lambda <= 0) return 0;
  if (lambda > 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * normalAt(seed, a, b)));
  const u = unitAt(seed, a, b);
  let k = 0;
  let p = Math.exp(-lambda);
  let cdf = p;
  while (u > cdf && k < 200) {
    k++;
    p *= lambda / k;
    cdf += p;
  }
  return k;
}

/** `bytes` (a multiple of 4) random bytes as lower-case hex, never all zeros (a valid trace or span id). */
export function hexId(rand: Random, bytes: number): string {
  let out = '';
  let any = 0;
  for (let i = 0; i < bytes; i += 4) {
    const word = (rand() * 4294967296) >>> 0;
    any |= word;
    out += word.toString(16).padStart(8, '0');
  }
  return any === 0 ? `${out.slice(0, -1)}1` : out;
}

/** One element of a list, uniformly. */
export function pick<T>(rand: Random, list: readonly T[]): T {
  return list[Math.floor(rand() * list.length)];
}

/** An index drawn with probability proportional to its weight (weights ≥ 0, sum > 0). */
export function weightedIndex(rand: Random, weights: readonly number[], total = weights.reduce((a, b) => a + b, 0)): number {
  let x = rand() * total;
  for (let i = 0; i < weights.length; i++) {
    x -= weights[i];
    if (x < 0) return i;
  }
  return weights.length - 1;
}

export function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

export function logit(p: number): number {
  return Math.log(p / (1 - p));
}

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
