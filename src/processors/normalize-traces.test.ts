import { describe, expect, it } from 'vitest';
import type { Attributes, ExportTraceRequest, OtlpSpan, Scope } from '../receivers/otlp/types.js';
import { entityId } from '../model/entity.js';
import { normalizeTraces } from './index.js';

function span(name: string, attributes: Attributes, over: Partial<OtlpSpan> = {}): OtlpSpan {
  return {
    traceId: '5b8efff798038103d269b633813fc60c',
    spanId: 'eee19b7ec3c1b174',
    traceState: '',
    parentSpanId: '',
    flags: 1,
    name,
    kind: 3,
    startTimeUnixNano: 1544712660000000000n,
    endTimeUnixNano: 1544712661000000000n,
    attributes,
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: 0, message: '' },
    ...over,
  };
}

const scope = (name: string): Scope => ({ name, version: '1.0.0', attributes: { 'my.scope.attribute': 'x' }, droppedAttributesCount: 0 });

describe('normalizeTraces', () => {
  it('keeps every attribute, event, link, scope and resource intact', () => {
    const attributes: Attributes = {
      'gen_ai.system': 'openai',
      'gen_ai.provider.name': 'openai',
      'gen_ai.usage.prompt_tokens': { int: 12n },
      'gen_ai.input.messages': '[{"role":"user","parts":[{"type":"text","content":"hi"}]}]',
      'bytes.attr': new Uint8Array([1, 2, 3]),
      'nested': { kvlist: { a: [1, 'b', null] } },
    };
    const events = [{ timeUnixNano: 5n, name: 'gen_ai.user.message', attributes: { content: 'old' }, droppedAttributesCount: 1 }];
    const links = [{ traceId: 'aa', spanId: 'bb', traceState: 'k=v', attributes: { l: true }, droppedAttributesCount: 0, flags: 0 }];
    const input = span('chat gpt-4o', attributes, {
      events,
      links,
      droppedAttributesCount: 2,
      droppedEventsCount: 3,
      droppedLinksCount: 4,
      status: { code: 2, message: 'boom' },
      parentSpanId: '0102030405060708',
      traceState: 'a=b',
    });
    const snapshot = structuredClone(input);
    const resource = { 'service.name': 'checkout', 'telemetry.sdk.language': 'python' };
    const sc = scope('openai.instrumentation');
    const req: ExportTraceRequest = {
      resourceSpans: [{ resource: { attributes: resource, droppedAttributesCount: 0 }, schemaUrl: 'https://opentelemetry.io/schemas/1.37.0', scopeSpans: [{ scope: sc, spans: [input], schemaUrl: '' }] }],
    };
    const [rec] = normalizeTraces(req);
    expect(rec).toMatchObject({
      traceId: '5b8efff798038103d269b633813fc60c',
      spanId: 'eee19b7ec3c1b174',
      parentSpanId: '0102030405060708',
      traceState: 'a=b',
      flags: 1,
      name: 'chat gpt-4o',
      kind: 3,
      startTimeUnixNano: 1544712660000000000n,
      endTimeUnixNano: 1544712661000000000n,
      statusCode: 2,
      statusMessage: 'boom',
      service: 'checkout',
      resourceSchemaUrl: 'https://opentelemetry.io/schemas/1.37.0',
      droppedAttributesCount: 2,
      droppedEventsCount: 3,
      droppedLinksCount: 4,
    });
    // Same content as received (aliased keys not removed), and the input was not modified.
    expect(rec!.attributes).toEqual(snapshot.attributes);
    expect(rec!.events).toEqual(snapshot.events);
    expect(rec!.links).toEqual(snapshot.links);
    expect(input).toEqual(snapshot);
    expect(rec!.resource).toEqual({ 'service.name': 'checkout', 'telemetry.sdk.language': 'python' });
    expect(rec!.scope).toEqual({ name: 'openai.instrumentation', version: '1.0.0', attributes: { 'my.scope.attribute': 'x' }, droppedAttributesCount: 0 });
    expect(rec!.genai.provider).toBe('openai');
    expect(rec!.genai.inputTokens).toBe(12);
    // The current-convention attribute wins over the deprecated event.
    expect(rec!.genai.inputMessages).toEqual([{ role: 'user', parts: [{ type: 'text', content: 'hi' }] }]);
  });

  it('flattens resources and scopes in order and shares resource-level work', () => {
    const res = { attributes: { 'service.name': 'svc', 'host.name': 'h' }, droppedAttributesCount: 0 };
    const req: ExportTraceRequest = {
      resourceSpans: [
        {
          resource: res,
          schemaUrl: '',
          scopeSpans: [
            { scope: scope('a'), spans: [span('GET /', { 'http.route': '/' }), span('SELECT', { 'db.system': 'pg' })], schemaUrl: '' },
            { scope: scope('b'), spans: [span('chat m', { 'gen_ai.request.model': 'm', 'server.address': 'llm', 'server.port': 8000 })], schemaUrl: '' },
          ],
        },
        { resource: { attributes: {}, droppedAttributesCount: 0 }, schemaUrl: '', scopeSpans: [{ scope: scope('c'), spans: [span('x', {})], schemaUrl: '' }] },
      ],
    };
    const recs = normalizeTraces(req);
    expect(recs.map((r) => [r.name, r.scope.name, r.service])).toEqual([
      ['GET /', 'a', 'svc'],
      ['SELECT', 'a', 'svc'],
      ['chat m', 'b', 'svc'],
      ['x', 'c', ''],
    ]);
    expect(recs[0]!.entities).toBe(recs[1]!.entities);
    expect(recs[0]!.entities.refs.map(entityId)).toEqual(['service:svc', 'host:h']);
    expect(recs[2]!.entities.refs.map(entityId)).toEqual(['service:svc', 'host:h', 'model:m', 'replica:llm:8000']);
    expect(recs[3]!.entities).toEqual({ refs: [], edges: [] });
    expect(recs[0]!.genai.operation).toBeNull();
    expect(recs[2]!.genai.requestModel).toBe('m');
  });

  it('normalises a vLLM llm_request span', () => {
    const req: ExportTraceRequest = {
      resourceSpans: [
        {
          resource: { attributes: { 'service.name': 'vllm.llm', 'host.name': 'gpu-1', 'gpu.uuid': 'GPU-1' }, droppedAttributesCount: 0 },
          schemaUrl: '',
          scopeSpans: [
            {
              scope: scope('vllm.llm_engine'),
              schemaUrl: '',
              spans: [
                span('llm_request', {
                  'gen_ai.response.model': 'Qwen/Qwen2.5-7B-Instruct',
                  'gen_ai.request.id': 'chatcmpl-1',
                  'gen_ai.usage.prompt_tokens': { int: 21n },
                  'gen_ai.usage.completion_tokens': { int: 8n },
                  'gen_ai.latency.time_to_first_token': 0.031,
                  'gen_ai.latency.e2e': 0.2,
                  'gen_ai.latency.time_in_queue': 0.0004,
                }, { kind: 2 }),
              ],
            },
          ],
        },
      ],
    };
    const [rec] = normalizeTraces(req);
    expect(rec!.genai).toMatchObject({
      operation: null,
      responseModel: 'Qwen/Qwen2.5-7B-Instruct',
      inputTokens: 21,
      outputTokens: 8,
      timeToFirstTokenS: 0.031,
      latencies: { time_to_first_token: 0.031, e2e: 0.2, time_in_queue: 0.0004 },
    });
    expect(rec!.entities.refs.map(entityId)).toEqual([
      'service:vllm.llm',
      'host:gpu-1',
      'gpu:GPU-1',
      'model:Qwen/Qwen2.5-7B-Instruct',
      'replica:gpu-1',
    ]);
    expect(rec!.entities.edges.map((e) => `${entityId(e.from)} ${e.relation} ${entityId(e.to)}`)).toEqual([
      'host:gpu-1 has gpu:GPU-1',
      'replica:gpu-1 serves model:Qwen/Qwen2.5-7B-Instruct',
      'replica:gpu-1 runs_on host:gpu-1',
      'replica:gpu-1 uses gpu:GPU-1',
    ]);
  });
});
