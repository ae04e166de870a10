import { describe, expect, it } from 'vitest';
import { planRequest, stripAdded } from './request-plan.js';

const raw = (o: unknown): Buffer => Buffer.from(JSON.stringify(o));

describe('planRequest', () => {
  it('asks a streaming chat for usage and logprobs the client did not ask for, and remembers to strip them', () => {
    const body = { model: 'm', stream: true, messages: [] };
    const plan = planRequest('chat', body, raw(body), 5);
    expect(JSON.parse(plan.upstreamBody.toString())).toEqual({ ...body, stream_options: { include_usage: true }, logprobs: true, top_logprobs: 5 });
    expect(plan).toMatchObject({ stripUsage: true, stripLogprobs: true, stream: true, model: 'm' });
  });

  it("leaves the client's own choices alone and forwards its exact bytes when nothing is added", () => {
    const body = { model: 'm', stream: true, stream_options: { include_usage: true }, logprobs: true, top_logprobs: 2 };
    const bytes = Buffer.from(JSON.stringify(body, null, 1));
    const plan = planRequest('chat', body, bytes, 5);
    expect(plan.upstreamBody).toBe(bytes);
    expect(plan).toMatchObject({ stripUsage: false, stripLogprobs: false });
  });

  it('uses the integer logprobs form for completions, nothing for embeddings, and respects a route without logprobs', () => {
    const c = { model: 'm', prompt: 'x' };
    expect(JSON.parse(planRequest('completions', c, raw(c), 3).upstreamBody.toString()).logprobs).toBe(3);
    const e = { model: 'm', input: 'x' };
    expect(planRequest('embeddings', e, raw(e), 3)).toMatchObject({ stripUsage: false, stripLogprobs: false });
    const s = { model: 'm', messages: [] };
    expect(planRequest('chat', s, raw(s), null)).toMatchObject({ stripUsage: false, stripLogprobs: false });
    expect(JSON.parse(planRequest('chat', s, raw(s), 0).upstreamBody.toString())).toEqual({ ...s, logprobs: true });
  });
});

describe('stripAdded', () => {
  const streamPlan = planRequest('chat', { model: 'm', stream: true }, raw({}), 5);
  it('nulls logprobs byte-exactly, keeping every other byte', () => {
    const chunk = '{"id":"x","choices":[{"index":0,"delta":{"content":"Hi"},"logprobs":{"content":[{"token":"Hi","logprob":-0.1}]},"finish_reason":null}]}';
    expect(stripAdded(streamPlan, chunk)).toBe('{"id":"x","choices":[{"index":0,"delta":{"content":"Hi"},"logprobs":null,"finish_reason":null}]}');
  });
  it('drops the usage-only chunk and removes usage:null keys', () => {
    expect(stripAdded(streamPlan, '{"id":"x","choices":[],"usage":{"prompt_tokens":3}}')).toBeNull();
    expect(stripAdded(streamPlan, '{"id":"x","choices":[{"index":0,"delta":{},"logprobs":null}],"usage":null}')).toBe('{"id":"x","choices":[{"index":0,"delta":{},"logprobs":null}]}');
  });
  it('passes text it cannot parse through unchanged', () => {
    expect(stripAdded(streamPlan, '{"broken":')).toBe('{"broken":');
    expect(stripAdded(streamPlan, 'not json')).toBe('not json');
  });
});
