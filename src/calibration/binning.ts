/**
 * Binned calibration: equal-width bins as RLCR's evaluation code forms them, the reliability diagram they
 * give, expected and maximum calibration error, and the equal-mass (adaptive) variant.
 *
 * Equal-width bins follow numpy: the edges are `numpy.linspace(0, 1, bins + 1)`, i.e. edge i = i * (1 / bins)
 * in floating point, with the outer edges replaced by -inf and +inf, and a value goes to bin k when
 * edge[k] <= value < edge[k + 1] (`numpy.digitize`, right-open). So 0.1 falls in the second bin, 1.0 in the
 * last, and, because 3 * 0.1 = 0.30000000000000004 in floating point, a confidence of exactly 0.3 (also 0.6
 * and 0.7) falls in the bin BELOW: RLCR's own numbers depend on this, and it is kept.
 */
import { ascendingOrder } from './metrics.js';

/** Equal-width bins unless configured otherwise (RLCR's evaluation). */
export const DEFAULT_BINS = 10;

/** One bin of a reliability diagram; `meanConfidence` and `accuracy` are null for an empty bin. */
export interface ReliabilityBin {
  /** The bin's nominal lower edge (0 for the first bin, though it also takes anything below). */
  readonly lower: number;
  /** The bin's nominal upper edge (1 for the last bin, which also takes 1 and anything above). */
  readonly upper: number;
  readonly count: number;
  readonly meanConfidence: number | null;
  readonly accuracy: number | null;
}

export interface BinOptions {
  /** Number of bins; an integer >= 1. Default {@link DEFAULT_BINS}. */
  readonly bins?: number;
}

/** The nominal edges `numpy.linspace(0, 1, bins + 1)`: bins + 1 values from 0 to 1. */
export function binEdges(bins: number = DEFAULT_BINS): number[] {
  checkBins(bins);
  const step = 1 / bins;
  return Array.from({ length: bins + 1 }, (_, i) => (i === bins ? 1 : i * step));
}

/**
 * The 0-based equal-width bin of a confidence, as `numpy.digitize(c, edges) - 1` with the outer edges at
 * -inf and +inf: the number of inner edges i * (1 / bins), i = 1..bins-1, that are <= c.
 */
export function binIndex(confidence: number, bins: number = DEFAULT_BINS): number {
  const step = 1 / bins;
  // floor(c * bins) is right but for rounding at the edges; settle it against the exact edge values.
  let k = Math.min(bins - 1, Math.max(0, Math.floor(confidence * bins)));
  while (k < bins - 1 && (k + 1) * step <= confidence) k++;
  while (k > 0 && k * step > confidence) k--;
  return k;
}

/**
 * Per-bin counts, mean confidence and accuracy over equal-width bins (see {@link binIndex}).
 *
 * @example
 * reliabilityBins([0.05, 0.1, 0.95], [0, 1, 1], { bins: 10 })[1]; // { lower: 0.1, upper: 0.2, count: 1, meanConfidence: 0.1, accuracy: 1 }
 */
export function reliabilityBins(confidence: readonly number[], correct: readonly number[], options: BinOptions = {}): ReliabilityBin[] {
  const bins = options.bins ?? DEFAULT_BINS;
  const edges = binEdges(bins);
  const count = new Array<number>(bins).fill(0);
  const confSum = new Array<number>(bins).fill(0);
  const correctSum = new Array<number>(bins).fill(0);
  for (let i = 0; i < confidence.length; i++) {
    const k = binIndex(confidence[i], bins);
    count[k]++;
    confSum[k] += confidence[i];
    correctSum[k] += correct[i];
  }
  return count.map((n, k) => ({
    lower: edges[k],
    upper: edges[k + 1],
    count: n,
    meanConfidence: n === 0 ? null : confSum[k] / n,
    accuracy: n === 0 ? null : correctSum[k] / n,
  }));
}

/**
 * Expected calibration error: sum over non-empty bins of (n_b / N) * |accuracy_b - meanConfidence_b|,
 * over equal-width bins (RLCR's definition with the default 10 bins).
 */
export function expectedCalibrationError(confidence: readonly number[], correct: readonly number[], options: BinOptions = {}): number {
  return weightedGap(reliabilityBins(confidence, correct, options), confidence.length);
}

/** Maximum calibration error: the largest |accuracy_b - meanConfidence_b| over non-empty equal-width bins. */
export function maximumCalibrationError(confidence: readonly number[], correct: readonly number[], options: BinOptions = {}): number {
  let max = 0;
  for (const b of reliabilityBins(confidence, correct, options)) {
    if (b.count > 0) max = Math.max(max, Math.abs(b.accuracy! - b.meanConfidence!));
  }
  return max;
}

/**
 * Equal-mass bins: the examples sorted by confidence (ties kept in input order), bin b holding sorted
 * positions floor(b * N / bins) up to floor((b + 1) * N / bins) - 1, so sizes differ by at most one and a
 * run of equal confidences may straddle two bins. Empty bins (N < bins) are left out.
 */
export function equalMassBins(confidence: readonly number[], correct: readonly number[], options: BinOptions = {}): ReliabilityBin[] {
  const bins = options.bins ?? DEFAULT_BINS;
  checkBins(bins);
  const n = confidence.length;
  const order = ascendingOrder(confidence);
  const out: ReliabilityBin[] = [];
  for (let b = 0; b < bins; b++) {
    const from = Math.floor((b * n) / bins);
    const to = Math.floor(((b + 1) * n) / bins);
    if (to === from) continue;
    let confSum = 0;
    let correctSum = 0;
    for (let p = from; p < to; p++) {
      confSum += confidence[order[p]];
      correctSum += correct[order[p]];
    }
    out.push({
      lower: confidence[order[from]],
      upper: confidence[order[to - 1]],
      count: to - from,
      meanConfidence: confSum / (to - from),
      accuracy: correctSum / (to - from),
    });
  }
  return out;
}

/** Adaptive (equal-mass) ECE: the ECE sum over {@link equalMassBins}. */
export function adaptiveCalibrationError(confidence: readonly number[], correct: readonly number[], options: BinOptions = {}): number {
  return weightedGap(equalMassBins(confidence, correct, options), confidence.length);
}

function weightedGap(bins: readonly ReliabilityBin[], n: number): number {
  let sum = 0;
  for (const b of bins) {
    if (b.count > 0) sum += (b.count / n) * Math.abs(b.accuracy! - b.meanConfidence!);
  }
  return sum;
}

function checkBins(bins: number): void {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`bins: expected an integer >= 1, got ${bins}`);
}
