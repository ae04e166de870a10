import { describe, expect, it } from 'vitest';
import type { Attributes, SpanEvent } from '../../receivers/otlp/types.js';
import { extractGenAi } from './extract.js';

const ev = (name: string, attributes: Attributes): SpanEvent => ({
  timeUnixNano: 1n,
  name,
  attributes,
  droppedAttributesCount: 0,
});

const currentInput = [
  { role: 'system', parts: [{ type: 'text', content: 'Be brief.' }] },
  { role: 'user', parts: [{ type: 'text', content: 'Weather in Paris?' }] },
  {
    role: 'assistant',
    parts: [{ type: 'tool_call', id: 'call_1', name: 'get_weather', arguments: { city: 'Paris' } }],
  },
  { role: 'tool', parts: [{ type: 'tool_call_response', id: 'call_1', response: 'rainy, 57°F' }] },
];
const currentOutput = [
  {
    role: 'assistant',
    parts: [
      { type: 'reasoning', content: 'The tool said rainy.' },
      { type: 'text', content: 'Rainy, 57°F.' },
    ],
    finish_reason: 'stop',
  },
];
const expectedOutput = [
  {
    role: 'assistant',
    parts: [
      { type: 'reasoning', content: 'The tool said rainy.' },
      { type: 'text', content: 'Rainy, 57°F.' },
    ],
    finishReason: 'stop',
  },
];

describe('current-convention content', () => {
  it('parses JSON strings on span attributes', () => {
    const f = extractGenAi(
      {
        'gen_ai.operation.name': 'chat',
        'gen_ai.input.messages': JSON.stringify(currentInput),
        'gen_ai.output.messages': JSON.stringify(currentOutput),
        'gen_ai.system_instructions': JSON.stringify([{ type: 'text', content: 'You are a helpful bot' }]),
      },
      [],
    );
    expect(f.inputMessages).toEqual(currentInput);
    expect(f.outputMessages).toEqual(expectedOutput);
    expect(f.systemInstructions).toEqual([{ type: 'text', content: 'You are a helpful bot' }]);
    expect(f.finishReasons).toEqual(['stop']);
  });

  it('gives the same result for structured (kvlist) values', () => {
    const structured: Attributes = {
      'gen_ai.input.messages': [
        { kvlist: { role: 'user', parts: [{ kvlist: { type: 'text', content: 'Weather in Paris?' } }] } },
        {
          kvlist: {
            role: 'assistant',
            parts: [
              {
                kvlist: {
                  type: 'tool_call',
                  id: 'call_1',
                  name: 'get_weather',
                  arguments: { kvlist: { city: 'Paris', days: { int: 3n } } },
                },
              },
            ],
          },
        },
      ],
      'gen_ai.system_instructions': [{ kvlist: { type: 'text', content: 'Be brief.' } }],
    };
    const f = extractGenAi(structured, []);
    expect(f.inputMessages).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'Weather in Paris?' }] },
      { role: 'assistant', parts: [{ type: 'tool_call', id: 'call_1', name: 'get_weather', arguments: { city: 'Paris', days: 3 } }] },
    ]);
    expect(f.systemInstructions).toEqual([{ type: 'text', content: 'Be brief.' }]);
  });

  it('keeps every part type with its fields', () => {
    const parts = [
      { type: 'blob', modality: 'image', mime_type: 'image/png', content: 'iVBORw0KGgo=' },
      { type: 'uri', modality: 'image', uri: 'https://example.com/cat.png' },
      { type: 'file', modality: 'document', file_id: 'file-123' },
      { type: 'server_tool_call', id: 'st1', name: 'web_search', server_tool_call: { type: 'web_search', query: 'x' } },
      { type: 'custom_thing', payload: { a: 1 } },
    ];
    const f = extractGenAi({ 'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts }]) }, []);
    expect(f.inputMessages).toEqual([{ role: 'user', parts }]);
  });

  it('keeps bad JSON as one raw text part, without throwing', () => {
    const f = extractGenAi(
      { 'gen_ai.input.messages': '[{"role": "user", "parts": [', 'gen_ai.output.messages': 'just text' },
      [],
    );
    expect(f.inputMessages).toEqual([{ role: 'user', parts: [{ type: 'text', content: '[{"role": "user", "parts": [' }] }]);
    expect(f.outputMessages).toEqual([{ role: 'assistant', parts: [{ type: 'text', content: 'just text' }] }]);
  });

  it('reads the content from the inference details event; span attributes win', () => {
    const details = ev('gen_ai.client.inference.operation.details', {
      'gen_ai.input.messages': [{ kvlist: { role: 'user', parts: [{ kvlist: { type: 'text', content: 'from event' } }] } }],
      'gen_ai.output.messages': JSON.stringify(currentOutput),
      'gen_ai.system_instructions': [{ kvlist: { type: 'text', content: 'event instructions' } }],
    });
    const f = extractGenAi({ 'gen_ai.operation.name': 'chat' }, [details]);
    expect(f.inputMessages).toEqual([{ role: 'user', parts: [{ type: 'text', content: 'from event' }] }]);
    expect(f.outputMessages).toEqual(expectedOutput);
    expect(f.systemInstructions).toEqual([{ type: 'text', content: 'event instructions' }]);
    const both = extractGenAi(
      { 'gen_ai.input.messages': '[{"role":"user","parts":[{"type":"text","content":"from span"}]}]' },
      [details],
    );
    expect(both.inputMessages).toEqual([{ role: 'user', parts: [{ type: 'text', content: 'from span' }] }]);
  });
});

