import { describe, expect, it } from 'vitest';
import { readScoredLines } from './scored-lines.js';

describe('readScoredLines', () => {
  it('numeric confidence (percentages above 1), boolean or 0/1 correctness, verbalized output', () => {
    const text = [
      '{"correct": true, "confidence": 0.9}',
      '{"correct": 0, "confidence": 85}',
      '{"correct": 1, "output": "<answer>4</answer><confidence>0.7</confidence>"}',
      '{"correct": false, "output": "{\\"answer\\": \\"x\\", \\"confidence\\": 0.2}"}',
      '{"correct": 1, "confidence": null, "output": "<confidence>1</confidence>"}',
      '',
    ].join('\n');
    expect(readScoredLines(text)).toEqual({ confidence: [0.9, 0.85, 0.7, 0.2, 1], correct: [1, 0, 1, 0, 1], formatFailures: 0, bad: [] });
  });

  it('an output without a usable confidence counts at 0 as a format failure', () => {
    const r = readScoredLines('{"correct": 1, "output": "Paris"}\n{"correct": 0, "output": "<confidence>very</confidence>"}');
    expect(r).toEqual({ confidence: [0, 0], correct: [1, 0], formatFailures: 2, bad: [] });
  });

  it('the regex option reaches the verbalized parser', () => {
    const r = readScoredLines('{"correct": 1, "output": "Confidence: 64%"}', { regex: String.raw`Confidence: (\d+)%` });
    expect(r.confidence).toEqual([0.64]);
    expect(r.formatFailures).toBe(0);
  });

  it('bad lines are listed by 1-based line number with a reason; blank lines and CRLF are fine', () => {
    const text = [
      '{"correct": 1, "confidence": 0.5}',
      '   ',
      'not json',
      '[1, 2]',
      '{"confidence": 0.5}',
      '{"correct": "yes", "confidence": 0.5}',
      '{"correct": 1, "confidence": 101}',
      '{"correct": 1, "confidence": "0.5"}',
      '{"correct": 1, "confidence": -0.1}',
      '{"correct": 1}',
      '{"correct": 1, "output": 7}',
      '{"correct": 2, "confidence": 0.5}',
      '{"correct": 0, "confidence": 0.25}',
    ].join('\r\n');
    const r = readScoredLines(`\uFEFF${text}`);
    expect(r.confidence).toEqual([0.5, 0.25]);
    expect(r.correct).toEqual([1, 0]);
    expect(r.bad.map((b) => b.line)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(r.bad.map((b) => b.reason)).toEqual([
      'invalid JSON',
      'expected a JSON object',
      'no "correct"',
      '"correct" must be true, false, 0 or 1, got "yes"',
      '"confidence" must be a number in [0, 1] or a percentage in (1, 100], got 101',
      '"confidence" must be a number in [0, 1] or a percentage in (1, 100], got "0.5"',
      '"confidence" must be a number in [0, 1] or a percentage in (1, 100], got -0.1',
      'no "confidence" and no "output"',
      '"output" must be a string',
      '"correct" must be true, false, 0 or 1, got 2',
    ]);
  });
});
