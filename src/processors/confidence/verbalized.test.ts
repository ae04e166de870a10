import { describe, expect, it } from 'vitest';
import { compileConfidenceRegex, confidenceFromText, normalizeConfidence, parseConfidenceTag, parseVerbalizedConfidence } from './verbalized.js';

/**
 * [output text, formatOk, confidence], each checked against the RLCR rules as their evaluation code
 * applies them (Python float() first, then the first -?\d+(\.\d+)? inside the last tag).
 */
const RLCR_CASES: [string, boolean, number][] = [
  ["<confidence>0.85</confidence>", true, 0.85],
  ["<confidence> 0.85 \n</confidence>", true, 0.85],
  ["<confidence>85</confidence>", true, 0.85],
  ["<confidence>85%</confidence>", true, 0.85],
  ["<confidence>0.5%</confidence>", true, 0.5],
  ["<confidence>1</confidence>", true, 1.0],
  ["<confidence>100</confidence>", true, 1.0],
  ["<confidence>100.5</confidence>", false, 0.0],
  ["<confidence>150</confidence>", false, 0.0],
  ["<confidence>-0.2</confidence>", false, 0.0],
  ["<confidence>-0</confidence>", true, 0.0],
  ["<confidence>0.</confidence>", true, 0.0],
  ["<confidence>.5</confidence>", true, 0.5],
  ["<confidence>5.</confidence>", true, 0.05],
  ["<confidence>1e-1</confidence>", true, 0.1],
  ["<confidence>5e1</confidence>", true, 0.5],
  ["<confidence>1e3</confidence>", false, 0.0],
  ["<confidence>1_0</confidence>", true, 0.1],
  ["<confidence>+0.3</confidence>", true, 0.3],
  ["<confidence>inf</confidence>", false, 0.0],
  ["<confidence>nan</confidence>", false, 0.0],
  ["<confidence>NaN</confidence>", false, 0.0],
  ["<confidence>high</confidence>", false, 0.0],
  ["<confidence></confidence>", false, 0.0],
  ["<confidence>   </confidence>", false, 0.0],
  ["<confidence>about 0.7, maybe 0.8</confidence>", true, 0.7],
  ["<confidence>conf .5</confidence>", true, 0.05],
  ["<confidence>0.8.</confidence>", true, 0.8],
  ["<confidence>1,5</confidence>", true, 1.0],
  ["<confidence>-5 or 0.5</confidence>", false, 0.0],
  ["<confidence>200 then 0.5</confidence>", false, 0.0],
  ["<confidence>0x1</confidence>", true, 0.0],
  ["<confidence>1e-1 roughly</confidence>", true, 1.0],
  ["<confidence>0.3</confidence><confidence>0.9</confidence>", true, 0.9],
  ["<confidence>0.3</confidence><confidence></confidence>", false, 0.0],
  ["<confidence>0.3</confidence> text <confidence>x</confidence>", false, 0.0],
  ["<confidence><confidence>0.4</confidence>", true, 0.4],
  ["<Confidence>0.4</Confidence>", false, 0.0],
  ["<confidence>0.4", false, 0.0],
  ["no tag 0.9", false, 0.0],
  ["<confidence>\n0.6\n</confidence>", true, 0.6],
  ["<confidence>0.75</confidence></confidence>", true, 0.75],
  ["<confidence>1__0</confidence>", true, 1.0],
  ["<confidence>_1</confidence>", true, 1.0],
  ["<confidence>1.e1</confidence>", true, 0.1],
  ["<confidence>1 000</confidence>", true, 1.0],
  ["<confidence>\u22120.5</confidence>", true, 0.5],
  ["<confidence>+inf</confidence>", false, 0.0],
  ["<confidence>Infinity</confidence>", false, 0.0],
  ["<confidence>100.0000001</confidence>", false, 0.0],
  ["<confidence>1.0000001</confidence>", true, 0.010000001000000001],
  ["<confidence>0.99%</confidence>", true, 0.99],];

describe('parseConfidenceTag (RLCR rules)', () => {
  it.each(RLCR_CASES)('%j -> formatOk %s, %s', (text, formatOk, value) => {
    const got = parseConfidenceTag(text);
    expect(got.formatOk).toBe(formatOk);
    expect(got.value).toBe(value);
  });

  it('a plain number out of range fails without looking for another number', () => {
    expect(parseConfidenceTag('<confidence>150</confidence>')).toEqual({ value: 0, formatOk: false });
    expect(parseConfidenceTag('<confidence>150 or 0.5</confidence>')).toEqual({ value: 0, formatOk: false }); // first number 150
    expect(parseConfidenceTag('<confidence>0.5 or 150</confidence>')).toEqual({ value: 0.5, formatOk: true });
  });

  it('-0 is returned as +0', () => {
    expect(Object.is(parseConfidenceTag('<confidence>-0</confidence>').value, 0)).toBe(true);
  });

  it('the full RLCR output format', () => {
    const out = '<think>2+2</think><answer>4</answer><analysis>simple <confidence>0.2</confidence> arithmetic</analysis>\n<confidence>0.95</confidence>';
    expect(parseConfidenceTag(out)).toEqual({ value: 0.95, formatOk: true });
  });
});

