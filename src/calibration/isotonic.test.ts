import { describe, expect, it } from 'vitest';
import { applyIsotonic, fitIsotonic } from './isotonic.js';
import { mulberry32 } from './random.js';

describe('isotonic regression', () => {
  it('pool-adjacent-violators by hand; ties pooled first; equal neighbours merged', () => {
    expect(fitIsotonic([0.2, 0.4, 0.6, 0.8], [0, 1, 0, 1])).toEqual({ x: [0.2, 0.4, 0.6, 0.8], y: [0, 0.5, 0.5, 1] });
    // 0.4 and 0.6 pool to 0.5; the two 0.8s pool to 0.5 and join them
    expect(fitIsotonic([0.2, 0.4, 0.6, 0.8, 0.8], [0, 1, 0, 1, 0])).toEqual({ x: [0.2, 0.4, 0.8], y: [0, 0.5, 0.5] });
    // a fully reversed sequence pools to one block
    expect(fitIsotonic([0.1, 0.5, 0.9], [1, 1, 0])).toEqual({ x: [0.1, 0.9], y: [2 / 3, 2 / 3] });
    expect(fitIsotonic([0.7], [1])).toEqual({ x: [0.7], y: [1] });
  });

  it('applies flat outside the knots, linear between them, exact on them', () => {
    const params = { x: [0.2, 0.4, 0.6, 0.8], y: [0, 0.5, 0.5, 1] };
    const expected = [0, 0, 0.25, 0.5, 0.5, 0.75, 1, 1];
    [0, 0.2, 0.3, 0.4, 0.5, 0.7, 0.8, 1].forEach((v, i) => expect(applyIsotonic(params, v)).toBeCloseTo(expected[i], 12));
    expect(applyIsotonic({ x: [0.7], y: [1] }, 0.1)).toBe(1);
  });

  it('is the least-squares non-decreasing fit: no better monotone step fit by small perturbations', () => {
    const rand = mulberry32(12);
    const c = Array.from({ length: 200 }, () => Math.round(rand() * 50) / 50);
    const y = c.map((p) => (rand() < p ? 1 : 0));
    const fit = fitIsotonic(c, y);
    const sse = (f: (v: number) => number): number => c.reduce((s, v, i) => s + (f(v) - y[i]) ** 2, 0);
    const base = sse((v) => applyIsotonic(fit, v));
    for (let k = 0; k < fit.y.length; k++) {
      for (const d of [-0.01, 0.01]) {
        const y2 = fit.y.map((v, j) => (j === k ? v + d : v));
        if (y2.some((v, j) => j > 0 && v < y2[j - 1])) continue; // stay monotone
        expect(sse((v) => applyIsotonic({ x: fit.x, y: y2 }, v))).toBeGreaterThanOrEqual(base - 1e-12);
      }
    }
    fit.y.forEach((v, j) => j > 0 && expect(v).toBeGreaterThanOrEqual(fit.y[j - 1]));
  });
});
