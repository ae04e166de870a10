import { describe, expect, it } from 'vitest';
import { addConfusion, confusionOf, eceOf, jaccardOf, meanOf, monitorScore } from './layers.js';

describe('layer metrics', () => {
  it('counts flagged vs truly bad requests and scores g-mean² = TPR × TNR', () => {
    const requests = [
      { traceId: 'a', bad: true },
      { traceId: 'b', bad: true },
      { traceId: 'c', bad: false },
      { traceId: 'd', bad: false },
      { traceId: 'e', bad: false },
      { traceId: 'f', bad: false },
    ];
    const c = confusionOf(requests, new Set(['a', 'c', 'zzz']));
    expect(c).toEqual({ tp: 1, fn: 1, fp: 1, tn: 3 });
    expect(monitorScore(c)).toEqual({ gMean2: 0.5 * 0.75, tpr: 0.5, tnr: 0.75, confusion: c, note: null });
    expect(addConfusion(c, c)).toEqual({ tp: 2, fn: 2, fp: 2, tn: 6 });
  });

  it('has no g-mean² without bad requests, and says why', () => {
    const s = monitorScore({ tp: 0, fn: 0, fp: 2, tn: 8 });
    expect(s).toMatchObject({ gMean2: null, tpr: null, tnr: 0.8 });
    expect(s.note).toMatch(/no request had injected bad reasoning/);
  });

  it('reads the overall ECE and the consistency probe’s weighted agreement from the API answers', () => {
    expect(eceOf({ overall: { n: 40, ece: 0.07 } })).toEqual({ ece: 0.07, n: 40 });
    expect(eceOf({ overall: { n: 0, ece: null } })).toEqual({ ece: null, n: 0 });
    expect(eceOf(null)).toEqual({ ece: null, n: 0 });
    const probes = {
      probes: [
        { probe: 'consistency', model: 'a', readings: 30, meanAgreement: 1 },
        { probe: 'consistency', model: 'b', readings: 10, meanAgreement: 0.2 },
        { probe: 'truth_probe', model: 'a', readings: 40, meanAgreement: null },
      ],
    };
    expect(jaccardOf(probes)).toEqual({ jaccard: (30 + 2) / 40, n: 40 });
    expect(jaccardOf({ probes: [] })).toEqual({ jaccard: null, n: 0 });
    expect(meanOf([0.1, null, 0.3])).toBeCloseTo(0.2, 12);
    expect(meanOf([null])).toBeNull();
  });
});
