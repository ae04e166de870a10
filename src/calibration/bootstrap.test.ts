import { describe, expect, it } from 'vitest';
import { expectedCalibrationError } from './binning.js';
import { bootstrapIntervals, quantile } from './bootstrap.js';
import { accuracy, auroc, brierScore } from './metrics.js';
import { mulberry32, randomInt } from './random.js';

function sample(n: number, seed: number): { c: number[]; y: number[] } {
  const rand = mulberry32(seed);
  const c = Array.from({ length: n }, () => 0.5 + rand() * 0.5);
  const y = c.map((p) => (rand() < p - 0.1 ? 1 : 0));
  return { c, y };
}

describe('quantile (linear interpolation, numpy default)', () => {
  it('by hand', () => {
    expect(quantile([1, 2, 3, 4, 5], 0.5)).toBe(3);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([10, 20], 0.025)).toBeCloseTo(10.25, 12);
    expect(quantile([7], 0.975)).toBe(7);
  });
});

describe('bootstrapIntervals', () => {
  const { c, y } = sample(400, 1);
  const stats = { accuracy: (_c: readonly number[], yy: readonly number[]) => accuracy(yy), brier: brierScore, auroc };

  it('is deterministic for a seed and differs between seeds', () => {
    const a = bootstrapIntervals(c, y, stats, { resamples: 200, seed: 9 });
    const b = bootstrapIntervals(c, y, stats, { resamples: 200, seed: 9 });
    const other = bootstrapIntervals(c, y, stats, { resamples: 200, seed: 10 });
    expect(a).toEqual(b);
    expect(a.brier).not.toEqual(other.brier);
  });

  it('equals a plain bootstrap over the same draws (the sorted layout changes nothing)', () => {
    const resamples = 50;
    const got = bootstrapIntervals(c, y, { ...stats, ece: (cc, yy) => expectedCalibrationError(cc, yy) }, { resamples, seed: 4 });
    const rand = mulberry32(4);
    const values: Record<string, number[]> = { accuracy: [], brier: [], auroc: [], ece: [] };
    for (let r = 0; r < resamples; r++) {
      const idx = Array.from({ length: c.length }, () => randomInt(rand, c.length));
      const cc = idx.map((i) => c[i]);
      const yy = idx.map((i) => y[i]);
      values.accuracy.push(accuracy(yy));
      values.brier.push(brierScore(cc, yy));
      values.auroc.push(auroc(cc, yy));
      values.ece.push(expectedCalibrationError(cc, yy));
    }
    for (const [name, list] of Object.entries(values)) {
      list.sort((p, q) => p - q);
      const interval = got[name as keyof typeof got];
      expect(interval.low).toBeCloseTo(quantile(list, 0.025), 12);
      expect(interval.high).toBeCloseTo(quantile(list, 0.975), 12);
    }
  });

  it('brackets the estimate, with about the normal-approximation width for accuracy', () => {
    const big = sample(2000, 2);
    const { accuracy: acc } = bootstrapIntervals(big.c, big.y, { accuracy: stats.accuracy }, { resamples: 1000, seed: 0 });
    const p = accuracy(big.y);
    expect(acc.low).toBeLessThan(p);
    expect(acc.high).toBeGreaterThan(p);
    const normalWidth = 2 * 1.96 * Math.sqrt((p * (1 - p)) / 2000);
    expect((acc.high - acc.low) / normalWidth).toBeGreaterThan(0.85);
    expect((acc.high - acc.low) / normalWidth).toBeLessThan(1.15);
  });

  it('a narrower level gives a narrower interval; bad settings are refused naming the field', () => {
    const wide = bootstrapIntervals(c, y, { brier: brierScore }, { resamples: 300, level: 0.95 });
    const narrow = bootstrapIntervals(c, y, { brier: brierScore }, { resamples: 300, level: 0.5 });
    expect(narrow.brier.high - narrow.brier.low).toBeLessThan(wide.brier.high - wide.brier.low);
    expect(() => bootstrapIntervals(c, y, stats, { resamples: 0 })).toThrow(/resamples/);
    expect(() => bootstrapIntervals(c, y, stats, { level: 1 })).toThrow(/level/);
  });
});
