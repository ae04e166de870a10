import { describe, expect, it } from 'vitest';
import { LOGIT_EPSILON, logisticLoss, logit, sigmoid, softplus } from './logit.js';

describe('logit, sigmoid, softplus', () => {
  it('are inverse where defined and finite at the ends', () => {
    for (const p of [0.001, 0.2, 0.5, 0.77, 0.999]) expect(sigmoid(logit(p))).toBeCloseTo(p, 12);
    expect(logit(0.5)).toBe(0);
    expect(logit(1)).toBeCloseTo(Math.log((1 - LOGIT_EPSILON) / LOGIT_EPSILON), 9);
    expect(logit(0)).toBeCloseTo(-logit(1), 9);
    expect(sigmoid(1000)).toBe(1);
    expect(sigmoid(-1000)).toBe(0);
    expect(softplus(1000)).toBe(1000);
    expect(softplus(-1000)).toBe(0);
    expect(softplus(0)).toBeCloseTo(Math.LN2, 15);
  });

  it('logistic loss is the summed negative log-likelihood', () => {
    const scores = [0, 2, -1];
    const target = [1, 0, 0];
    const nll = -Math.log(0.5) - Math.log(1 - sigmoid(2)) - Math.log(1 - sigmoid(-1));
    expect(logisticLoss(scores, target)).toBeCloseTo(nll, 12);
    expect(Number.isFinite(logisticLoss([800], [0]))).toBe(true);
  });
});
