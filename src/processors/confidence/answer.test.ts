import { describe, expect, it } from 'vitest';
import { answerProbability, locateAnswer } from './answer.js';

/** The located answer's text, and its rule. */
function answerOf(text: string): [string, string] | null {
  const a = locateAnswer(text);
  return a === null ? null : [text.slice(a.start, a.end), a.rule];
}

/** answerProbability over tokens, the answer located in their concatenation. */
function probability(tokens: string[], logprobs: number[]): number | null {
  const a = locateAnswer(tokens.join(''));
  return a === null ? null : answerProbability(tokens, new Float64Array(logprobs), a.start, a.end);
}

describe('locateAnswer', () => {
  it('rule 1: the content of the last <answer>…</answer>, trimmed', () => {
    expect(answerOf('<think>maybe 3</think><answer> 4 </answer><analysis>sure</analysis><confidence>0.9</confidence>')).toEqual(['4', 'answer_tag']);
    expect(answerOf('<answer>first</answer> then <answer>\nsecond\n</answer>')).toEqual(['second', 'answer_tag']);
    // An unclosed last tag: the last complete pair counts.
    expect(answerOf('<answer>done</answer><answer>trunc')).toEqual(['done', 'answer_tag']);
    // Nested openings: the last opening before the closing tag.
    expect(answerOf('<answer>x <answer>y</answer>')).toEqual(['y', 'answer_tag']);
  });

  it('an empty answer is no answer, and later rules are not tried', () => {
    expect(answerOf('<think>a</think><answer>  </answer>')).toBeNull();
    expect(answerOf('{"answer": " "}')).toBeNull();
  });

  it('rule 2: the top-level "answer" of a JSON output (string content, or other values as JSON text)', () => {
    expect(answerOf('{"reasoning": "…", "answer": "Paris", "confidence": 0.8}')).toEqual(['Paris', 'json']);
    expect(answerOf(' {"answer": 42} ')).toEqual(['42', 'json']);
    expect(answerOf('{"answer": ["a", {"b": 1}]}')).toEqual(['["a", {"b": 1}]', 'json']);
    expect(answerOf('{"answer": "a \\"quoted\\" word"}')).toEqual(['a \\"quoted\\" word', 'json']); // raw characters, as the tokens wrote them
    expect(answerOf('{"answer": "first", "answer": "last"}')).toEqual(['last', 'json']);
    expect(answerOf('```json\n{"answer": "fenced"}\n```')).toEqual(['fenced', 'json']);
  });

  it('rule 2 needs the whole text to be one JSON object with a top-level "answer"', () => {
    expect(answerOf('{"result": {"answer": "nested"}}')).toBeNull();
    expect(answerOf('Here: {"answer": "embedded"}')).toBeNull();
    expect(answerOf('{"answer": "broken"')).toBeNull();
    expect(answerOf('{"answer": "x"} trailing')).toBeNull();
    // Not JSON: the next rule applies.
    expect(answerOf('<think>{"answer": 1}</think> 2')).toEqual(['2', 'after_think']);
  });

  it('rule 3: after the last </think>', () => {
    expect(answerOf('<think>hmm</think>\n\nThe answer is 4.')).toEqual(['The answer is 4.', 'after_think']);
    expect(answerOf('opened by the template</think>a<think>b</think> c')).toEqual(['c', 'after_think']);
    expect(answerOf('<think>only thinking</think>')).toBeNull();
  });

  it('no rule: null', () => {
    expect(answerOf('Paris.')).toBeNull();
    expect(answerOf('')).toBeNull();
    expect(answerOf('<answer>never closed')).toBeNull();
  });
});

describe('answerProbability', () => {
  it('sums the logprobs of every token overlapping the answer, across tag boundaries', () => {
    // "<think>x</think><answer>Paris</answer><confidence>0.9</confidence>"
    const tokens = ['<think>', 'x', '</think>', '<ans', 'wer>', 'Par', 'is</', 'answer>', '<confidence>', '0.9', '</confidence>'];
    const logprobs = [-0.01, -2, -0.02, -0.03, -0.04, -0.25, -0.5, -0.06, -0.07, -1, -0.08];
    // 'wer>' ends where "Paris" starts (no overlap); 'is</' holds the end of the answer and counts whole.
    expect(probability(tokens, logprobs)).toBe(Math.exp(-0.25 + -0.5));
  });

  it('a token that straddles the opening tag counts whole', () => {
    expect(probability(['<answer>Pa', 'ris', '</answer>'], [-0.5, -0.25, -0.125])).toBe(Math.exp(-0.75));
  });

  it('whitespace tokens trimmed off the answer do not count', () => {
    expect(probability(['<answer>', ' Paris', ' ', '</answer>'], [-0.1, -0.5, -3, -0.1])).toBe(Math.exp(-0.5));
  });

  it('JSON answer: the tokens of the string value, not its quotes', () => {
    const tokens = ['{"', 'answer', '":', ' "', 'Par', 'is', '",', ' "confidence": 0.9}'];
    expect(probability(tokens, [-0.1, -0.1, -0.1, -0.1, -0.5, -0.25, -0.1, -0.1])).toBe(Math.exp(-0.75));
  });

  it('after </think>', () => {
    expect(probability(['<think>', 'hm', '</think>', '\n', 'Four', '.'], [-0.1, -1, -0.1, -2, -0.5, -0.25])).toBe(Math.exp(-0.75));
  });

  it('-Infinity makes the probability 0; an empty token strictly inside counts (adds its logprob)', () => {
    expect(probability(['<answer>', 'a', 'b', '</answer>'], [-1, -Infinity, -1, -1])).toBe(0);
    expect(answerProbability(['ab', '', 'cd'], new Float64Array([-1, -2, -4]), 1, 3)).toBe(Math.exp(-7));
    expect(answerProbability(['ab', 'cd'], new Float64Array([-1, -2]), 4, 4)).toBeNull();
  });
});
