import { describe, expect, it } from 'vitest';
import { parseLogprobs, tokenSignals, topEntropy, type TokenLogprobs } from './logprobs.js';

const attr = (tokens: string[] | undefined, logprobs: (number | null)[] | undefined, top?: [string, number | null][][]): string =>
  JSON.stringify({ ...(tokens && { tokens }), ...(logprobs && { logprobs }), ...(top && { top }) });

function parsed(text: string): TokenLogprobs {
  const p = parseLogprobs(text);
  if (p === null) throw new Error(`not parsed: ${text}`);
  return p;
}

describe('parseLogprobs + tokenSignals', () => {
  it('mean, minimum, its position and perplexity, exactly', () => {
    const p = parsed(attr(['a', 'b', 'c', 'd'], [-0.5, -1.5, -0.25, -1.75]));
    expect([...p.logprobs]).toEqual([-0.5, -1.5, -0.25, -1.75]);
    expect(p.tokens).toEqual(['a', 'b', 'c', 'd']);
    const s = tokenSignals(p);
    expect(s.logprobMean).toBe(-1);
    expect(s.logprobMin).toBe(-1.75);
    expect(s.leastConfidentPos).toBe(3);
    expect(s.perplexity).toBe(Math.exp(1));
    expect(s.entropyMean).toBeNull(); // no `top`
  });

  it('the least-confident position is the first of equal minima', () => {
    expect(tokenSignals(parsed(attr(['x', 'y', 'z'], [-2, -0.1, -2]))).leastConfidentPos).toBe(0);
  });

  it('null is a log probability of minus infinity', () => {
    const s = tokenSignals(parsed(attr(['a', 'b'], [-1, null])));
    expect(s.logprobMean).toBe(-Infinity);
    expect(s.logprobMin).toBe(-Infinity);
    expect(s.leastConfidentPos).toBe(1);
    expect(s.perplexity).toBe(Infinity);
  });

  it('entropy: top-k renormalised to sum 1, −Σ p ln p per position, averaged over positions with alternatives', () => {
    const text = attr(
      ['a', 'b', 'c', 'd', 'e'],
      [Math.log(0.5), Math.log(0.5), -1, -2, -3],
      [
        [['a', Math.log(0.5)], ['x', Math.log(0.25)]], // renormalised 2/3, 1/3
        [['b', Math.log(0.5)], ['y', Math.log(0.5)], ['z', null]], // 1/2, 1/2, 0
        [['c', -1]], // one alternative: entropy 0
        [], // no alternatives: skipped
        [['e', null]], // no finite alternative: skipped
      ],
    );
    const p = parsed(text);
    const h0 = -((2 / 3) * Math.log(2 / 3) + (1 / 3) * Math.log(1 / 3));
    const h1 = Math.log(2);
    expect(p.entropyPositions).toBe(3);
    expect(p.entropySum).toBeCloseTo(h0 + h1 + 0, 14);
    expect(tokenSignals(p).entropyMean).toBeCloseTo((h0 + h1) / 3, 14);
  });

  it('reads top_logprobs like the combined top form, and stops at a trailing top_tokens', () => {
    const combined = parseLogprobs('{"tokens":["a","b"],"logprobs":[-0.1,-2],"top":[[["a",-0.1],["x",-2.4]],[["y",-0.5],["b",-2],["z",null]]]}')!;
    const split = parseLogprobs('{"tokens":["a","b"],"logprobs":[-0.1,-2],"top_logprobs":[[-0.1,-2.4],[-0.5,-2,null]],"top_tokens":[["a","x"],["y","b","z"]]}')!;
    expect(split.entropySum).toBe(combined.entropySum);
    expect(split.entropyPositions).toBe(2);
    // Nothing after top_tokens is read: not even a broken tail.
    const truncated = parseLogprobs('{"tokens":["a","b"],"logprobs":[-0.1,-2],"top_logprobs":[[-0.1,-2.4],[-0.5,-2,null]],"top_tokens":[["a","x"],["y",');
    expect(truncated?.entropySum).toBe(combined.entropySum);
    // top_tokens before the numbers is skipped like any other key, and the lengths still checked.
    expect(parseLogprobs('{"top_tokens":[["a"]],"logprobs":[-0.1,-2],"top_logprobs":[[-0.1]]}')).toBeNull();
    expect(parseLogprobs('{"top_tokens":[["a"]],"logprobs":[-0.1],"top_logprobs":[[-0.1,-1]]}')?.entropyPositions).toBe(1);
  });

  it('any number of alternatives per position (uniform over 40: ln 40)', () => {
    const alts = Array.from({ length: 40 }, (_, j): [string, number] => [`t${j}`, -3]);
    const p = parsed(attr(['a', 'b'], [-3, -3], [alts, alts.slice(0, 2)]));
    expect(p.entropySum).toBeCloseTo(Math.log(40) + Math.log(2), 12);
  });

  it('topEntropy stays finite for very negative log probabilities', () => {
    const a = new Float64Array([-1000, -1000 - Math.log(3)]); // 3/4, 1/4
    expect(topEntropy(a, 2)).toBeCloseTo(-(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25)), 12);
    expect(topEntropy(new Float64Array([-Infinity, -Infinity]), 2)).toBeNaN();
    expect(topEntropy(new Float64Array([-3]), 1)).toBe(0);
  });

  it('decodes escaped tokens, ignores other keys, takes the last of duplicated keys, allows whitespace', () => {
    const p = parsed(
      ' { "model" : {"a": [1, true, false, null, "s", -2.5e-3]} , "tokens" : [ "x" ] , "tokens": ["\\n", "\\u00e9\\"", "\\\\"] ,\n "logprobs" : [ -1 , -0.5e0 , -25E-1 ] } \n',
    );
    expect(p.tokens).toEqual(['\n', 'é"', '\\']);
    expect([...p.logprobs]).toEqual([-1, -0.5, -2.5]);
  });

  it('tokens and top are optional; without tokens there is no answer to locate', () => {
    const p = parsed('{"logprobs":[-1,-3]}');
    expect(p.tokens).toBeNull();
    expect(tokenSignals(p).logprobMean).toBe(-2);
  });

  it('reads numbers as JSON.parse does (to within a few ulps for 16–17 digit mantissas)', () => {
    let seed = 7;
    const rnd = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const logprobs = Array.from({ length: 500 }, (_, i) => (i % 7 === 0 ? -Math.round(rnd() * 1000) / 100 : -rnd() * 20 * 10 ** -((i % 9) - 2)));
    logprobs.push(-0, -1e-30, -123456789.125, -5e-324);
    const p = parsed(JSON.stringify({ logprobs }));
    for (let i = 0; i < logprobs.length; i++) {
      const want = logprobs[i];
      const got = p.logprobs[i];
      if (Math.abs(want) < 1e-300) expect(Math.abs(got)).toBeLessThan(1e-300);
      else expect(Math.abs(got - want) / Math.abs(want)).toBeLessThan(1e-15);
    }
    for (let i = 0; i < logprobs.length; i += 7) expect(p.logprobs[i]).toBe(JSON.parse(JSON.stringify(logprobs[i]))); // short decimals: exact
  });

  it.each([
    ['not JSON', 'nope'],
    ['empty', ''],
    ['an array', '[-1]'],
    ['no logprobs', '{"tokens":["a"]}'],
    ['empty logprobs', '{"logprobs":[]}'],
    ['logprobs not an array', '{"logprobs":-1}'],
    ['a string logprob', '{"logprobs":["-1"]}'],
    ['NaN', '{"logprobs":[NaN]}'],
    ['"NaN"', '{"logprobs":["NaN"]}'],
    ['Infinity literal', '{"logprobs":[-Infinity]}'],
    ['+infinity by overflow', '{"logprobs":[1e999]}'],
    ['a bool', '{"logprobs":[true]}'],
    ['fewer tokens', '{"tokens":["a"],"logprobs":[-1,-2]}'],
    ['more tokens', '{"tokens":["a","b","c"],"logprobs":[-1,-2]}'],
    ['a non-string token', '{"tokens":["a",1],"logprobs":[-1,-2]}'],
    ['top of another length', '{"logprobs":[-1,-2],"top":[[["a",-1]]]}'],
    ['a top pair of three', '{"logprobs":[-1],"top":[[["a",-1,0]]]}'],
    ['a top pair without a token', '{"logprobs":[-1],"top":[[[-1]]]}'],
    ['a top pair with a numeric token', '{"logprobs":[-1],"top":[[[1,-1]]]}'],
    ['a top entry not a list', '{"logprobs":[-1],"top":[{"a":-1}]}'],
    ['a trailing comma', '{"logprobs":[-1,]}'],
    ['a trailing comma in the object', '{"logprobs":[-1],}'],
    ['trailing text', '{"logprobs":[-1]} x'],
    ['unterminated', '{"logprobs":[-1'],
    ['an unterminated string', '{"tokens":["a'],
    ['a raw newline in a string', '{"tokens":["a\nb"],"logprobs":[-1]}'],
    ['a bad escape', '{"tokens":["\\x"],"logprobs":[-1]}'],
    ['a short unicode escape', '{"tokens":["\\u00e"],"logprobs":[-1]}'],
    ['a leading zero', '{"logprobs":[-01]}'],
    ['a bare dot', '{"logprobs":[-.5]}'],
    ['a dangling exponent', '{"logprobs":[-1e]}'],
    ['an unquoted key', '{logprobs:[-1]}'],
    ['deep nesting', `{"x":${'['.repeat(10_000)}${']'.repeat(10_000)},"logprobs":[-1]}`],
  ])('%s: no signals, no exception', (_what, text) => {
    expect(parseLogprobs(text)).toBeNull();
  });
});
