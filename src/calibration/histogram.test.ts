import { describe, expect, it } from 'vitest';
import { applyHistogram, fitHistogram } from './histogram.js';

describe('histogram binning', () => {
  it('per-bin accuracy; an empty bin keeps its midpoint', () => {
    const params = fitHistogram([0.05, 0.1, 0.15, 0.95, 0.97], [0, 1, 1, 1, 0], 5);
    expect(params.bins).toBe(5);
    // bins [0, .2) [.2, .4) [.4, .6) [.6, .8) [.8, 1]: the middle three are empty
    expect(params.values.map((v) => Number(v.toFixed(12)))).toEqual([0.666666666667, 0.3, 0.5, 0.7, 0.5]);
    expect(applyHistogram(params, 0.99)).toBe(0.5);
    expect(applyHistogram(params, 0.2)).toBe(params.values[1]); // on an edge: the bin above
    expect(applyHistogram(params, 0)).toBe(params.values[0]);
  });

  it('defaults to 10 bins', () => {
    expect(fitHistogram([0.5], [1]).values).toHaveLength(10);
  });
});
