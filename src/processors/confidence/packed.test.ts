import { describe, expect, it } from 'vitest';
import { parseLogprobs } from './logprobs.js';
import { packFloat32, unpackFloat32 } from './packed.js';

describe('packed float32 logprobs', () => {
  it('round-trips to float32 precision, keeping -Infinity and NaN', () => {
    const values = [-0.1, -2.5, -Infinity, Number.NaN, 0, -1e-7];
    const back = unpackFloat32(packFloat32(values))!;
    expect(back).toHaveLength(6);
    expect(back[0]).toBeCloseTo(-0.1, 6);
    expect(back[1]).toBe(-2.5);
    expect(back[2]).toBe(-Infinity);
    expect(Number.isNaN(back[3])).toBe(true);
    expect(unpackFloat32('')).toEqual(new Float64Array(0));
  });

  it('refuses text that is not whole float32 values in base64', () => {
    expect(unpackFloat32('AAA')).toBeNull(); // not a multiple of 4 characters
    expect(unpackFloat32('AAAAAAA=')).toBeNull(); // 5 bytes: not whole float32 values
    expect(unpackFloat32('AAAAAA==')).toEqual(new Float64Array([0])); // 4 bytes: one value
    expect(unpackFloat32('AA!AAAAA')).toBeNull(); // a character outside the alphabet
    expect(unpackFloat32(packFloat32([1, 2]))).toEqual(new Float64Array([1, 2]));
  });

  it('parses to the same signals as the JSON-number form', () => {
    const tokens = ['a', 'b', 'c'];
    const logprobs = [-0.25, -1.5, -0.75];
    const top = [[-0.25, -2], [-0.5, -1.5, -3], [-0.75]];
    const json = parseLogprobs(JSON.stringify({ tokens, logprobs, top_logprobs: top }))!;
    const k = 3;
    const flat = top.flatMap((row) => [...row, ...Array(k - row.length).fill(Number.NaN)]);
    const packed = parseLogprobs(JSON.stringify({ tokens, logprobs_f32: packFloat32(logprobs), top_k: k, top_logprobs_f32: packFloat32(flat), top_tokens: [['a', 'x'], ['y', 'b', 'z'], ['c']] }))!;
    expect([...packed.logprobs]).toEqual(logprobs);
    expect(packed.tokens).toEqual(tokens);
    expect(packed.entropyPositions).toBe(json.entropyPositions);
    expect(packed.entropySum).toBeCloseTo(json.entropySum, 12);
    // Wrong lengths or a NaN log probability make the attribute unreadable, not wrong.
    expect(parseLogprobs(JSON.stringify({ logprobs_f32: packFloat32([-1, Number.NaN]) }))).toBeNull();
    expect(parseLogprobs(JSON.stringify({ logprobs_f32: packFloat32([-1, -2]), top_k: 3, top_logprobs_f32: packFloat32([-1, -2, -3, -4]) }))).toBeNull();
    expect(parseLogprobs(JSON.stringify({ logprobs_f32: 'not base64!' }))).toBeNull();
  });
});
