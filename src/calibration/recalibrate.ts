/**
 * Recalibration maps: fitted on labelled (confidence, correct) pairs, serialisable as JSON, applied to new
 * confidences; and a held-out evaluation of how much a method improves calibration.
 */
import { DEFAULT_BINS, expectedCalibrationError } from './binning.js';
import { applyHistogram, fitHistogram, type HistogramParams } from './histogram.js';
import { applyIsotonic, fitIsotonic, type IsotonicParams } from './isotonic.js';
import { logit, sigmoid } from './logit.js';
import { brierScore, checkScored } from './metrics.js';
import { fitPlatt, type PlattParams } from './platt.js';
import { mulberry32, shuffledIndices } from './random.js';
import { fitTemperature } from './temperature.js';

export const CALIBRATION_METHODS = ['temperature', 'platt', 'isotonic', 'histogram'] as const;
export type CalibrationMethod = (typeof CALIBRATION_METHODS)[number];

/**
 * A fitted map, as stored or printed (`JSON.stringify` it as is):
 * - `temperature`: sigmoid(logit(c) / temperature)
 * - `platt`: sigmoid(a * logit(c) + b)
 * - `isotonic`: linear interpolation between knots (x, y), flat outside them
 * - `histogram`: the value of c's equal-width bin
 */
export type CalibrationMap =
  | { readonly method: 'temperature'; readonly params: { readonly temperature: number } }
  | { readonly method: 'platt'; readonly params: PlattParams }
  | { readonly method: 'isotonic'; readonly params: IsotonicParams }
  | { readonly method: 'histogram'; readonly params: HistogramParams };

export interface FitOptions {
  /** Bins of the histogram method; default 10. */
  readonly bins?: number;
}

/**
 * Fits a map on labelled data (validated as by `checkScored`).
 *
 * @example
 * const map = fitCalibration('platt', confidence, correct);
 * applyCalibration(map, 0.99); // e.g. 0.81
 */
export function fitCalibration(method: CalibrationMethod, confidence: readonly number[], correct: readonly number[], options: FitOptions = {}): CalibrationMap {
  checkScored(confidence, correct);
  switch (method) {
    case 'temperature':
      return { method, params: { temperature: fitTemperature(confidence.map(logit), correct) } };
    case 'platt':
      return { method, params: fitPlatt(confidence.map(logit), correct) };
    case 'isotonic':
      return { method, params: fitIsotonic(confidence, correct) };
    case 'histogram':
      return { method, params: fitHistogram(confidence, correct, options.bins ?? DEFAULT_BINS) };
    default:
      throw new RangeError(`method: expected one of ${CALIBRATION_METHODS.join(', ')}, got ${JSON.stringify(method)}`);
  }
}

/** The recalibrated confidence of c (in [0, 1]). */
export function applyCalibration(map: CalibrationMap, c: number): number {
  switch (map.method) {
    case 'temperature':
      return sigmoid(logit(c) / map.params.temperature);
    case 'platt':
      return sigmoid(map.params.a * logit(c) + map.params.b);
    case 'isotonic':
      return applyIsotonic(map.params, c);
    case 'histogram':
      return applyHistogram(map.params, c);
  }
}

/**
 * Checks a parsed JSON value (e.g. a stored map) and returns it typed; throws a TypeError naming the field.
 */
