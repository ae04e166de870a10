import { describe, expect, it } from 'vitest';
import type { Attributes, SpanEvent } from '../../receivers/otlp/types.js';
import { EMPTY_GENAI, extractGenAi } from './extract.js';

const g = (attrs: Attributes, events: SpanEvent[] = []) => extractGenAi(attrs, events);

describe('extractGenAi: non-GenAI spans', () => {
  it('answers the shared empty fields for an HTTP span', () => {
    const f = g({ 'http.request.method': 'GET', 'server.address': 'example.com', 'session.id': 's1' });
    expect(f).toBe(EMPTY_GENAI);
    expect(f.finishReasons).toEqual([]);
    expect(f.inputMessages).toEqual([]);
  });
});

describe('extractGenAi: provider', () => {
  it('reads gen_ai.provider.name', () => {
    expect(g({ 'gen_ai.provider.name': 'openai' }).provider).toBe('openai');
  });
  it('reads deprecated gen_ai.system', () => {
    expect(g({ 'gen_ai.system': 'anthropic' }).provider).toBe('anthropic');
  });
  it('prefers the current name when both are present', () => {
    expect(g({ 'gen_ai.system': 'az.ai.openai', 'gen_ai.provider.name': 'azure.ai.openai' }).provider).toBe('azure.ai.openai');
  });
  it('reads OpenInference llm.provider, then llm.system', () => {
    expect(g({ 'llm.system': 'openai', 'llm.provider': 'azure' }).provider).toBe('azure');
    expect(g({ 'llm.system': 'openai' }).provider).toBe('openai');
  });
});

describe('extractGenAi: operation', () => {
  it('reads gen_ai.operation.name', () => {
    expect(g({ 'gen_ai.operation.name': 'embeddings', 'openinference.span.kind': 'LLM' }).operation).toBe('embeddings');
  });
  it.each([
    ['LLM', 'chat'],
    ['EMBEDDING', 'embeddings'],
    ['TOOL', 'execute_tool'],
    ['AGENT', 'invoke_agent'],
    ['RETRIEVER', 'retrieval'],
    ['CHAIN', null],
    ['RERANKER', null],
  ])('infers %s -> %s from openinference.span.kind', (kind, op) => {
    expect(g({ 'openinference.span.kind': kind }).operation).toBe(op);
  });
  it('infers from OpenLLMetry llm.request.type', () => {
    expect(g({ 'llm.request.type': 'completion' }).operation).toBe('text_completion');
  });
  it('leaves vLLM llm_request spans without an operation', () => {
    expect(g({ 'gen_ai.request.id': 'cmpl-1', 'gen_ai.usage.prompt_tokens': { int: 5n } }).operation).toBeNull();
  });
});

describe('extractGenAi: models', () => {
  it('reads request and response models', () => {
    const f = g({ 'gen_ai.request.model': 'gpt-4o', 'gen_ai.response.model': 'gpt-4o-2024-08-06' });
    expect([f.requestModel, f.responseModel]).toEqual(['gpt-4o', 'gpt-4o-2024-08-06']);
  });
  it('fills requestModel from OpenInference llm.model_name only when absent', () => {
    expect(g({ 'llm.model_name': 'claude-3-5-sonnet' }).requestModel).toBe('claude-3-5-sonnet');
    expect(g({ 'llm.model_name': 'b', 'gen_ai.request.model': 'a' }).requestModel).toBe('a');
  });
});

describe('extractGenAi: token usage', () => {
  it('reads current names as int64', () => {
    const f = g({ 'gen_ai.usage.input_tokens': { int: 120n }, 'gen_ai.usage.output_tokens': { int: 33n } });
    expect([f.inputTokens, f.outputTokens]).toEqual([120, 33]);
  });
  it('reads deprecated prompt/completion tokens as doubles', () => {
    const f = g({ 'gen_ai.usage.prompt_tokens': 10, 'gen_ai.usage.completion_tokens': 4 });
    expect([f.inputTokens, f.outputTokens]).toEqual([10, 4]);
  });
  it('prefers current names when both are present', () => {
    const f = g({
      'gen_ai.usage.prompt_tokens': 1,
      'gen_ai.usage.input_tokens': 2,
      'gen_ai.usage.completion_tokens': 3,
      'gen_ai.usage.output_tokens': 4,
    });
    expect([f.inputTokens, f.outputTokens]).toEqual([2, 4]);
  });
  it('accepts numeric strings', () => {
    const f = g({ 'gen_ai.usage.input_tokens': '128', 'gen_ai.usage.output_tokens': ' 7 ' });
    expect([f.inputTokens, f.outputTokens]).toEqual([128, 7]);
  });
  it('rejects NaN, negative and non-numeric values', () => {
    const f = g({ 'gen_ai.usage.input_tokens': NaN, 'gen_ai.usage.output_tokens': -3, 'gen_ai.usage.reasoning.output_tokens': 'many' });
    expect([f.inputTokens, f.outputTokens, f.reasoningOutputTokens]).toEqual([null, null, null]);
  });
  it('reads OpenInference token counts', () => {
    const f = g({ 'llm.token_count.prompt': { int: 50n }, 'llm.token_count.completion': { int: 9n } });
    expect([f.inputTokens, f.outputTokens]).toEqual([50, 9]);
  });
  it('reads cache and reasoning tokens, dotted and underscore forms', () => {
    const f = g({
      'gen_ai.usage.cache_read.input_tokens': { int: 100n },
      'gen_ai.usage.cache_creation_input_tokens': '20',
      'gen_ai.usage.reasoning.output_tokens': 64,
    });
    expect([f.cacheReadInputTokens, f.cacheCreationInputTokens, f.reasoningOutputTokens]).toEqual([100, 20, 64]);
    const h = g({ 'gen_ai.usage.cache_read_input_tokens': 5, 'gen_ai.usage.cache_read.input_tokens': 6, 'gen_ai.usage.cache_creation.input_tokens': 7 });
    expect([h.cacheReadInputTokens, h.cacheCreationInputTokens]).toEqual([6, 7]);
  });
});

