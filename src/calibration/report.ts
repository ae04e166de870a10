/**
 * Every calibration metric of one scored sample, with bootstrap intervals: what `strata calibrate` prints.
 */
import { adaptiveCalibrationError, DEFAULT_BINS, expectedCalibrationError, maximumCalibrationError, reliabilityBins, type ReliabilityBin } from './binning.js';
import { bootstrapIntervals, DEFAULT_RESAMPLES, DEFAULT_SEED, type Interval, type Statistic } from './bootstrap.js';
import { accuracy, aurc, auroc, brierScore, checkScored } from './metrics.js';

export type MetricName = 'accuracy' | 'brier' | 'ece' | 'adaptiveEce' | 'mce' | 'auroc' | 'aurc';

export interface CalibrationReportOptions {
  /** Equal-width bins for ECE, MCE and the reliability diagram; default 10. */
  readonly bins?: number;
  /** Equal-mass bins for the adaptive ECE; default: the same as `bins`. */
  readonly adaptiveBins?: number;
  /** Bootstrap resamples; 0 leaves the intervals out. Default 1000. */
  readonly resamples?: number;
  /** Bootstrap seed; default 0. */
  readonly seed?: number;
}

export interface CalibrationReport {
  readonly n: number;
  readonly accuracy: number;
  readonly brier: number;
  readonly ece: number;
  readonly adaptiveEce: number;
  readonly mce: number;
  readonly auroc: number;
  readonly aurc: number;
  /** Equal-width bins, the reliability diagram. */
  readonly bins: readonly ReliabilityBin[];
  /** 95% percentile bootstrap intervals of each metric; null when `resamples` is 0. */
  readonly intervals: Readonly<Record<MetricName, Interval>> | null;
  /** The settings used, so a printed report says how it was computed. */
  readonly settings: { readonly bins: number; readonly adaptiveBins: number; readonly resamples: number; readonly seed: number };
}

/**
 * All metrics of `confidence` (each in [0, 1]) against `correct` (each 0 or 1); throws a RangeError on
 * invalid input (see `checkScored`).
 *
 * @example
 * const r = calibrationReport([0.9, 0.6, 0.8], [1, 0, 1], { resamples: 200, seed: 1 });
 * r.ece; r.intervals?.ece.low; r.bins[9].count;
 */
export function calibrationReport(confidence: readonly number[], correct: readonly number[], options: CalibrationReportOptions = {}): CalibrationReport {
  checkScored(confidence, correct);
  const bins = options.bins ?? DEFAULT_BINS;
  const adaptiveBins = options.adaptiveBins ?? bins;
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const seed = options.seed ?? DEFAULT_SEED;
  const statistics: Record<MetricName, Statistic> = {
    accuracy: (_c, y) => accuracy(y),
    brier: brierScore,
    ece: (c, y) => expectedCalibrationError(c, y, { bins }),
    adaptiveEce: (c, y) => adaptiveCalibrationError(c, y, { bins: adaptiveBins }),
    mce: (c, y) => maximumCalibrationError(c, y, { bins }),
    auroc,
    aurc,
  };
  const value = (name: MetricName): number => statistics[name](confidence, correct);
  return {
    n: confidence.length,
    accuracy: value('accuracy'),
    brier: value('brier'),
    ece: value('ece'),
    adaptiveEce: value('adaptiveEce'),
    mce: value('mce'),
    auroc: value('auroc'),
    aurc: value('aurc'),
    bins: reliabilityBins(confidence, correct, { bins }),
    intervals: resamples === 0 ? null : bootstrapIntervals(confidence, correct, statistics, { resamples, seed }),
    settings: { bins, adaptiveBins, resamples, seed },
  };
}
