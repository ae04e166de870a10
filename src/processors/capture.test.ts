import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../model/log.js';
import type { SpanRecord } from '../model/span.js';
import { createContentPolicy, isContentKey, REDACTED } from './capture.js';

const genai = {
  operation: 'chat', provider: null, requestModel: 'm', responseModel: null, responseId: null, inputTokens: 1, outputTokens: 2,
  cacheReadInputTokens: null, cacheCreationInputTokens: null, reasoningOutputTokens: null, finishReasons: [], temperature: null,
  topP: null, maxTokens: null, stream: null, conversationId: null, agentName: null, toolName: null, timeToFirstTokenS: null,
  latencies: {}, systemInstructions: [{ type: 'text', content: 'be nice to bob@example.com' }],
  inputMessages: [{ role: 'user', parts: [{ type: 'text', content: 'my card is 4111 1111 1111 1111' }] }],
  outputMessages: [{ role: 'assistant', parts: [{ type: 'text', content: 'ok' }] }],
};

const span = {
  traceId: 't', spanId: 's', parentSpanId: '', traceState: '', flags: 0, name: 'chat m', kind: 3,
  startTimeUnixNano: 1n, endTimeUnixNano: 2n, statusCode: 0, statusMessage: '', service: 'svc', resource: {}, resourceSchemaUrl: '',
  scope: { name: '', version: '', attributes: {}, droppedAttributesCount: 0 },
  attributes: {
    'gen_ai.request.model': 'm',
    'gen_ai.input.messages': '[{"role":"user","parts":[{"type":"text","content":"mail bob@example.com"}]}]',
    'gen_ai.prompt.0.content': 'key sk-abcdefghijklmnopqrstuv',
    'input.value': 'hello',
  },
  droppedAttributesCount: 0,
  events: [{ timeUnixNano: 1n, name: 'gen_ai.user.message', attributes: { content: 'hi bob@example.com', role: 'user' }, droppedAttributesCount: 0 }],
  droppedEventsCount: 0, links: [], droppedLinksCount: 0, genai, entities: { refs: [], edges: [] }, confidence: null,
} satisfies SpanRecord;

describe('content policy', () => {
  it('knows which attribute keys hold content', () => {
    expect(isContentKey('gen_ai.input.messages')).toBe(true);
    expect(isContentKey('gen_ai.prompt.3.content')).toBe(true);
    expect(isContentKey('llm.input_messages.0.message.content')).toBe(true);
    expect(isContentKey('gen_ai.request.model')).toBe(false);
    expect(isContentKey('gen_ai.prompt_tokens')).toBe(false);
  });

  it('with capture off, removes content attributes, message events content and messages, keeps the rest', () => {
    const [out] = createContentPolicy({ capture: false, redact: [] }).applyToSpans([span]);
    expect(out.attributes).toEqual({ 'gen_ai.request.model': 'm' });
    expect(out.events[0].attributes).toEqual({});
    expect(out.genai.inputMessages).toEqual([]);
    expect(out.genai.outputMessages).toEqual([]);
    expect(out.genai.systemInstructions).toEqual([]);
    expect(out.genai.inputTokens).toBe(1);
    expect(span.attributes['input.value']).toBe('hello'); // the input is not modified
  });

  it('with capture on, redacts emails, keys and card numbers in stored content (attributes, events)', () => {
    const policy = createContentPolicy({ capture: true, redact: ['email', 'api_key', 'card_number'] });
    const [out] = policy.applyToSpans([span]);
    expect(out.attributes['gen_ai.input.messages']).toBe(`[{"role":"user","parts":[{"type":"text","content":"mail ${REDACTED}"}]}]`);
    expect(out.attributes['gen_ai.prompt.0.content']).toBe(`key ${REDACTED}`);
    expect(out.attributes['gen_ai.request.model']).toBe('m');
    expect(out.events[0].attributes).toEqual({ content: `hi ${REDACTED}`, role: 'user' });
    // messages are not stored (they are derived from attributes and events when read): left as parsed
    expect(out.genai).toBe(span.genai);
  });

  it('drops the body of GenAI event logs when capture is off', () => {
    const log: LogRecord = {
      timeUnixNano: 1n, observedTimeUnixNano: 1n, severityNumber: 9, severityText: '', body: 'the prompt', attributes: { 'gen_ai.system': 'openai' },
      droppedAttributesCount: 0, flags: 0, traceId: '', spanId: '', eventName: 'gen_ai.user.message', service: 's', resource: {},
      scope: { name: '', version: '', attributes: {}, droppedAttributesCount: 0 }, entities: { refs: [], edges: [] },
    };
    const [out] = createContentPolicy({ capture: false, redact: [] }).applyToLogs([log]);
    expect(out.body).toBeNull();
    expect(out.attributes).toEqual({});
  });
});