describe('extractGenAi: request and response fields', () => {
  it('reads finish reasons as an array, a string, or a JSON array string', () => {
    expect(g({ 'gen_ai.response.finish_reasons': ['stop', 'length'] }).finishReasons).toEqual(['stop', 'length']);
    expect(g({ 'gen_ai.response.finish_reasons': 'tool_calls' }).finishReasons).toEqual(['tool_calls']);
    expect(g({ 'gen_ai.response.finish_reasons': '["stop"]' }).finishReasons).toEqual(['stop']);
  });
  it('falls back to output messages finish_reason', () => {
    const out = JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: 'hi' }], finish_reason: 'length' }]);
    expect(g({ 'gen_ai.output.messages': out }).finishReasons).toEqual(['length']);
  });
  it('reads request parameters, ids, agent and tool names', () => {
    const f = g({
      'gen_ai.response.id': 'chatcmpl-123',
      'gen_ai.request.temperature': 0.2,
      'gen_ai.request.top_p': '0.9',
      'gen_ai.request.max_tokens': { int: 256n },
      'gen_ai.request.stream': true,
      'gen_ai.conversation.id': 'conv-1',
      'gen_ai.agent.name': 'planner',
      'gen_ai.tool.name': 'get_weather',
    });
    expect(f).toMatchObject({
      responseId: 'chatcmpl-123',
      temperature: 0.2,
      topP: 0.9,
      maxTokens: 256,
      stream: true,
      conversationId: 'conv-1',
      agentName: 'planner',
      toolName: 'get_weather',
    });
  });
  it('reads OpenInference session.id and tool.name only on OpenInference spans', () => {
    const oi = g({ 'openinference.span.kind': 'TOOL', 'session.id': 'sess-9', 'tool.name': 'search' });
    expect([oi.conversationId, oi.toolName]).toEqual(['sess-9', 'search']);
    const other = g({ 'gen_ai.operation.name': 'chat', 'session.id': 'browser-session', 'tool.name': 'x' });
    expect([other.conversationId, other.toolName]).toEqual([null, null]);
    expect(g({ 'openinference.span.kind': 'LLM', 'session.id': 's', 'gen_ai.conversation.id': 'c' }).conversationId).toBe('c');
  });
  it('reads time to first token from the current name, else vLLM', () => {
    expect(g({ 'gen_ai.response.time_to_first_chunk': 0.25, 'gen_ai.latency.time_to_first_token': 0.5 }).timeToFirstTokenS).toBe(0.25);
    expect(g({ 'gen_ai.latency.time_to_first_token': 0.5 }).timeToFirstTokenS).toBe(0.5);
  });
});

describe('extractGenAi: vLLM llm_request span', () => {
  it('reads latencies, deprecated usage names and request parameters', () => {
    const f = g({
      'gen_ai.response.model': 'meta-llama/Llama-3.1-8B-Instruct',
      'gen_ai.request.id': 'cmpl-abc',
      'gen_ai.request.temperature': 0.7,
      'gen_ai.request.top_p': 1,
      'gen_ai.request.max_tokens': { int: 128n },
      'gen_ai.request.n': { int: 1n },
      'gen_ai.usage.num_sequences': { int: 1n },
      'gen_ai.usage.prompt_tokens': { int: 42n },
      'gen_ai.usage.completion_tokens': { int: 17n },
      'gen_ai.latency.time_in_queue': 0.001,
      'gen_ai.latency.time_to_first_token': 0.045,
      'gen_ai.latency.e2e': 0.61,
      'gen_ai.latency.time_in_scheduler': 0.002,
      'gen_ai.latency.time_in_model_forward': 0.5,
      'gen_ai.latency.time_in_model_execute': 0.52,
      'gen_ai.latency.time_in_model_prefill': 0.04,
      'gen_ai.latency.time_in_model_decode': 0.56,
      'gen_ai.latency.time_in_model_inference': 0.6,
      'gen_ai.latency.bogus': 'n/a',
    });
    expect(f.operation).toBeNull();
    expect(f.provider).toBeNull();
    expect(f.responseModel).toBe('meta-llama/Llama-3.1-8B-Instruct');
    expect([f.inputTokens, f.outputTokens]).toEqual([42, 17]);
    expect([f.temperature, f.topP, f.maxTokens]).toEqual([0.7, 1, 128]);
    expect(f.timeToFirstTokenS).toBe(0.045);
    expect({ ...f.latencies }).toEqual({
      time_in_queue: 0.001,
      time_to_first_token: 0.045,
      e2e: 0.61,
      time_in_scheduler: 0.002,
      time_in_model_forward: 0.5,
      time_in_model_execute: 0.52,
      time_in_model_prefill: 0.04,
      time_in_model_decode: 0.56,
      time_in_model_inference: 0.6,
    });
  });
});
