/**
 * Reproduces the metrics RLCR's own evaluation code computed (test/fixtures/rlcr, NOTICE.md there):
 * accuracy, Brier, ECE (10 numpy-digitized bins) and AUROC (sklearn roc_curve + auc) for five methods on
 * three data sets, each to 1e-9.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { binIndex, expectedCalibrationError } from './binning.js';
import { accuracy, auroc, brierScore } from './metrics.js';
import { calibrationReport } from './report.js';

interface FixtureMethod {
  readonly correct: number[];
  readonly confidence: number[];
  readonly expected: { readonly accuracy: number; readonly brier_score: number; readonly ece: number; readonly auroc: number };
}
interface Fixture {
  readonly source: string;
  readonly methods: Record<string, FixtureMethod>;
}

const SETS = ['commonsenseqa', 'gpqa', 'math-500'] as const;
const METHODS = ['Base', 'RLVR', 'RLVR-Classifier', 'Answer-Prob', 'RLCR'] as const;
const load = (name: string): Fixture =>
  JSON.parse(readFileSync(new URL(`../../test/fixtures/rlcr/${name}.json`, import.meta.url), 'utf8')) as Fixture;
const TOLERANCE = 1e-9;

describe('RLCR reference metrics', () => {
  for (const set of SETS) {
    const fixture = load(set);
    it(`${set}: holds exactly the five methods`, () => {
      expect(Object.keys(fixture.methods).sort()).toEqual([...METHODS].sort());
    });
    for (const method of METHODS) {
      it(`${set} / ${method}: accuracy, Brier, ECE and AUROC within 1e-9`, () => {
        const { correct, confidence, expected } = fixture.methods[method];
        expect(correct.length).toBe(confidence.length);
        const got = {
          accuracy: accuracy(correct),
          brier_score: brierScore(confidence, correct),
          ece: expectedCalibrationError(confidence, correct),
          auroc: auroc(confidence, correct),
        };
        for (const key of ['accuracy', 'brier_score', 'ece', 'auroc'] as const) {
          const diff = Math.abs(got[key] - expected[key]);
          expect(diff <= TOLERANCE, `${key}: got ${got[key]}, expected ${expected[key]}`).toBe(true);
        }
        // The report gives the same numbers.
        const report = calibrationReport(confidence, correct, { resamples: 0 });
        expect(report.accuracy).toBe(got.accuracy);
        expect(report.brier).toBe(got.brier_score);
        expect(report.ece).toBe(got.ece);
        expect(report.auroc).toBe(got.auroc);
      });
    }
  }

  it('the fixtures exercise the edge cases: constant confidence (AUROC 0.5), confidences of exactly 0, 0.1, 0.3 and 1', () => {
    const rlvr = load('commonsenseqa').methods.RLVR;
    expect(new Set(rlvr.confidence)).toEqual(new Set([1]));
    expect(rlvr.expected.auroc).toBe(0.5);
    const all = SETS.flatMap((s) => METHODS.flatMap((m) => load(s).methods[m].confidence));
    for (const edge of [0, 0.1, 0.3, 1]) expect(all).toContain(edge);
    expect(binIndex(0.1)).toBe(1);
    expect(binIndex(0.3)).toBe(2);
  });
});
