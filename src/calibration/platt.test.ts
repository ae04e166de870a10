import { describe, expect, it } from 'vitest';
import { sigmoid } from './logit.js';
import { fitPlatt } from './platt.js';
import { mulberry32 } from './random.js';

describe('fitPlatt', () => {
  it('recovers a and b of data drawn from sigmoid(a z + b)', () => {
    const rand = mulberry32(6);
    const z = Array.from({ length: 40_000 }, () => (rand() * 2 - 1) * 5);
    const y = z.map((s) => (rand() < sigmoid(0.4 * s - 0.7) ? 1 : 0));
    const { a, b } = fitPlatt(z, y);
    expect(a).toBeCloseTo(0.4, 1);
    expect(b).toBeCloseTo(-0.7, 1);
  });

  it('stays finite on separable data (smoothed targets) and on a constant score', () => {
    const sep = fitPlatt([-2, -1, 1, 2], [0, 0, 1, 1]);
    expect(Number.isFinite(sep.a) && Number.isFinite(sep.b)).toBe(true);
    expect(sigmoid(sep.a * 2 + sep.b)).toBeLessThan(1);
    const flat = fitPlatt([0, 0, 0, 0], [1, 1, 1, 0]);
    // with smoothed targets (4/5 and 1/3) the best constant is their mean 0.6833…
    expect(sigmoid(flat.b)).toBeCloseTo((3 * (4 / 5) + 1 / 3) / 4, 6);
  });
});