export function calibrationMapFromJson(value: unknown): CalibrationMap {
  const obj = record(value, 'map');
  const params = record(obj.params, 'params');
  const num = (name: string, ok: (x: number) => boolean = Number.isFinite): number => {
    const v = params[name];
    if (typeof v !== 'number' || !ok(v)) throw new TypeError(`params.${name}: invalid value ${JSON.stringify(v)}`);
    return v;
  };
  const nums = (name: string, length?: number): number[] => {
    const v = params[name];
    if (!Array.isArray(v) || v.length === 0 || (length !== undefined && v.length !== length) || !v.every((x) => typeof x === 'number' && Number.isFinite(x)))
      throw new TypeError(`params.${name}: expected a non-empty array of numbers${length === undefined ? '' : ` of length ${length}`}`);
    return v as number[];
  };
  switch (obj.method) {
    case 'temperature':
      return { method: 'temperature', params: { temperature: num('temperature', (t) => t > 0 && Number.isFinite(t)) } };
    case 'platt':
      return { method: 'platt', params: { a: num('a'), b: num('b') } };
    case 'isotonic': {
      const x = nums('x');
      const y = nums('y', x.length);
      if (x.some((v, i) => i > 0 && v < x[i - 1])) throw new TypeError('params.x: must be ascending');
      return { method: 'isotonic', params: { x, y } };
    }
    case 'histogram': {
      const bins = num('bins', (b) => Number.isInteger(b) && b >= 1);
      return { method: 'histogram', params: { bins, values: nums('values', bins) } };
    }
    default:
      throw new TypeError(`method: expected one of ${CALIBRATION_METHODS.join(', ')}, got ${JSON.stringify(obj.method)}`);
  }
}

export interface EvaluateOptions {
  /** Fraction of examples held out for evaluation, in (0, 1); default 0.5. */
  readonly heldOutFraction?: number;
  /** Seed of the split; default 0. */
  readonly seed?: number;
  /** Equal-width bins of the ECE (and of the histogram method); default 10. */
  readonly bins?: number;
}

export interface RecalibrationEvaluation {
  readonly method: CalibrationMethod;
  readonly nFit: number;
  readonly nHeldOut: number;
  /** ECE of the held-out examples' stated confidence. */
  readonly eceBefore: number;
  /** ECE of the held-out examples after the map fitted on the other examples. */
  readonly eceAfter: number;
  readonly brierBefore: number;
  readonly brierAfter: number;
  /** The map fitted on the fitting part (the one evaluated). */
  readonly map: CalibrationMap;
}

export const DEFAULT_HELD_OUT_FRACTION = 0.5;

/**
 * Splits the examples at random (seeded): round(N * heldOutFraction) held out, at least one on each side;
 * fits on the rest and reports held-out ECE and Brier before and after.
 *
 * @example
 * const e = evaluateRecalibration('isotonic', confidence, correct, { heldOutFraction: 0.3, seed: 1 });
 * e.eceAfter < e.eceBefore;
 */
export function evaluateRecalibration(
  method: CalibrationMethod,
  confidence: readonly number[],
  correct: readonly number[],
  options: EvaluateOptions = {},
): RecalibrationEvaluation {
  checkScored(confidence, correct);
  const fraction = options.heldOutFraction ?? DEFAULT_HELD_OUT_FRACTION;
  if (!(fraction > 0 && fraction < 1)) throw new RangeError(`heldOutFraction: expected a number in (0, 1), got ${fraction}`);
  const n = confidence.length;
  if (n < 2) throw new RangeError('evaluateRecalibration needs at least 2 examples');
  const bins = options.bins ?? DEFAULT_BINS;
  const nHeldOut = Math.min(n - 1, Math.max(1, Math.round(n * fraction)));
  const order = shuffledIndices(n, mulberry32(options.seed ?? 0));
  const held = order.slice(0, nHeldOut);
  const fit = order.slice(nHeldOut);
  const pick = (idx: readonly number[], from: readonly number[]): number[] => idx.map((i) => from[i]);
  const map = fitCalibration(method, pick(fit, confidence), pick(fit, correct), { bins });
  const heldConf = pick(held, confidence);
  const heldCorrect = pick(held, correct);
  const after = heldConf.map((c) => applyCalibration(map, c));
  return {
    method,
    nFit: fit.length,
    nHeldOut,
    eceBefore: expectedCalibrationError(heldConf, heldCorrect, { bins }),
    eceAfter: expectedCalibrationError(after, heldCorrect, { bins }),
    brierBefore: brierScore(heldConf, heldCorrect),
    brierAfter: brierScore(after, heldCorrect),
    map,
  };
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new TypeError(`${what}: expected an object`);
  return value as Record<string, unknown>;
}
