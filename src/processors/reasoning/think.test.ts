import { describe, expect, it } from 'vitest';
import { splitThink } from './think.js';

describe('splitThink', () => {
  it('separates think blocks, a lone closing tag and an unclosed block', () => {
    expect(splitThink('<think>step 1</think>The answer')).toEqual({ reasoning: 'step 1', answer: 'The answer' });
    expect(splitThink('opened by the template</think> 42')).toEqual({ reasoning: 'opened by the template', answer: '42' });
    expect(splitThink('A <think>a</think> B <think>b</think> C')).toEqual({ reasoning: 'a\nb', answer: 'A  B  C' });
    expect(splitThink('<think>never closed')).toEqual({ reasoning: 'never closed', answer: '' });
    expect(splitThink('plain')).toEqual({ reasoning: '', answer: 'plain' });
  });
});
