/**
 * Platt scaling: p = sigmoid(a * z + b) with z = logit(confidence), a logistic regression of correctness
 * on the log-odds of the stated confidence. Two parameters: `a` rescales (like 1 / temperature), `b` shifts,
 * so it also fixes a model that is over-confident in one direction only.
 */
import { logisticLoss, sigmoid } from './logit.js';

export interface PlattParams {
  readonly a: number;
  readonly b: number;
}

const MAX_ITERATIONS = 100;
const MAX_HALVINGS = 60;
const RIDGE = 1e-9;
const TOLERANCE = 1e-10;

/**
 * Fits (a, b) by Newton's method on the log-loss, with Platt's smoothed targets
 * ((positives + 1) / (positives + 2) for a correct example, 1 / (negatives + 2) for a wrong one) so that
 * separable data still has a finite optimum. Safeguards: a tiny ridge keeps the 2×2 Hessian invertible,
 * and each step is halved until the loss does not increase. Starts at the identity map (a = 1, b = 0).
 *
 * @example
 * const { a, b } = fitPlatt(confidence.map(logit), correct);
 */
export function fitPlatt(scores: readonly number[], correct: readonly number[]): PlattParams {
  let positives = 0;
  for (const y of correct) positives += y;
  const negatives = correct.length - positives;
  const hiTarget = (positives + 1) / (positives + 2);
  const loTarget = 1 / (negatives + 2);
  const target = correct.map((y) => (y === 1 ? hiTarget : loTarget));
  const lossAt = (a: number, b: number): number => logisticLoss(scores.map((z) => a * z + b), target);

  let a = 1;
  let b = 0;
  let loss = lossAt(a, b);
  for (let iter = 0; iter < MAX_ITERATIONS; iter++) {
    let ga = 0, gb = 0, haa = RIDGE, hab = 0, hbb = RIDGE;
    for (let i = 0; i < scores.length; i++) {
      const z = scores[i];
      const p = sigmoid(a * z + b);
      const r = p - target[i];
      const w = p * (1 - p);
      ga += r * z;
      gb += r;
      haa += w * z * z;
      hab += w * z;
      hbb += w;
    }
    const det = haa * hbb - hab * hab;
    // Newton direction; where the Hessian is numerically singular, fall back to the gradient.
    let da = det > 0 ? -(hbb * ga - hab * gb) / det : -ga;
    let db = det > 0 ? -(haa * gb - hab * ga) / det : -gb;
    let improved = false;
    for (let h = 0; h < MAX_HALVINGS; h++) {
      const next = lossAt(a + da, b + db);
      if (next <= loss) {
        a += da;
        b += db;
        improved = loss - next > TOLERANCE * Math.max(1, Math.abs(loss));
        loss = next;
        break;
      }
      da /= 2;
      db /= 2;
    }
    if (!improved) break;
  }
  return { a, b };
}
