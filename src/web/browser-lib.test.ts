/**
 * The UI's pure browser modules, run in Node: the logprobs decoding (against the packing the
 * gateway uses), the least-confident marks, the URL state and the time range.
 */
import { describe, expect, it } from 'vitest';
import { packFloat32 } from '../processors/confidence/packed.js';
import { decodeLogprobs, leastConfident, prob, probabilityHue, unpackFloat32 } from './assets/lib/logprobs.js';
import { formatHash, linkTo, parseHash, sharedOf } from './assets/lib/url-state.js';
import { rangeQuery, refreshMs, relativeMs, resolveRange, stepFor } from './assets/lib/time-range.js';

describe('logprobs decoding', () => {
  it('reads the packed form the gateway writes, with NaN alternatives dropped and -Infinity kept', () => {
    const value = JSON.stringify({
      tokens: ['Hi', '!', ' x'],
      logprobs_f32: packFloat32([-0.5, -Infinity, -1.25]),
      top_k: 2,
      top_logprobs_f32: packFloat32([-0.5, -1.5, -0.25, NaN, -1.25, -2]),
      top_tokens: [['Hi', 'Hello'], ['.', ''], [' x', ' y']],
    });
    const d = decodeLogprobs(value)!;
    expect(d.tokens).toEqual(['Hi', '!', ' x']);
    expect(d.logprobs).toEqual([-0.5, -Infinity, -1.25]);
    expect(d.top).toEqual([
      [{ token: 'Hi', logprob: -0.5 }, { token: 'Hello', logprob: -1.5 }],
      [{ token: '.', logprob: -0.25 }],
      [{ token: ' x', logprob: -1.25 }, { token: ' y', logprob: -2 }],
    ]);
  });

  it('reads the plain numbers (null is -Infinity) and the combined top form', () => {
    expect(decodeLogprobs({ logprobs: [-1, null], top_logprobs: [[-1, -2], [null]], top_tokens: [['a', 'b'], ['c']], tokens: ['a', 'c'] })).toEqual({
      tokens: ['a', 'c'],
      logprobs: [-1, -Infinity],
      top: [[{ token: 'a', logprob: -1 }, { token: 'b', logprob: -2 }], [{ token: 'c', logprob: -Infinity }]],
    });
    const combined = decodeLogprobs({ top: [[['x', -0.1], ['y', -3]], [['z', -0.7]]] })!;
    expect(combined.logprobs).toEqual([-0.1, -0.7]);
    expect(combined.tokens).toBeNull();
    expect(combined.top![0][1]).toEqual({ token: 'y', logprob: -3 });
  });

  it('refuses what is not the convention', () => {
    expect(decodeLogprobs('not json')).toBeNull();
    expect(decodeLogprobs('[1, 2]')).toBeNull();
    expect(decodeLogprobs({ logprobs: [] })).toBeNull();
    expect(decodeLogprobs({ logprobs: [-1, -2], tokens: ['only one'] })).toBeNull();
    expect(decodeLogprobs({ logprobs_f32: 'abc' })).toBeNull();
    // Three bytes are not a whole float32; eight are two.
    expect(unpackFloat32('AAAA')).toBeNull();
    expect(unpackFloat32(packFloat32([1.5, -2]))).toEqual([1.5, -2]);
  });

  it('marks at most five least confident tokens, lowest first by probability, never a confident one', () => {
    const lps = [-0.01, -3, -0.2, -Infinity, -0.5, -1, -2, -0.001, -0.05];
    expect(leastConfident(lps)).toEqual([1, 3, 4, 5, 6]);
    expect(leastConfident([-0.01, -0.02])).toEqual([]);
    expect(leastConfident(lps, 2)).toEqual([1, 3]);
    expect(prob(-Infinity)).toBe(0);
    expect(probabilityHue(0)).toBe(0);
    expect(probabilityHue(1)).toBe(130);
    expect(probabilityHue(0.5)).toBe(65);
  });
});

describe('URL state', () => {
  it('parses and formats a view; defaults and empty values stay out of the URL', () => {
    const r = parseHash('#/traces/abc%2Fdef?service=x&from=-6h&refresh=off');
    expect(r.page).toBe('traces');
    expect(r.rest).toEqual(['abc/def']);
    expect(sharedOf(r.params)).toEqual({ from: '-6h', to: '', refresh: 'off' });
    expect(formatHash('traces', r.rest, r.params)).toBe('#/traces/abc%2Fdef?from=-6h&service=x');
    expect(formatHash('overview', [], { from: '-1h', model: '', gpu: null })).toBe('#/overview');
    expect(parseHash('#/nowhere').page).toBe('overview');
    expect(parseHash('').page).toBe('overview');
  });

  it('links to another page keeping only the shared parameters', () => {
    const current = new URLSearchParams('from=-24h&refresh=30s&service=x&cursor=abc');
    expect(linkTo(current, 'incidents', ['inc-1'], { status: 'open', gone: null })).toBe('#/incidents/inc-1?from=-24h&refresh=30s&status=open');
  });
});

describe('time range', () => {
  it('resolves relative and absolute ranges, and passes relative ones to the API as they are', () => {
    const now = Date.UTC(2026, 0, 1, 12);
    expect(relativeMs('-15m')).toBe(-900_000);
    expect(relativeMs('15m')).toBeNull();
    expect(resolveRange({ from: '-2h', to: '' }, now)).toEqual({ fromMs: now - 7_200_000, toMs: now });
    expect(resolveRange({ from: '1000', to: '5000' }, now)).toEqual({ fromMs: 1000, toMs: 5000 });
    // A range that ends before it starts falls back to the hour before its end.
    expect(resolveRange({ from: '9000', to: '5000' }, now)).toEqual({ fromMs: 5000 - 3_600_000, toMs: 5000 });
    expect(rangeQuery({ from: '-6h', to: '' }, 'start')).toEqual({ start: '-6h' });
    expect(rangeQuery({ from: '1000', to: '5000' }, 'from')).toEqual({ from: '1000', to: '5000' });
    expect(refreshMs('30s')).toBe(30_000);
    expect(refreshMs('off')).toBe(0);
    expect(refreshMs('bogus')).toBe(0);
    expect(stepFor(3_600_000, 120)).toBe(30_000);
    expect(stepFor(7 * 86_400_000, 120)).toBe(7_200_000);
  });
});