describe('confidenceFromText and normalizeConfidence', () => {
  it('range rule: [0,1] as is, (1,100] a percentage, else null', () => {
    expect([0, 0.5, 1, 1.5, 50, 100].map(normalizeConfidence)).toEqual([0, 0.5, 1, 0.015, 0.5, 1]);
    for (const bad of [-0.01, 100.01, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) expect(normalizeConfidence(bad)).toBeNull();
  });

  it('text content: plain numbers, then the first number', () => {
    expect(confidenceFromText(' 7.5e-1 ')).toBe(0.75);
    expect(confidenceFromText('90 %')).toBe(0.9);
    expect(confidenceFromText('very high')).toBeNull();
    expect(confidenceFromText('0x10')).toBe(0); // not a Python float literal; the first number is 0
  });
});

describe('parseVerbalizedConfidence', () => {
  it('tag first', () => {
    expect(parseVerbalizedConfidence('{"confidence": 0.2} <confidence>0.9</confidence>')).toEqual({ value: 0.9, formatOk: true, source: 'tag' });
  });

  it('a JSON object, whole or embedded, with the range rules', () => {
    expect(parseVerbalizedConfidence('{"answer":"x","confidence":0.8}')).toEqual({ value: 0.8, formatOk: true, source: 'json' });
    expect(parseVerbalizedConfidence('Answer below.\n```json\n{"answer": "Paris", "confidence": 85}\n```')).toEqual({ value: 0.85, formatOk: true, source: 'json' });
    expect(parseVerbalizedConfidence('{"confidence": "75%"}').value).toBe(0.75);
    expect(parseVerbalizedConfidence('{"result": {"answer": "x", "confidence": 0.4}}').value).toBe(0.4);
    // braces inside strings and LaTeX around it do not confuse the scan
    expect(parseVerbalizedConfidence('\\frac{1}{2} then {"note": "a } brace", "confidence": 0.6} \\boxed{3}').value).toBe(0.6);
  });

  it('the last JSON object holding a confidence wins', () => {
    expect(parseVerbalizedConfidence('{"confidence": 0.3} and later {"confidence": 0.7} {"other": 1}').value).toBe(0.7);
  });

  it('an unusable JSON confidence is a format failure from json', () => {
    expect(parseVerbalizedConfidence('{"confidence": 150}')).toEqual({ value: 0, formatOk: false, source: 'json' });
    expect(parseVerbalizedConfidence('{"confidence": null}')).toEqual({ value: 0, formatOk: false, source: 'json' });
    expect(parseVerbalizedConfidence('{"confidence": -0.1}')).toEqual({ value: 0, formatOk: false, source: 'json' });
  });

  it('a configurable regex, last match, first group', () => {
    const regex = String.raw`[Cc]onfidence:\s*([\d.]+%?)`;
    expect(parseVerbalizedConfidence('Confidence: 0.4 ... final confidence: 90%', { regex })).toEqual({ value: 0.9, formatOk: true, source: 'regex' });
    expect(parseVerbalizedConfidence('nothing here', { regex })).toEqual({ value: 0, formatOk: false, source: 'none' });
  });

  it('falls through an unusable source to the next; a failure names the first source found', () => {
    const regex = String.raw`sure: (\S+)`;
    expect(parseVerbalizedConfidence('<confidence>high</confidence> sure: 0.7', { regex })).toEqual({ value: 0.7, formatOk: true, source: 'regex' });
    expect(parseVerbalizedConfidence('<confidence>high</confidence> sure: very', { regex })).toEqual({ value: 0, formatOk: false, source: 'tag' });
    expect(parseVerbalizedConfidence('<confidence></confidence>')).toEqual({ value: 0, formatOk: false, source: 'tag' });
  });

  it('nothing at all: source none', () => {
    expect(parseVerbalizedConfidence('I think it is Paris.')).toEqual({ value: 0, formatOk: false, source: 'none' });
    expect(parseVerbalizedConfidence('')).toEqual({ value: 0, formatOk: false, source: 'none' });
  });

  it('an invalid regex, or one without a group, is refused naming the option', () => {
    expect(() => parseVerbalizedConfidence('x', { regex: '(' })).toThrow(/^regex: /);
    expect(() => compileConfidenceRegex(String.raw`\d+`)).toThrow(/regex: .*no capture group/);
    expect(compileConfidenceRegex(String.raw`(?:a)(\d)`).flags).toBe('g');
  });

  it('terminates on adversarial brace soup (the scan for embedded objects is budgeted)', () => {
    const text = `${'{'.repeat(200_000)}"confidence": 0.5`;
    expect(parseVerbalizedConfidence(text)).toEqual({ value: 0, formatOk: false, source: 'none' });
  });
});
