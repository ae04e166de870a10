import { describe, expect, it } from 'vitest';
import {
  adaptiveCalibrationError,
  binEdges,
  binIndex,
  equalMassBins,
  expectedCalibrationError,
  maximumCalibrationError,
  reliabilityBins,
} from './binning.js';

describe('equal-width bins (numpy linspace + digitize, right-open, outer edges infinite)', () => {
  it('edges are i * (1 / bins), as numpy.linspace computes them', () => {
    expect(binEdges(10)).toEqual([0, 0.1, 0.2, 0.30000000000000004, 0.4, 0.5, 0.6000000000000001, 0.7000000000000001, 0.8, 0.9, 1]);
    expect(binEdges(4)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(() => binEdges(0)).toThrow(/bins/);
    expect(() => binEdges(2.5)).toThrow(/bins/);
  });

  it('a confidence on an edge goes to the bin above it; 0 to the first, 1 to the last', () => {
    const cases: [number, number][] = [
      [0, 0], [0.05, 0], [0.0999999, 0], [0.1, 1], [0.2, 2], [0.25, 2], [0.5, 5], [0.9, 9], [0.95, 9], [1, 9],
      // 0.3, 0.6 and 0.7 lie just below their floating-point edges, so they fall in the bin below
      [0.3, 2], [0.30000000000000004, 3], [0.6, 5], [0.7, 6], [0.8, 8],
    ];
    for (const [c, k] of cases) expect(binIndex(c, 10), String(c)).toBe(k);
  });

  it('agrees with a linear scan of the edges for many values and bin counts', () => {
    for (const bins of [1, 2, 3, 7, 10, 15, 20, 100]) {
      const edges = binEdges(bins);
      for (let i = 0; i <= 2000; i++) {
        const c = i / 2000;
        let k = 0;
        for (let e = 1; e < bins; e++) if (edges[e] <= c) k = e;
        expect(binIndex(c, bins)).toBe(k);
        expect(binIndex(edges[Math.min(bins - 1, i % bins)], bins)).toBe(Math.min(bins - 1, i % bins));
      }
    }
  });
});

describe('reliability bins, ECE, MCE', () => {
  const conf = [0.05, 0.1, 0.15, 0.95, 0.95, 1];
  const correct = [0, 1, 0, 1, 0, 1];

  it('per bin: edges, count, mean confidence, accuracy; empty bins are null', () => {
    const bins = reliabilityBins(conf, correct, { bins: 10 });
    expect(bins).toHaveLength(10);
    expect(bins[0]).toEqual({ lower: 0, upper: 0.1, count: 1, meanConfidence: 0.05, accuracy: 0 });
    expect(bins[1].count).toBe(2);
    expect(bins[1].meanConfidence).toBeCloseTo(0.125, 15);
    expect(bins[1].accuracy).toBe(0.5);
    expect(bins[5]).toEqual({ lower: 0.5, upper: 0.6000000000000001, count: 0, meanConfidence: null, accuracy: null });
    expect(bins[9].count).toBe(3);
    expect(bins[9].upper).toBe(1);
  });

  it('ECE = sum (n_b / N) |acc_b - conf_b| and MCE = max gap, by hand', () => {
    // bin0: |0 - 0.05| = 0.05 (1); bin1: |0.5 - 0.125| = 0.375 (2); bin9: |2/3 - 0.9666…| = 0.3 (3)
    const ece = (1 / 6) * 0.05 + (2 / 6) * 0.375 + (3 / 6) * Math.abs(2 / 3 - (0.95 + 0.95 + 1) / 3);
    expect(expectedCalibrationError(conf, correct)).toBeCloseTo(ece, 14);
    expect(maximumCalibrationError(conf, correct)).toBeCloseTo(0.375, 14);
    // one bin: |accuracy - mean confidence|
    expect(expectedCalibrationError(conf, correct, { bins: 1 })).toBeCloseTo(Math.abs(0.5 - 3.2 / 6), 14);
  });

  it('perfect calibration per bin gives 0', () => {
    expect(expectedCalibrationError([0.5, 0.5, 1, 0], [0, 1, 1, 0])).toBe(0);
    expect(maximumCalibrationError([0.5, 0.5, 1, 0], [0, 1, 1, 0])).toBe(0);
  });
});

describe('equal-mass (adaptive) bins', () => {
  it('sorted positions split into bins whose sizes differ by at most one', () => {
    const conf = [0.9, 0.1, 0.5, 0.3, 0.7, 0.2, 0.8];
    const correct = [1, 0, 1, 0, 1, 0, 0];
    const bins = equalMassBins(conf, correct, { bins: 3 });
    // 7 examples in 3 bins: positions [0,2), [2,4), [4,7)
    expect(bins.map((b) => b.count)).toEqual([2, 2, 3]);
    expect(bins[0]).toMatchObject({ lower: 0.1, upper: 0.2, accuracy: 0 });
    expect(bins[2]).toMatchObject({ lower: 0.7, upper: 0.9, accuracy: 2 / 3 });
    const ace = (2 / 7) * Math.abs(0 - 0.15) + (2 / 7) * Math.abs(0.5 - 0.4) + (3 / 7) * Math.abs(2 / 3 - 0.8);
    expect(adaptiveCalibrationError(conf, correct, { bins: 3 })).toBeCloseTo(ace, 14);
  });

  it('fewer examples than bins: empty bins are left out; ties keep input order', () => {
    expect(equalMassBins([0.4, 0.6], [1, 0], { bins: 10 }).map((b) => b.count)).toEqual([1, 1]);
    const tied = equalMassBins([0.5, 0.5, 0.5, 0.5], [1, 1, 0, 0], { bins: 2 });
    expect(tied.map((b) => b.accuracy)).toEqual([1, 0]);
  });
});
