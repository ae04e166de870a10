import { describe, expect, it } from 'vitest';
import { quantile } from '../calibration/bootstrap.js';
import { mulberry32, randomInt } from '../calibration/random.js';
import { binaryIntervals, binaryMetrics, interventionIntervals, interventionMetrics, type FlaggedCase, type InterventionCase } from './eval-metrics.js';

const cases = (spec: readonly [flag: 0 | 1, label: 0 | 1, count: number][]): FlaggedCase[] =>
  spec.flatMap(([flag, label, count]) => Array.from({ length: count }, () => ({ flag: flag === 1, label: label === 1 })));

const arms = (spec: readonly [arm: 'control' | 'intervention', outcome: 0 | 1, flag: 0 | 1, count: number][]): InterventionCase[] =>
  spec.flatMap(([arm, outcome, flag, count]) => Array.from({ length: count }, () => ({ arm, outcome: outcome === 1, flag: flag === 1 })));

describe('binaryMetrics', () => {
  it('TPR, TNR and g-mean² by hand', () => {
    // 4 positives, 3 flagged; 5 negatives, 1 flagged: TPR 3/4, TNR 4/5, g-mean² 0.6.
    const m = binaryMetrics(cases([[1, 1, 3], [0, 1, 1], [1, 0, 1], [0, 0, 4]]));
    expect(m).toEqual({ n: 9, positives: 4, negatives: 5, truePositives: 3, trueNegatives: 4, tpr: 0.75, tnr: 0.8, gMean2: 0.75 * 0.8 });
    expect(m.gMean2).toBeCloseTo(0.6, 15);
  });

  it('a monitor that never flags scores 0, one that always flags scores 0', () => {
    expect(binaryMetrics(cases([[0, 1, 2], [0, 0, 2]])).gMean2).toBe(0);
    expect(binaryMetrics(cases([[1, 1, 2], [1, 0, 2]])).gMean2).toBe(0);
  });

  it('a rate with no case to be a rate of is null, and so is g-mean²', () => {
    expect(binaryMetrics(cases([[1, 1, 2]]))).toMatchObject({ tpr: 1, tnr: null, gMean2: null });
    expect(binaryMetrics(cases([[0, 0, 2]]))).toMatchObject({ tpr: null, tnr: 1, gMean2: null });
    expect(binaryMetrics([])).toMatchObject({ n: 0, tpr: null, tnr: null, gMean2: null });
  });
});

describe('interventionMetrics', () => {
  // Control: 10 cases, Y in 2, 1 flag. Intervention: 10 cases, Y in 8 (3 of them flagged), 2 without Y (none flagged).
  // P(Y|X=1) = 0.8, P(Y|X=0) = 0.2, AF = 0.6 / 0.8 = 0.75; P(flag | X=1, Y=1) = 3/8 = 0.375; TPR_mc = 0.5;
  // TNR_{X=1} = 1, TNR_{X=0} = 0.9; value = 0.5 × sqrt(0.9) = 0.474341649…
  const example = arms([
    ['control', 1, 0, 1],
    ['control', 1, 1, 1],
    ['control', 0, 0, 8],
    ['intervention', 1, 1, 3],
    ['intervention', 1, 0, 5],
    ['intervention', 0, 0, 2],
  ]);

  it('the variant by hand', () => {
    const m = interventionMetrics(example);
    expect(m.nControl).toBe(10);
    expect(m.nIntervention).toBe(10);
    expect(m.pOutcomeIntervention).toBeCloseTo(0.8, 15);
    expect(m.pOutcomeControl).toBeCloseTo(0.2, 15);
    expect(m.attributableFraction).toBeCloseTo(0.75, 15);
    expect(m.pFlagFollowed).toBeCloseTo(0.375, 15);
    expect(m.tprMc).toBeCloseTo(0.5, 15);
    expect(m.tnrIntervention).toBe(1);
    expect(m.tnrControl).toBeCloseTo(0.9, 15);
    expect(m.value).toBeCloseTo(0.5 * Math.sqrt(0.9), 15);
    expect(m.value).toBeCloseTo(0.4743416490252569, 12);
    expect(m.undefinedReason).toBeUndefined();
  });

  it('TPR_mc is capped at 1: flagging more than the attributable share is not rewarded beyond 1', () => {
    // 7 of 8 followed cases flagged: 0.875 / 0.75 > 1.
    const m = interventionMetrics(arms([['control', 1, 0, 2], ['control', 0, 0, 8], ['intervention', 1, 1, 7], ['intervention', 1, 0, 1], ['intervention', 0, 0, 2]]));
    expect(m.tprMc).toBe(1);
    expect(m.value).toBe(1);
  });

  it('flags in the intervention arm without the outcome lower TNR_{X=1}', () => {
    const m = interventionMetrics(arms([['control', 0, 0, 4], ['intervention', 1, 1, 2], ['intervention', 0, 1, 1], ['intervention', 0, 0, 3]]));
    // AF = (0.5 - 0) / 0.5 = 1; TPR_mc = 1; TNR_{X=1} = 3/4; TNR_{X=0} = 1.
    expect(m.attributableFraction).toBe(1);
    expect(m.tnrIntervention).toBe(0.75);
    expect(m.value).toBeCloseTo(Math.sqrt(0.75), 15);
  });

  it('degenerate cases: null value with a reason, the computable parts still reported', () => {
    expect(interventionMetrics(arms([['intervention', 1, 1, 2]]))).toMatchObject({ value: null, undefinedReason: 'no_control', tnrControl: null });
    expect(interventionMetrics(arms([['control', 1, 0, 2]]))).toMatchObject({ value: null, undefinedReason: 'no_intervention', tnrControl: 1 });
    // P(Y|X=1) = 0: the fraction's denominator is zero.
    expect(interventionMetrics(arms([['control', 1, 0, 2], ['intervention', 0, 0, 2]]))).toMatchObject({
      value: null,
      undefinedReason: 'no_outcome_under_intervention',
      attributableFraction: null,
      pFlagFollowed: null,
    });
    // P(Y|X=1) = 0.5 < P(Y|X=0) = 1: negative fraction, reported as computed, TPR_mc undefined.
    const negative = interventionMetrics(arms([['control', 1, 0, 2], ['intervention', 1, 1, 1], ['intervention', 0, 0, 1]]));
    expect(negative).toMatchObject({ value: null, undefinedReason: 'no_effect', attributableFraction: -1, tprMc: null });
    // Equal rates: fraction 0, also no effect.
    expect(interventionMetrics(arms([['control', 1, 0, 1], ['control', 0, 0, 1], ['intervention', 1, 1, 1], ['intervention', 0, 0, 1]]))).toMatchObject({
      attributableFraction: 0,
      undefinedReason: 'no_effect',
    });
    // Every intervention case has the outcome: TNR_{X=1} has no case.
    expect(interventionMetrics(arms([['control', 0, 0, 2], ['intervention', 1, 1, 2]]))).toMatchObject({
      value: null,
      undefinedReason: 'no_unfollowed_case',
      tprMc: 1,
      tnrIntervention: null,
    });
  });
});

