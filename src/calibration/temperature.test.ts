import { describe, expect, it } from 'vitest';
import { logisticLoss, sigmoid } from './logit.js';
import { mulberry32 } from './random.js';
import { fitTemperature, MAX_TEMPERATURE, MIN_TEMPERATURE } from './temperature.js';

describe('fitTemperature', () => {
  it('recovers the temperature of scores drawn from sigmoid(z / T) (e.g. a log-odds score)', () => {
    const rand = mulberry32(2);
    for (const T of [0.5, 1, 3]) {
      const z = Array.from({ length: 20_000 }, () => (rand() * 2 - 1) * 6);
      const y = z.map((s) => (rand() < sigmoid(s / T) ? 1 : 0));
      expect(fitTemperature(z, y) / T).toBeCloseTo(1, 1);
    }
  });

  it('is the minimum of the NLL: nearby temperatures are no better', () => {
    const z = [-3, -1, 0.5, 2, 4, 5];
    const y = [0, 1, 0, 1, 1, 0];
    const T = fitTemperature(z, y);
    const nll = (t: number): number => logisticLoss(z.map((s) => s / t), y);
    expect(nll(T)).toBeLessThanOrEqual(nll(T * 1.01));
    expect(nll(T)).toBeLessThanOrEqual(nll(T / 1.01));
  });

  it('ends at a bound on scores without signal or perfectly separated', () => {
    expect(fitTemperature([1, -1, 1, -1], [0, 1, 0, 1])).toBeCloseTo(MAX_TEMPERATURE, -1); // anti-informative: as flat as allowed
    expect(fitTemperature([-2, -1, 1, 2], [0, 0, 1, 1])).toBeCloseTo(MIN_TEMPERATURE, 6); // separable: as sharp as allowed
  });
});
