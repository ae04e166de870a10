/**
 * The logistic link shared by the parametric recalibration methods (temperature and Platt scaling).
 */

/**
 * Confidences are clamped to [LOGIT_EPSILON, 1 - LOGIT_EPSILON] before the logit, so that a stated 0 or 1
 * (common: RLVR models say 1.0) maps to a finite score, about ±13.8.
 */
export const LOGIT_EPSILON = 1e-6;

/** log(p / (1 - p)) of p clamped to [LOGIT_EPSILON, 1 - LOGIT_EPSILON]. */
export function logit(p: number): number {
  const q = Math.min(1 - LOGIT_EPSILON, Math.max(LOGIT_EPSILON, p));
  return Math.log(q / (1 - q));
}

/** 1 / (1 + e^-x), without overflow for large |x|. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** log(1 + e^x), without overflow for large x. */
export function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/**
 * Negative log-likelihood (sum, natural log) of labels `target` (in [0, 1]) under probabilities
 * sigmoid(score): sum of softplus(s) - t * s, exact also where sigmoid(s) rounds to 0 or 1.
 */
export function logisticLoss(scores: readonly number[], target: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < scores.length; i++) sum += softplus(scores[i]) - target[i] * scores[i];
  return sum;
}
