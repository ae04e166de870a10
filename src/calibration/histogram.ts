/**
 * Histogram binning: the confidence is replaced by the accuracy observed in its equal-width bin
 * (the same numpy-style bins as the ECE, binning.ts).
 */
import { binEdges, binIndex, DEFAULT_BINS, reliabilityBins } from './binning.js';

export interface HistogramParams {
  /** Number of equal-width bins. */
  readonly bins: number;
  /** The calibrated confidence of each bin. */
  readonly values: readonly number[];
}

/**
 * Each bin's value is the accuracy of the fitting examples in it; a bin without examples keeps its
 * midpoint (no evidence, so roughly the identity there).
 *
 * @example
 * fitHistogram([0.91, 0.95, 0.97], [1, 0, 1], 10).values[9]; // 0.6666666666666666
 */
export function fitHistogram(confidence: readonly number[], correct: readonly number[], bins: number = DEFAULT_BINS): HistogramParams {
  const edges = binEdges(bins);
  const values = reliabilityBins(confidence, correct, { bins }).map((b, k) => b.accuracy ?? (edges[k] + edges[k + 1]) / 2);
  return { bins, values };
}

/** The value of the bin c falls in. */
export function applyHistogram(params: HistogramParams, c: number): number {
  return params.values[binIndex(c, params.bins)];
}
