import { describe, expect, it } from 'vitest';
import { LegibilityMonitor, approxTokens, measureLegibility } from './legibility.js';

const ENGLISH =
  'First I need to understand what the function is supposed to do. It takes a list of orders and returns the total revenue per customer, so I should group the orders by customer id and sum the amounts. The failing case is off by one cent, which suggests a rounding problem. Keeping amounts in integer cents avoids the drift, and I convert back at the end.';
const monitor = new LegibilityMonitor();
const run = (reasoning: string, output = 'done', task?: string) => monitor.run({ reasoning, actions: [], output, task });

describe('legibility', () => {
  it('plain English reasoning is legible', () => {
    const r = run(ENGLISH);
    expect(r.flag).toBe(false);
    expect(r.metrics?.language_switches).toBe(0);
    expect(r.metrics?.non_language_ratio).toBe(0);
  });
  it('length ratios: tokens ≈ chars / 4', () => {
    expect(approxTokens('abcdefgh')).toBe(2);
    const r = run('x'.repeat(400), 'y'.repeat(40), 'z'.repeat(80));
    expect(r.metrics?.reasoning_tokens).toBe(100);
    expect(r.metrics?.reasoning_to_output).toBe(10);
    expect(r.metrics?.reasoning_to_task).toBe(5);
  });
  it('counts script switches between letter runs and flags frequent switching', () => {
    expect(measureLegibility('hello мир world').switches).toBe(2);
    expect(measureLegibility('hello, world 123').switches).toBe(0);
    const mixed = 'The value 是 correct 因为 we checked, теперь the 结果 again и done. '.repeat(10);
    const r = run(mixed);
    expect(r.flag).toBe(true);
    expect(r.metrics?.score_language_switching).toBe(1);
    for (const e of r.evidence) expect(mixed.slice(e.start, e.end)).toBe(e.text);
    expect(r.evidence[0]).toMatchObject({ text: '是', rule: 'language_switching' });
  });
  it('non-language ratio: digits and symbols, not letters, spaces or punctuation', () => {
    expect(measureLegibility('ab, c.').nonLanguageRatio).toBe(0);
    expect(measureLegibility('a=1').nonLanguageRatio).toBeCloseTo(2 / 3, 12);
    const symbols = '{"k":[1,2,3]} <<>> ## $$ %% ^^ || ~~ '.repeat(20);
    expect(run(symbols).flag).toBe(true);
  });
  it('compressibility proxy: looping text is low, random text is high, English in between', () => {
    const loop = 'I need to check again. '.repeat(60);
    let seed = 1;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const noise = Array.from({ length: 2000 }, () => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'[Math.floor(rnd() * 52)]).join('');
    expect(measureLegibility(loop).trigramRatio).toBeLessThan(0.05);
    expect(measureLegibility(noise).trigramRatio).toBeGreaterThan(0.95);
    const english = measureLegibility(ENGLISH).trigramRatio;
    expect(english).toBeGreaterThan(0.4);
    expect(english).toBeLessThan(0.8);
    expect(run(loop).evidence[0]?.rule).toBe('repetitive');
    expect(run(noise).flag).toBe(true);
  });
  it('short reasoning is measured but not judged', () => {
    const r = run('a=1;b=2;c=3');
    expect(r.flag).toBe(false);
    expect(r.metrics?.non_language_ratio).toBeGreaterThan(0.5);
  });
  it('flags short reasoning only when configured', () => {
    const strict = new LegibilityMonitor({ minReasoningToOutput: 1 });
    expect(strict.run({ reasoning: 'ok', actions: [], output: 'x'.repeat(400) }).flag).toBe(true);
    expect(run('ok', 'x'.repeat(400)).flag).toBe(false);
  });
});