describe('deprecated per-message events', () => {
  it('maps system/user/assistant/tool message events and gen_ai.choice', () => {
    const f = extractGenAi({ 'gen_ai.system': 'openai' }, [
      ev('gen_ai.system.message', { content: 'Be brief.' }),
      ev('gen_ai.user.message', { content: 'Weather?' }),
      ev('gen_ai.assistant.message', {
        tool_calls: [{ kvlist: { id: 'c1', type: 'function', function: { kvlist: { name: 'wx', arguments: '{"city":"Paris"}' } } } }],
      }),
      ev('gen_ai.tool.message', { content: 'rainy', id: 'c1' }),
      ev('gen_ai.user.message', { role: 'developer', content: 'override role' }),
      ev('gen_ai.choice', {
        index: { int: 0n },
        finish_reason: 'stop',
        message: { kvlist: { role: 'assistant', content: 'Rainy.', reasoning_content: 'Tool said so.' } },
      }),
    ]);
    expect(f.inputMessages).toEqual([
      { role: 'system', parts: [{ type: 'text', content: 'Be brief.' }] },
      { role: 'user', parts: [{ type: 'text', content: 'Weather?' }] },
      { role: 'assistant', parts: [{ type: 'tool_call', id: 'c1', name: 'wx', arguments: '{"city":"Paris"}' }] },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: 'c1', response: 'rainy' }] },
      { role: 'developer', parts: [{ type: 'text', content: 'override role' }] },
    ]);
    expect(f.outputMessages).toEqual([
      {
        role: 'assistant',
        parts: [
          { type: 'reasoning', content: 'Tool said so.' },
          { type: 'text', content: 'Rainy.' },
        ],
        finishReason: 'stop',
      },
    ]);
    expect(f.finishReasons).toEqual(['stop']);
  });

  it('reads the obsolete gen_ai.content.prompt / completion events', () => {
    const f = extractGenAi({ 'gen_ai.system': 'openai' }, [
      ev('gen_ai.content.prompt', { 'gen_ai.prompt': '[{"role":"user","content":"hi"}]' }),
      ev('gen_ai.content.completion', { 'gen_ai.completion': 'hello!' }),
    ]);
    expect(f.inputMessages).toEqual([{ role: 'user', parts: [{ type: 'text', content: 'hi' }] }]);
    expect(f.outputMessages).toEqual([{ role: 'assistant', parts: [{ type: 'text', content: 'hello!' }] }]);
  });
});

