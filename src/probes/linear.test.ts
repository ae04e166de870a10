import { describe, expect, it } from 'vitest';
import type { Attributes, SpanEvent } from '../receivers/otlp/types.js';
import { activationsOf, decodeVector } from './activations.js';
import { scoreLinear, sigmoid, type LinearProbe } from './linear.js';

const probe = (over: Partial<LinearProbe> = {}): LinearProbe => ({
  name: 'deception', layer: 12, weights: Float64Array.of(0.5, -1, 2), bias: 0.25, threshold: 0.5, activation: 'strata.probe.activations', link: 'sigmoid', ...over,
});

describe('scoreLinear', () => {
  it('score = sigmoid(w·x + b), hand-computed', () => {
    // w·x = 0.5*2 + (-1)*1 + 2*0.5 = 1; + b = 1.25; sigmoid(1.25) = 1 / (1 + e^-1.25) = 0.777299861…
    const s = scoreLinear(probe(), [2, 1, 0.5]);
    expect(s).toMatchObject({ ok: true, logit: 1.25, alarm: true });
    expect(s.ok && s.score).toBeCloseTo(0.7772998611746911, 15);
    // w·x = 0 - 3 + 0 = -3; + 0.25 = -2.75; sigmoid = 0.060086650…
    const t = scoreLinear(probe(), [0, 3, 0]);
    expect(t.ok && t.score).toBeCloseTo(0.06008665017400762, 15);
    expect(t).toMatchObject({ ok: true, logit: -2.75, alarm: false });
  });

  it('identity link gives w·x + b; the alarm is score >= threshold', () => {
    expect(scoreLinear(probe({ link: 'identity', threshold: 1.25 }), [2, 1, 0.5])).toEqual({ ok: true, logit: 1.25, score: 1.25, alarm: true });
    expect(scoreLinear(probe({ link: 'identity', threshold: 1.2500001 }), [2, 1, 0.5])).toMatchObject({ alarm: false });
    // sigmoid(0) = 0.5 exactly: at the threshold is an alarm
    expect(scoreLinear(probe({ bias: 0, weights: Float64Array.of(1) }), [0])).toEqual({ ok: true, logit: 0, score: 0.5, alarm: true });
  });

  it('sigmoid stays finite and exact at the extremes', () => {
    expect(sigmoid(0)).toBe(0.5);
    expect(sigmoid(800)).toBe(1);
    expect(sigmoid(-800)).toBe(0);
    expect(sigmoid(-2)).toBeCloseTo(1 - sigmoid(2), 15);
  });

  it('a vector of the wrong dimension or with NaN is rejected naming the probe', () => {
    expect(scoreLinear(probe(), [1, 2])).toEqual({ ok: false, reason: 'probe deception: activation vector has 2 dimensions, expected 3 (layer 12)' });
    expect(scoreLinear(probe(), [1, NaN, 2])).toEqual({ ok: false, reason: 'probe deception: activation [1] is not a finite number (NaN)' });
    expect(scoreLinear(probe({ weights: Float64Array.of(1e308, 1e308) }), [10, 10])).toMatchObject({ ok: false, reason: expect.stringContaining('w·x + b is not finite') });
  });
});

const f32 = (...xs: number[]) => Buffer.from(new Float32Array(xs).buffer).toString('base64');
const ev = (attributes: Attributes, name = 'strata.probe.activations'): SpanEvent => ({ timeUnixNano: 1n, name, attributes, droppedAttributesCount: 0 });

describe('activation vectors', () => {
  it('an OTLP array of doubles (ints accepted)', () => {
    expect(decodeVector([0.5, { int: 2n }, -1], 'v')).toEqual({ ok: true, vector: Float64Array.of(0.5, 2, -1) });
  });

  it('base64 little-endian float32', () => {
    // 0.5 = 0x3F000000, -1 = 0xBF800000, 2 = 0x40000000, bytes little-endian
    const b64 = Buffer.from([0, 0, 0, 0x3f, 0, 0, 0x80, 0xbf, 0, 0, 0, 0x40]).toString('base64');
    expect(decodeVector(b64, 'v')).toEqual({ ok: true, vector: Float64Array.of(0.5, -1, 2) });
    expect(decodeVector(f32(0.25, 3), 'v')).toEqual({ ok: true, vector: Float64Array.of(0.25, 3) });
  });

  it('bad vectors are refused with a reason', () => {
    expect(decodeVector([1, 'x'], 'v')).toEqual({ ok: false, reason: 'v[1]: expected a number, got string' });
    expect(decodeVector([1, NaN], 'v')).toEqual({ ok: false, reason: 'v[1]: not a finite number (NaN)' });
    expect(decodeVector([Infinity], 'v')).toEqual({ ok: false, reason: 'v[0]: not a finite number (Infinity)' });
    expect(decodeVector(f32(1, NaN), 'v')).toEqual({ ok: false, reason: 'v[1]: not a finite number (NaN)' });
    expect(decodeVector(Buffer.from([1, 2, 3]).toString('base64'), 'v')).toEqual({ ok: false, reason: 'v: base64 float32 data of 3 bytes is not a multiple of 4' });
    expect(decodeVector([], 'v')).toEqual({ ok: false, reason: 'v: empty vector' });
    expect(decodeVector(undefined, 'v')).toEqual({ ok: false, reason: 'v: expected an array of doubles or a base64 float32 string' });
  });

  it('read from activation events (layer required) or from a named span attribute', () => {
    const span = {
      attributes: { 'my.acts': [1, 2] },
      events: [
        ev({ 'strata.probe.layer': { int: 12n }, 'strata.probe.vector': [1, 2, 3] }),
        ev({ 'strata.probe.layer': { int: 20n }, 'strata.probe.vector_f32': f32(0.5) }),
        ev({ 'strata.probe.vector': [1] }),
        ev({ 'strata.probe.layer': 'x', 'strata.probe.vector': [1] }),
        ev({ 'strata.probe.layer': { int: 3n } }),
        ev({ 'strata.probe.layer': { int: 1n }, 'strata.probe.vector': [1] }, 'other'),
      ],
    };
    expect(activationsOf(span)).toEqual([
      { ok: true, layer: 12, vector: Float64Array.of(1, 2, 3) },
      { ok: true, layer: 20, vector: Float64Array.of(0.5) },
      { ok: false, layer: null, reason: 'strata.probe.activations event: strata.probe.layer: required' },
      { ok: false, layer: null, reason: 'strata.probe.activations event: strata.probe.layer: expected an int of 0 or more, got string "x"' },
      { ok: false, layer: 3, reason: 'strata.probe.activations event: strata.probe.vector: expected an array of doubles or a base64 float32 string' },
    ]);
    expect(activationsOf(span, 'my.acts')).toEqual([{ ok: true, layer: null, vector: Float64Array.of(1, 2) }]);
    expect(activationsOf(span, 'other')).toEqual([{ ok: true, layer: 1, vector: Float64Array.of(1) }]);
    expect(activationsOf(span, 'absent')).toEqual([]);
  });
});
