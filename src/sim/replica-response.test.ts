import { describe, expect, it } from 'vitest';
import { createFakeFleet } from '../../test/helpers/fake-fleet.js';
import { askOf, errorAnswer, piecesOf, splitWords, streamChunks, wholeBody } from './replica-response.js';
import type { SimRequest } from './types.js';

const fleet = createFakeFleet();
const req: SimRequest = fleet.serve('r1', fleet.startMs, 'k1');

function dataOf(chunk: string): Record<string, any> | '[DONE]' {
  const text = chunk.replace(/^data: /, '').trim();
  return text === '[DONE]' ? text : JSON.parse(text);
}

describe('asking', () => {
  it('reads stream, logprobs and usage as vLLM does', () => {
    expect(askOf('chat', { stream: true, stream_options: { include_usage: true }, logprobs: true, top_logprobs: 2 })).toEqual({ endpoint: 'chat', stream: true, topLogprobs: 2, includeUsage: true });
    expect(askOf('chat', { logprobs: true })).toMatchObject({ topLogprobs: 0, stream: false, includeUsage: false });
    expect(askOf('chat', { logprobs: false, top_logprobs: 3 }).topLogprobs).toBe(-1);
    expect(askOf('completions', { logprobs: 4, stream_options: { include_usage: true } })).toMatchObject({ topLogprobs: 4, includeUsage: false });
  });
});

describe('pieces', () => {
  it('streams reasoning words, then the logprob tokens when they spell the answer', () => {
    expect(splitWords('Six times  seven.')).toEqual(['Six', ' times', '  seven.']);
    const p = piecesOf(req);
    expect(p.filter((x) => x.field === 'reasoning_content').map((x) => x.text).join('')).toBe(req.reasoning);
    expect(p.filter((x) => x.field === 'content').map((x) => x.text)).toEqual(req.tokens.map((t) => t.token));
    // Tokens that do not spell the answer: the answer's words, with the logprobs by position.
    const odd = piecesOf({ ...req, answer: 'Forty two' });
    expect(odd.filter((x) => x.field === 'content').map((x) => [x.text, x.token?.logprob])).toEqual([['Forty', req.tokens[0].logprob], [' two', req.tokens[1].logprob]]);
  });
});

describe('whole answers', () => {
  it('a chat completion with reasoning, usage, and logprobs only when asked, cut to the asked top-k', () => {
    const plain = wholeBody(req, askOf('chat', {})) as any;
    expect(plain.model).toBe(req.modelVersion);
    expect(plain.choices[0].message).toMatchObject({ content: req.answer, reasoning_content: req.reasoning });
    expect(plain.choices[0].logprobs).toBeNull();
    expect(plain.usage).toMatchObject({ prompt_tokens: req.inputTokens, completion_tokens: req.outputTokens });
    const withLp = wholeBody(req, askOf('chat', { logprobs: true, top_logprobs: 2 })) as any;
    expect(withLp.choices[0].logprobs.content.map((c: any) => c.token)).toEqual(req.tokens.map((t) => t.token));
    expect(withLp.choices[0].logprobs.content[1].logprob).toBe(req.tokens[1].logprob);
    expect(withLp.choices[0].logprobs.content[1].top_logprobs.map((t: any) => [t.token, t.logprob])).toEqual(req.tokens[1].top.slice(0, 2));
  });

  it('a text completion with its offsets', () => {
    const body = wholeBody(req, askOf('completions', { logprobs: 1 })) as any;
    expect(body.object).toBe('text_completion');
    expect(body.choices[0].text).toBe(req.answer);
    expect(body.choices[0].logprobs.text_offset).toEqual([0, 3, 10, 13, 16]);
    expect(body.choices[0].logprobs.top_logprobs[0]).toEqual({ The: req.tokens[0].logprob });
  });

  it('errors as vLLM answers them', () => {
    expect(errorAnswer({ ...req, error: 'engine dead' })).toMatchObject({ status: 503, body: { object: 'error', message: 'engine dead', code: 503 } });
    expect(errorAnswer({ ...req, error: 'corrupted' }).status).toBe(500);
  });
});

describe('streams', () => {
  it('times the first chunk at TTFT and each next one at its inter-token gap, then usage and [DONE]', () => {
    const chunks = streamChunks(req, askOf('chat', { stream: true, stream_options: { include_usage: true } }));
    const pieces = piecesOf(req);
    expect(chunks).toHaveLength(1 + pieces.length + 2);
    expect(chunks[0].delayMs).toBe(req.ttftMs);
    expect(chunks.slice(2, 1 + pieces.length).map((c) => c.delayMs)).toEqual(pieces.slice(1).map((_, i) => req.interTokenUs[Math.min(i, req.interTokenUs.length - 1)] / 1000));
    const data = chunks.map((c) => dataOf(c.data));
    expect(data.at(-1)).toBe('[DONE]');
    const usage = data.at(-2) as Record<string, any>;
    expect(usage.choices).toEqual([]);
    expect(usage.usage.completion_tokens).toBe(req.outputTokens);
    const deltas = data.slice(1, 1 + pieces.length) as Record<string, any>[];
    expect(deltas.map((d) => d.choices[0].delta.reasoning_content ?? '').join('')).toBe(req.reasoning);
    expect(deltas.map((d) => d.choices[0].delta.content ?? '').join('')).toBe(req.answer);
    expect(deltas.every((d) => d.choices[0].logprobs === null)).toBe(true);
    expect(deltas.at(-1)!.choices[0].finish_reason).toBe('stop');
  });

  it('carries per-token logprobs on answer chunks when asked, never on reasoning chunks', () => {
    const chunks = streamChunks(req, askOf('chat', { stream: true, logprobs: true, top_logprobs: 3 })).map((c) => dataOf(c.data));
    const answers = chunks.filter((d): d is Record<string, any> => d !== '[DONE]' && d.choices[0]?.delta?.content !== undefined && d.choices[0].delta.content !== '');
    expect(answers.map((d) => d.choices[0].logprobs.content[0].top_logprobs.length)).toEqual(req.tokens.map(() => 3));
    const reasoning = chunks.filter((d): d is Record<string, any> => d !== '[DONE]' && d.choices[0]?.delta?.reasoning_content !== undefined);
    expect(reasoning.length).toBeGreaterThan(0);
    expect(reasoning.every((d) => d.choices[0].logprobs === null)).toBe(true);
  });
});
