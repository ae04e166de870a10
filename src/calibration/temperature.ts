/**
 * Temperature scaling for a binary correctness score: p = sigmoid(z / T), where z is logit(confidence)
 * or any real-valued log-score (e.g. a log-odds computed from token logprobs). One parameter, T > 0:
 * T > 1 softens an over-confident model, T < 1 sharpens an under-confident one; 0.5 stays 0.5.
 */
import { logisticLoss } from './logit.js';

/** The search range of T; a fit at either end means the scores carry (almost) no usable signal. */
export const MIN_TEMPERATURE = 1e-3;
export const MAX_TEMPERATURE = 1e3;
const GOLDEN_ITERATIONS = 120;

/**
 * The T that minimises the negative log-likelihood of `correct` under sigmoid(z / T).
 * The NLL is convex in 1/T, hence unimodal in log T: a golden-section search over
 * log T in [log MIN_TEMPERATURE, log MAX_TEMPERATURE] finds the minimum without derivatives and without
 * diverging on separable or degenerate data (then T ends at a bound).
 *
 * @example
 * fitTemperature(confidence.map(logit), correct); // e.g. 2.7 for an over-confident model
 */
export function fitTemperature(scores: readonly number[], correct: readonly number[]): number {
  const loss = (logT: number): number => {
    const beta = Math.exp(-logT);
    return logisticLoss(scores.map((z) => z * beta), correct);
  };
  const phi = (Math.sqrt(5) - 1) / 2;
  let lo = Math.log(MIN_TEMPERATURE);
  let hi = Math.log(MAX_TEMPERATURE);
  let x1 = hi - phi * (hi - lo);
  let x2 = lo + phi * (hi - lo);
  let f1 = loss(x1);
  let f2 = loss(x2);
  for (let i = 0; i < GOLDEN_ITERATIONS; i++) {
    if (f1 <= f2) {
      hi = x2;
      x2 = x1;
      f2 = f1;
      x1 = hi - phi * (hi - lo);
      f1 = loss(x1);
    } else {
      lo = x1;
      x1 = x2;
      f1 = f2;
      x2 = lo + phi * (hi - lo);
      f2 = loss(x2);
    }
  }
  return Math.exp((lo + hi) / 2);
}
