import { describe, expect, it } from 'vitest';
import type { Attributes } from '../../receivers/otlp/types.js';
import { normalizeTraces } from '../index.js';
import { captureReasoning } from './capture.js';

function span(attributes: Attributes) {
  const [s] = normalizeTraces(
    {
      resourceSpans: [
        {
          resource: { attributes: { 'service.name': 'app' }, droppedAttributesCount: 0 },
          scopeSpans: [
            {
              scope: { name: '', version: '', attributes: {}, droppedAttributesCount: 0 },
              spans: [{ traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), traceState: '', parentSpanId: '', flags: 0, name: 'chat m', kind: 3, startTimeUnixNano: 1n, endTimeUnixNano: 2n, attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'm', ...attributes }, droppedAttributesCount: 0, events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: { code: 0, message: '' } }],
              schemaUrl: '',
            },
          ],
          schemaUrl: '',
        },
      ],
    },
    { content: true },
  );
  return s;
}

const out = (parts: unknown[]): Attributes => ({ 'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts }]) });

describe('captureReasoning', () => {
  it('reads reasoning parts, the answer, tool calls and the task', () => {
    const c = captureReasoning(
      span({
        'gen_ai.input.messages': JSON.stringify([{ role: 'system', parts: [{ type: 'text', content: 'be brief' }] }, { role: 'user', parts: [{ type: 'text', content: 'Fix the bug' }] }]),
        ...out([{ type: 'reasoning', content: 'The loop is off by one.' }, { type: 'text', content: 'Fixed.' }, { type: 'tool_call', id: 'c1', name: 'edit_file', arguments: { path: 'a.py' } }]),
      }),
    );
    expect(c).toEqual({ reasoning: 'The loop is off by one.', sources: ['reasoning_part'], hidden: false, reasoningTokens: null, output: 'Fixed.', actions: [{ name: 'edit_file', arguments: '{"path":"a.py"}' }], task: 'Fix the bug' });
  });

  it('reads reasoning_content of OpenAI-compatible responses (indexed legacy attributes)', () => {
    const c = captureReasoning(span({ 'gen_ai.completion.0.role': 'assistant', 'gen_ai.completion.0.content': '42', 'gen_ai.completion.0.reasoning_content': '6 x 7 = 42' }));
    expect([c.reasoning, c.output, c.sources]).toEqual(['6 x 7 = 42', '42', ['reasoning_part']]);
  });

  it('splits <think> blocks out of text, including a lone closing tag', () => {
    expect(captureReasoning(span(out([{ type: 'text', content: '<think>check units</think>3 m' }])))).toMatchObject({ reasoning: 'check units', output: '3 m', sources: ['think_block'] });
    expect(captureReasoning(span(out([{ type: 'text', content: 'opened by the template</think>yes' }])))).toMatchObject({ reasoning: 'opened by the template', output: 'yes' });
  });

  it('reads Anthropic thinking blocks; redacted thinking is hidden reasoning', () => {
    const c = captureReasoning(span(out([{ type: 'thinking', thinking: 'Consider both cases.', signature: 'x' }, { type: 'text', content: 'Both.' }])));
    expect([c.reasoning, c.sources, c.output, c.hidden]).toEqual(['Consider both cases.', ['anthropic_thinking'], 'Both.', false]);
    expect(captureReasoning(span(out([{ type: 'redacted_thinking', data: 'b64' }, { type: 'text', content: 'ok' }]))).hidden).toBe(true);
  });

  it('flags hidden reasoning: tokens counted without text, or the gateway said so', () => {
    const counted = captureReasoning(span({ ...out([{ type: 'text', content: 'ok' }]), 'gen_ai.usage.reasoning.output_tokens': { int: 512n } }));
    expect([counted.hidden, counted.reasoningTokens, counted.reasoning]).toEqual([true, 512, '']);
    const visible = captureReasoning(span({ ...out([{ type: 'reasoning', content: 'r' }]), 'gen_ai.usage.reasoning.output_tokens': { int: 5n } }));
    expect(visible.hidden).toBe(false);
    expect(captureReasoning(span({ 'strata.reasoning.hidden': true })).hidden).toBe(true);
    expect(captureReasoning(span({}))).toMatchObject({ reasoning: '', hidden: false, output: '', actions: [], task: '' });
  });
});
