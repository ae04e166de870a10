import { describe, expect, it } from 'vitest';
import { affordable, limitsPerWindow, Spend, TokenEstimator } from './budget.js';

describe('budget arithmetic', () => {
  it('turns limits per minute into limits per window and checks spend against them', () => {
    expect(limitsPerWindow({ calls: 30, tokens: 20_000 }, 10_000)).toEqual({ calls: 5, tokens: 20_000 / 6 });
    expect(limitsPerWindow({ evaluations: 600 }, 120_000)).toEqual({ evaluations: 1200 });
    const s = new Spend({ tokens: 100 });
    s.add({ calls: 1, tokens: 50 });
    expect(s.value()).toEqual({ calls: 1, tokens: 150, evaluations: 0 });
    expect(s.fitsWith({ calls: 1, tokens: 50 }, { calls: 2, tokens: 200 })).toBe(true);
    expect(s.fitsWith({ calls: 2 }, { calls: 2, tokens: 200 })).toBe(false);
    expect(s.within({ tokens: 149 })).toBe(false);
    expect(affordable({ tokens: 5000 }, { tokens: 1000 })).toBe(false);
    expect(affordable({ tokens: 5000 }, { calls: 1 })).toBe(true);
  });

  it('estimates a call’s tokens from the text and corrects the estimate by the real costs', () => {
    const t = new TokenEstimator();
    expect(t.estimate(4000)).toBe(1300);
    t.learn(t.raw(4000), 2600);
    expect(t.ratio()).toBeCloseTo(1.2, 12);
    expect(t.estimate(4000)).toBe(1560);
    // Repeated real costs of half the raw estimate pull the ratio to 0.5.
    for (let i = 0; i < 100; i++) t.learn(1000, 500);
    expect(t.ratio()).toBeCloseTo(0.5, 6);
    // Reports without a cost teach nothing.
    t.learn(1000, 0);
    t.learn(0, 100);
    expect(t.ratio()).toBeCloseTo(0.5, 6);
  });
});