describe('indexed legacy attributes', () => {
  it('orders by numeric index (10 after 9) and reads tool calls, finish reasons and reasoning', () => {
    const attrs: Attributes = { 'gen_ai.system': 'openai', 'gen_ai.prompt.name': 'mcp-prompt' };
    for (let i = 11; i >= 0; i--) {
      attrs[`gen_ai.prompt.${i}.role`] = i === 0 ? 'system' : 'user';
      attrs[`gen_ai.prompt.${i}.content`] = `m${i}`;
    }
    attrs['gen_ai.completion.0.role'] = 'assistant';
    attrs['gen_ai.completion.0.finish_reason'] = 'tool_calls';
    attrs['gen_ai.completion.0.reasoning_content'] = 'need weather';
    attrs['gen_ai.completion.0.tool_calls.1.name'] = 'second';
    attrs['gen_ai.completion.0.tool_calls.0.id'] = 'call_a';
    attrs['gen_ai.completion.0.tool_calls.0.name'] = 'get_weather';
    attrs['gen_ai.completion.0.tool_calls.0.arguments'] = '{"city":"Paris"}';
    const f = extractGenAi(attrs, []);
    expect(f.inputMessages.map((m) => m.parts[0]?.content)).toEqual(
      ['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9', 'm10', 'm11'],
    );
    expect(f.inputMessages[0]).toEqual({ role: 'system', parts: [{ type: 'text', content: 'm0' }] });
    expect(f.outputMessages).toEqual([
      {
        role: 'assistant',
        parts: [
          { type: 'reasoning', content: 'need weather' },
          { type: 'tool_call', id: 'call_a', name: 'get_weather', arguments: '{"city":"Paris"}' },
          { type: 'tool_call', name: 'second' },
        ],
        finishReason: 'tool_calls',
      },
    ]);
    expect(f.finishReasons).toEqual(['tool_calls']);
  });

  it('reads multimodal content given as a JSON list of parts', () => {
    const f = extractGenAi(
      {
        'gen_ai.prompt.0.role': 'user',
        'gen_ai.prompt.0.content': '[{"type":"text","text":"What is this?"},{"type":"image_url","image_url":{"url":"https://x/y.png"}}]',
        'gen_ai.prompt.1.content': '[not json',
      },
      [],
    );
    expect(f.inputMessages).toEqual([
      {
        role: 'user',
        parts: [
          { type: 'text', content: 'What is this?' },
          { type: 'image_url', image_url: { url: 'https://x/y.png' } },
        ],
      },
      { role: 'user', parts: [{ type: 'text', content: '[not json' }] },
    ]);
  });

  it('reads plain gen_ai.prompt / gen_ai.completion as JSON messages or raw text', () => {
    const f = extractGenAi(
      { 'gen_ai.prompt': '[{"role":"user","content":"2+2?"}]', 'gen_ai.completion': '4, with reasoning_content aside' },
      [],
    );
    expect(f.inputMessages).toEqual([{ role: 'user', parts: [{ type: 'text', content: '2+2?' }] }]);
    expect(f.outputMessages).toEqual([{ role: 'assistant', parts: [{ type: 'text', content: '4, with reasoning_content aside' }] }]);
    const raw = extractGenAi({ 'gen_ai.prompt': 'Tell me a joke' }, []);
    expect(raw.inputMessages).toEqual([{ role: 'user', parts: [{ type: 'text', content: 'Tell me a joke' }] }]);
  });

  it('maps reasoning_content in chat-completions style messages to a reasoning part', () => {
    const f = extractGenAi(
      { 'gen_ai.completion': '[{"role":"assistant","reasoning_content":"think","content":"answer","finish_reason":"stop"}]' },
      [],
    );
    expect(f.outputMessages).toEqual([
      { role: 'assistant', parts: [{ type: 'reasoning', content: 'think' }, { type: 'text', content: 'answer' }], finishReason: 'stop' },
    ]);
  });
});

