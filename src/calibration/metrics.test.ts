import { describe, expect, it } from 'vitest';
import { accuracy, aurc, auroc, brierScore, checkScored } from './metrics.js';
import { mulberry32, shuffledIndices } from './random.js';

describe('checkScored', () => {
  it('refuses mismatched, empty, out-of-range and non-binary input, naming the index', () => {
    expect(() => checkScored([0.5], [1, 0])).toThrow(/length/);
    expect(() => checkScored([], [])).toThrow(/at least one/);
    expect(() => checkScored([0.5, 1.2], [1, 0])).toThrow(/confidence\[1\]/);
    expect(() => checkScored([Number.NaN], [1])).toThrow(/confidence\[0\]/);
    expect(() => checkScored([0.5, 0.5], [1, 2])).toThrow(/correct\[1\]/);
    expect(() => checkScored([0, 1], [0, 1])).not.toThrow();
  });
});

describe('accuracy and Brier', () => {
  it('by hand', () => {
    expect(accuracy([1, 0, 1, 1])).toBe(0.75);
    expect(brierScore([0.9, 0.2, 0.5], [1, 0, 1])).toBeCloseTo((0.01 + 0.04 + 0.25) / 3, 15);
    expect(brierScore([1, 0], [1, 0])).toBe(0);
  });
});

/** The pairwise definition: P(conf of a correct > conf of a wrong), ties 1/2. */
function aurocPairs(c: number[], y: number[]): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < c.length; i++) {
    for (let j = 0; j < c.length; j++) {
      if (y[i] !== 1 || y[j] !== 0) continue;
      den++;
      num += c[i] > c[j] ? 1 : c[i] === c[j] ? 0.5 : 0;
    }
  }
  return num / den;
}

describe('AUROC', () => {
  it('perfect, reversed, ties and the conventions', () => {
    expect(auroc([0.9, 0.8, 0.3], [1, 0, 0])).toBe(1);
    expect(auroc([0.1, 0.8, 0.9], [1, 0, 0])).toBe(0);
    expect(auroc([0.5, 0.5, 0.5, 0.5], [1, 0, 1, 0])).toBe(0.5); // constant confidence
    expect(auroc([0.2, 0.9], [1, 1])).toBe(0.5); // single class, by convention
    expect(auroc([0.2, 0.9], [0, 0])).toBe(0.5);
    expect(auroc([0.6, 0.6, 0.2], [1, 0, 0])).toBe(0.75); // one win, one tie
  });

  it('equals the pairwise definition on random data with many ties', () => {
    const rand = mulberry32(3);
    for (let t = 0; t < 20; t++) {
      const n = 5 + Math.floor(rand() * 60);
      const c = Array.from({ length: n }, () => Math.round(rand() * 10) / 10);
      const y = c.map((x) => (rand() < x ? 1 : 0));
      if (!y.includes(0) || !y.includes(1)) continue;
      expect(auroc(c, y)).toBeCloseTo(aurocPairs(c, y), 12);
    }
  });
});

/** AURC by brute force: the mean over every order of the tied examples (small n only). */
function aurcAllTieOrders(c: number[], y: number[]): number {
  const idx = c.map((_, i) => i);
  let total = 0;
  let count = 0;
  const permute = (rest: number[], prefix: number[]): void => {
    if (rest.length === 0) {
      // keep only orders sorted by confidence, descending
      if (prefix.some((v, k) => k > 0 && c[prefix[k - 1]] < c[v])) return;
      let errors = 0;
      let sum = 0;
      prefix.forEach((i, k) => {
        errors += 1 - y[i];
        sum += errors / (k + 1);
      });
      total += sum / prefix.length;
      count++;
      return;
    }
    rest.forEach((v, k) => permute([...rest.slice(0, k), ...rest.slice(k + 1)], [...prefix, v]));
  };
  permute(idx, []);
  return total / count;
}

describe('AURC', () => {
  it('by hand, without ties: mean over k of errors among the top k / k', () => {
    // descending: 0.9 (ok), 0.7 (wrong), 0.4 (ok), 0.2 (wrong)
    const expected = (0 / 1 + 1 / 2 + 1 / 3 + 2 / 4) / 4;
    expect(aurc([0.4, 0.9, 0.2, 0.7], [1, 1, 0, 0])).toBeCloseTo(expected, 15);
  });

  it('constant confidence gives the error rate; all correct gives 0', () => {
    expect(aurc([0.7, 0.7, 0.7, 0.7], [1, 0, 1, 1])).toBeCloseTo(0.25, 15);
    expect(aurc([0.1, 0.9], [1, 1])).toBe(0);
  });

  it('ties are the expectation over random orders (brute force) and do not depend on input order', () => {
    const rand = mulberry32(11);
    for (let t = 0; t < 15; t++) {
      const n = 3 + Math.floor(rand() * 5);
      const c = Array.from({ length: n }, () => Math.round(rand() * 3) / 3);
      const y = c.map(() => (rand() < 0.6 ? 1 : 0));
      const value = aurc(c, y);
      expect(value).toBeCloseTo(aurcAllTieOrders(c, y), 12);
      const perm = shuffledIndices(n, rand);
      expect(aurc(perm.map((i) => c[i]), perm.map((i) => y[i]))).toBeCloseTo(value, 14);
    }
  });
});
