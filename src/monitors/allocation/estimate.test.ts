import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../calibration/random.js';
import { hajekRate, htRate, htTotal, naiveRate, type SampledValue } from './estimate.js';
import { BudgetedSampler } from './sampler.js';

const MIN = 60_000;

function meanAndVariance(xs: readonly number[]): { mean: number; variance: number } {
  const mean = xs.reduce((a, x) => a + x, 0) / xs.length;
  return { mean, variance: xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1) };
}

describe('Horvitz–Thompson rate estimates', () => {
  it('computes the rate, the variance estimate and the Hájek ratio by hand', () => {
    const s: SampledValue[] = [
      { value: true, inclusionProbability: 0.5 },
      { value: false, inclusionProbability: 1 },
      { value: 1, inclusionProbability: 0.25 },
    ];
    expect(htTotal(s)).toEqual({ total: 2 + 4, variance: 0.5 / 0.25 + 0.75 / 0.0625 });
    const ht = htRate(s, 10);
    expect(ht.rate).toBeCloseTo(0.6, 12);
    expect(ht.variance).toBeCloseTo(14 / 100, 12);
    expect(ht.standardError).toBeCloseTo(Math.sqrt(0.14), 12);
    const hajek = hajekRate(s);
    expect(hajek.population).toBe(2 + 1 + 4);
    expect(hajek.rate).toBeCloseTo(6 / 7, 12);
    expect(naiveRate(s)).toBeCloseTo(2 / 3, 12);
    expect(hajekRate([])).toMatchObject({ rate: 0, sampled: 0 });
    expect(() => htRate([{ value: true, inclusionProbability: 0 }], 1)).toThrow(/inclusion probability/);
    expect(() => htRate(s, 0)).toThrow(/population/);
  });

  it('is unbiased under the budgeted sampler while the naive sample mean is not: flags follow risk, and so does sampling', () => {
    // A fixed population: 3,000 requests over five minutes; the riskier a request, the likelier its flag.
    const rand = mulberry32(2024);
    const population = Array.from({ length: 3000 }, (_, i) => {
      const risk = rand() ** 2;
      return { item: i, risk, flag: rand() < 0.03 + 0.6 * risk * risk, timeMs: Math.floor(i / 600) * MIN + (i % 600) * 100 };
    });
    const trueRate = population.filter((p) => p.flag).length / population.length;
    const ht: number[] = [];
    const hajek: number[] = [];
    const naive: number[] = [];
    const htVariance: number[] = [];
    let sampled = 0;
    const reps = 300;
    for (let seed = 1; seed <= reps; seed++) {
      const sampler = new BudgetedSampler<boolean>({ perMinute: { calls: 40 }, windowMs: MIN, floor: 0.02, seed });
      const taken: SampledValue[] = [];
      const collect = (ws: ReturnType<typeof sampler.flush>) => {
        for (const w of ws) for (const x of w.selected) taken.push({ value: x.item, inclusionProbability: x.inclusionProbability });
      };
      for (const p of population) collect(sampler.offer({ item: p.flag, risk: p.risk, cost: { calls: 1 }, timeMs: p.timeMs }));
      collect(sampler.flush());
      const e = htRate(taken, population.length);
      ht.push(e.rate);
      htVariance.push(e.variance);
      hajek.push(hajekRate(taken).rate);
      naive.push(naiveRate(taken));
      sampled += taken.length;
    }
    // 200 of 3,000 requests are judged each time (40 a minute): a sample of 6.7 %.
    expect(sampled / reps).toBeLessThanOrEqual(200);
    const h = meanAndVariance(ht);
    const standardErrorOfMean = Math.sqrt(h.variance / reps);
    expect(Math.abs(h.mean - trueRate)).toBeLessThan(3 * standardErrorOfMean);
    expect(Math.abs(h.mean - trueRate)).toBeLessThan(0.005);
    // The Hájek ratio (no population size needed) is close too.
    expect(Math.abs(meanAndVariance(hajek).mean - trueRate)).toBeLessThan(0.01);
    // The plain mean of the sample is pulled towards the risky, flagged requests.
    const n = meanAndVariance(naive);
    expect(n.mean - trueRate).toBeGreaterThan(0.1);
    // The variance estimate matches the spread of the estimates across repetitions (within a fifth).
    const meanVarianceEstimate = htVariance.reduce((a, v) => a + v, 0) / reps;
    expect(meanVarianceEstimate / h.variance).toBeGreaterThan(0.8);
    expect(meanVarianceEstimate / h.variance).toBeLessThan(1.25);
  });

  it('has an unbiased variance estimate under independent (Poisson) draws', () => {
    const rand = mulberry32(77);
    const population = Array.from({ length: 500 }, () => {
      const pi = 0.05 + 0.9 * rand();
      return { pi, flag: rand() < pi * 0.5 };
    });
    const draw = mulberry32(78);
    const estimates: number[] = [];
    const variances: number[] = [];
    for (let rep = 0; rep < 3000; rep++) {
      const taken = population.filter((p) => draw() < p.pi).map((p) => ({ value: p.flag, inclusionProbability: p.pi }));
      const e = htRate(taken, population.length);
      estimates.push(e.rate);
      variances.push(e.variance);
    }
    const trueRate = population.filter((p) => p.flag).length / population.length;
    const m = meanAndVariance(estimates);
    expect(Math.abs(m.mean - trueRate)).toBeLessThan(3 * Math.sqrt(m.variance / 3000));
    const meanVariance = variances.reduce((a, v) => a + v, 0) / variances.length;
    expect(Math.abs(meanVariance / m.variance - 1)).toBeLessThan(0.1);
  });
});
