import { describe, expect, it } from 'vitest';
import { exponentialToExplicit, histogramQuantile, increases, rateSeries, type StoredPoint } from './metric-math.js';

const point = (t: number, value: number, temporality = 2, start = 0): StoredPoint => ({
  t,
  start,
  temporality,
  value,
  count: null,
  sum: null,
  bounds: [],
  buckets: [],
  quantiles: [],
  quantileValues: [],
});

describe('counter increases and rates', () => {
  it('differences cumulative points and treats a drop as a reset', () => {
    const pts = [point(0, 10), point(1000, 15), point(2000, 3), point(3000, 9)];
    expect(increases(pts).map((x) => x.inc)).toEqual([5, 3, 6]);
  });

  it('uses delta points as they are', () => {
    expect(increases([point(0, 4, 1), point(1000, 6, 1)]).map((x) => x.inc)).toEqual([4, 6]);
  });

  it('a new start time is a reset even when the value grew', () => {
    expect(increases([point(0, 10, 2, 100), point(1000, 12, 2, 900)]).map((x) => x.inc)).toEqual([12]);
  });

  it('gives a per-second rate per step, null where there was no data', () => {
    const pts = [point(0, 0), point(5_000, 50), point(10_000, 100), point(25_000, 400)];
    const r = rateSeries(pts, 0, 30_000, 10_000);
    // step [0,10s): +50 at 5s -> 5/s; step [10s,20s): +50 at 10s -> 5/s; step [20s,30s): +300 -> 30/s
    expect(r).toEqual([
      { t: 0, v: 5 },
      { t: 10_000, v: 5 },
      { t: 20_000, v: 30 },
    ]);
    expect(rateSeries([point(0, 1)], 0, 20_000, 10_000)).toEqual([
      { t: 0, v: null },
      { t: 10_000, v: null },
    ]);
  });
});

describe('histogramQuantile', () => {
  it('interpolates inside the bucket holding the rank', () => {
    // bounds 0.1, 0.5, 1 -> buckets (-inf,0.1], (0.1,0.5], (0.5,1], (1,+inf)
    const bounds = [0.1, 0.5, 1];
    const buckets = [10, 30, 10, 0];
    // p50: rank 25 of 50 -> 15th of 30 in (0.1,0.5] -> 0.1 + 0.4 * 15/30 = 0.3
    expect(histogramQuantile(0.5, bounds, buckets)).toBeCloseTo(0.3, 12);
    // p10: rank 5 -> half of the first bucket, from 0 -> 0.05
    expect(histogramQuantile(0.1, bounds, buckets)).toBeCloseTo(0.05, 12);
    // p99: rank 49.5 -> 9.5/10 in (0.5,1] -> 0.975
    expect(histogramQuantile(0.99, bounds, buckets)).toBeCloseTo(0.975, 12);
  });

  it('answers the last bound for ranks in the overflow bucket and null when empty', () => {
    expect(histogramQuantile(0.99, [1, 2], [0, 0, 5])).toBe(2);
    expect(histogramQuantile(0.5, [1, 2], [0, 0, 0])).toBeNull();
  });
});

describe('exponentialToExplicit', () => {
  it('maps scale 0 buckets to powers of two with the zero bucket below', () => {
    // scale 0: base 2; offset 1 -> buckets (2,4], (4,8]
    const { bounds, buckets } = exponentialToExplicit(0, 1, 1, [3, 4], 0, []);
    expect(bounds).toEqual([0, 2, 4, 8]);
    expect(buckets).toEqual([1, 0, 3, 4, 0]);
    // median: rank 4 of 8 -> the 3rd of 3 in (2,4] -> 4
    expect(histogramQuantile(0.5, bounds, buckets)).toBeCloseTo(4, 12);
  });
});