describe('OpenInference content', () => {
  it('reads llm.input_messages / llm.output_messages with contents and tool calls', () => {
    const f = extractGenAi(
      {
        'openinference.span.kind': 'LLM',
        'llm.model_name': 'gpt-4o-mini',
        'llm.input_messages.0.message.role': 'system',
        'llm.input_messages.0.message.content': 'Be brief.',
        'llm.input_messages.1.message.role': 'user',
        'llm.input_messages.1.message.contents.0.message_content.type': 'text',
        'llm.input_messages.1.message.contents.0.message_content.text': 'What is in this image?',
        'llm.input_messages.1.message.contents.1.message_content.type': 'image',
        'llm.input_messages.1.message.contents.1.message_content.image.image.url': 'https://x/cat.png',
        'llm.output_messages.0.message.role': 'assistant',
        'llm.output_messages.0.message.tool_calls.0.tool_call.id': 'call_9',
        'llm.output_messages.0.message.tool_calls.0.tool_call.function.name': 'describe',
        'llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments': '{}',
        'input.value': 'ignored: indexed messages win',
      },
      [],
    );
    expect(f.operation).toBe('chat');
    expect(f.requestModel).toBe('gpt-4o-mini');
    expect(f.inputMessages).toEqual([
      { role: 'system', parts: [{ type: 'text', content: 'Be brief.' }] },
      {
        role: 'user',
        parts: [
          { type: 'text', content: 'What is in this image?' },
          { type: 'uri', modality: 'image', uri: 'https://x/cat.png' },
        ],
      },
    ]);
    expect(f.outputMessages).toEqual([
      { role: 'assistant', parts: [{ type: 'tool_call', id: 'call_9', name: 'describe', arguments: '{}' }] },
    ]);
  });

  it('falls back to input.value / output.value', () => {
    const f = extractGenAi(
      {
        'openinference.span.kind': 'CHAIN',
        'input.value': '{"messages":[{"role":"user","content":"hi"}],"temperature":0}',
        'output.value': 'hello there',
      },
      [],
    );
    expect(f.operation).toBeNull();
    expect(f.inputMessages).toEqual([{ role: 'user', parts: [{ type: 'text', content: 'hi' }] }]);
    expect(f.outputMessages).toEqual([{ role: 'assistant', parts: [{ type: 'text', content: 'hello there' }] }]);
    const retriever = extractGenAi({ 'openinference.span.kind': 'RETRIEVER', 'input.value': '[{"query":"capital of France"}]' }, []);
    expect(retriever.operation).toBe('retrieval');
    expect(retriever.inputMessages).toEqual([{ role: 'user', parts: [{ type: 'text', content: '[{"query":"capital of France"}]' }] }]);
    const notOi = extractGenAi({ 'gen_ai.operation.name': 'chat', 'input.value': 'x' }, []);
    expect(notOi.inputMessages).toEqual([]);
  });
});

describe('content option', () => {
  it('skips content parsing with content: false, keeping the other fields', () => {
    const attrs: Attributes = {
      'gen_ai.request.model': 'm',
      'gen_ai.input.messages': JSON.stringify(currentInput),
      'gen_ai.output.messages': JSON.stringify(currentOutput),
      'gen_ai.system_instructions': 'Be brief.',
    };
    const f = extractGenAi(attrs, [], { content: false });
    expect(f.requestModel).toBe('m');
    expect([f.inputMessages, f.outputMessages, f.systemInstructions, f.finishReasons]).toEqual([[], [], [], []]);
    expect(extractGenAi(attrs, [], { content: true }).systemInstructions).toEqual([{ type: 'text', content: 'Be brief.' }]);
  });
});
