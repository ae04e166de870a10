import { describe, expect, it } from 'vitest';
import { mulberry32, randomInt, shuffledIndices } from './random.js';

describe('mulberry32', () => {
  it('is deterministic per seed, uniform in [0, 1), and seeds differ', () => {
    const a = mulberry32(42);
    expect([a(), a(), a()]).toEqual([0.6011037519201636, 0.44829055899754167, 0.8524657934904099]);
    const b = mulberry32(42);
    expect(b()).toBe(0.6011037519201636);
    expect(mulberry32(43)()).not.toBe(0.6011037519201636);
    const r = mulberry32(7);
    let sum = 0;
    for (let i = 0; i < 100_000; i++) {
      const x = r();
      expect(x >= 0 && x < 1).toBe(true);
      sum += x;
    }
    expect(sum / 100_000).toBeCloseTo(0.5, 2);
  });

  it('randomInt covers [0, n) and shuffledIndices is a permutation', () => {
    const r = mulberry32(1);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) seen.add(randomInt(r, 6));
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    const p = shuffledIndices(100, mulberry32(5));
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(p).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(shuffledIndices(100, mulberry32(5))).toEqual(p);
  });
});