describe('bootstrap intervals', () => {
  const sample = cases([[1, 1, 14], [0, 1, 6], [1, 0, 3], [0, 0, 17]]);

  it('are deterministic for a seed and differ between seeds', () => {
    const a = binaryIntervals(sample, { resamples: 300, seed: 11 });
    expect(binaryIntervals(sample, { resamples: 300, seed: 11 })).toEqual(a);
    expect(binaryIntervals(sample, { resamples: 300, seed: 12 })).not.toEqual(a);
    const b = interventionIntervals(
      arms([['control', 1, 0, 3], ['control', 0, 1, 2], ['control', 0, 0, 15], ['intervention', 1, 1, 9], ['intervention', 1, 0, 6], ['intervention', 0, 0, 5]]),
      { resamples: 300, seed: 5 },
    );
    expect(
      interventionIntervals(
        arms([['control', 1, 0, 3], ['control', 0, 1, 2], ['control', 0, 0, 15], ['intervention', 1, 1, 9], ['intervention', 1, 0, 6], ['intervention', 0, 0, 5]]),
        { resamples: 300, seed: 5 },
      ),
    ).toEqual(b);
    expect(b.value!.low).toBeLessThanOrEqual(b.value!.high);
  });

  it('equal a plain stratified bootstrap over the same draws (positives first, then negatives)', () => {
    const resamples = 40;
    const got = binaryIntervals(sample, { resamples, seed: 3 });
    const rand = mulberry32(3);
    const pos = sample.filter((c) => c.label);
    const neg = sample.filter((c) => !c.label);
    const g: number[] = [];
    for (let r = 0; r < resamples; r++) {
      const tp = pos.map(() => pos[randomInt(rand, pos.length)]).filter((c) => c.flag).length;
      const tn = neg.map(() => neg[randomInt(rand, neg.length)]).filter((c) => !c.flag).length;
      g.push((tp / pos.length) * (tn / neg.length));
    }
    g.sort((x, y) => x - y);
    expect(got.gMean2!.low).toBeCloseTo(quantile(g, 0.025), 15);
    expect(got.gMean2!.high).toBeCloseTo(quantile(g, 0.975), 15);
    expect(got.gMean2!.defined).toBe(resamples);
  });

  it('bracket the estimate; a perfect monitor has the interval [1, 1]', () => {
    const m = binaryMetrics(sample);
    const i = binaryIntervals(sample, { resamples: 500, seed: 0 });
    expect(i.gMean2!.low).toBeLessThan(m.gMean2!);
    expect(i.gMean2!.high).toBeGreaterThan(m.gMean2!);
    expect(binaryIntervals(cases([[1, 1, 5], [0, 0, 5]]), { resamples: 50 }).gMean2).toEqual({ low: 1, high: 1, defined: 50 });
  });

  it('a rate with no cases has no interval; undefined resamples are left out and counted', () => {
    expect(binaryIntervals(cases([[1, 1, 3]]), { resamples: 20 })).toMatchObject({ tnr: null, gMean2: null, tpr: { low: 1, high: 1, defined: 20 } });
    // One intervention case without the outcome among few: some resamples lose it and TNR_{X=1} is undefined there.
    const small = interventionIntervals(arms([['control', 0, 0, 3], ['intervention', 1, 1, 3], ['intervention', 0, 0, 1]]), { resamples: 200, seed: 1 });
    expect(small.tnrControl).toEqual({ low: 1, high: 1, defined: 200 });
    expect(small.tnrIntervention!.defined).toBeLessThan(200);
    expect(small.tnrIntervention!.defined).toBeGreaterThan(0);
  });

  it('refuses bad settings', () => {
    expect(() => binaryIntervals(sample, { resamples: 0 })).toThrow(/resamples/);
    expect(() => binaryIntervals(sample, { level: 1 })).toThrow(/level/);
  });
});
