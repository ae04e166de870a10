import { describe, expect, it } from 'vitest';
import type { SpanRecord } from '../model/span.js';
import { normalizeTraces } from '../processors/normalize-traces.js';
import type { Attributes, ExportTraceRequest } from '../receivers/otlp/types.js';
import { RequestCounter } from './request-counter.js';

const T0 = Date.UTC(2026, 11, 3, 14, 0, 0);
const ns = (ms: number): bigint => BigInt(ms) * 1_000_000n;

/** Spans through normalizeTraces, so their entities are derived as at ingest. */
function spans(resource: Attributes, list: { trace: string; atMs: number; kind: number; name: string; attributes: Attributes }[]): SpanRecord[] {
  const scope = { name: 's', version: '', attributes: {}, droppedAttributesCount: 0 };
  const req: ExportTraceRequest = {
    resourceSpans: [
      {
        resource: { attributes: resource, droppedAttributesCount: 0 },
        schemaUrl: '',
        scopeSpans: [
          {
            scope,
            schemaUrl: '',
            spans: list.map((s, i) => ({
              traceId: s.trace.padStart(32, '0'),
              spanId: `${i + 1}`.padStart(16, '0'),
              traceState: '',
              parentSpanId: '',
              flags: 1,
              name: s.name,
              kind: s.kind,
              startTimeUnixNano: ns(s.atMs),
              endTimeUnixNano: ns(s.atMs + 500),
              attributes: s.attributes,
              droppedAttributesCount: 0,
              events: [],
              droppedEventsCount: 0,
              links: [],
              droppedLinksCount: 0,
              status: { code: 0, message: '' },
            })),
          },
        ],
      },
    ],
  };
  return normalizeTraces(req, { confidence: null });
}

/** What the gateway records: a client span naming the upstream replica. */
function gateway(trace: string, atMs: number, port = 8001, model = 'llama'): SpanRecord[] {
  return spans({ 'service.name': 'strata-gateway' }, [
    { trace, atMs, kind: 3, name: `chat ${model}`, attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': model, 'server.address': 'node-1', 'server.port': { int: BigInt(port) } } },
  ]);
}

/** What the replica itself sends: vLLM's llm_request span, keyed by its service.instance.id. */
function engine(trace: string, atMs: number, instance = 'node-1:8001', model = 'llama'): SpanRecord[] {
  return spans({ 'service.name': 'vllm', 'service.instance.id': instance, 'host.name': 'node-1' }, [
    { trace, atMs, kind: 2, name: 'llm_request', attributes: { 'gen_ai.response.model': model, 'gen_ai.usage.prompt_tokens': { int: 10n } } },
  ]);
}

describe('RequestCounter', () => {
  it('counts requests per replica and model per bucket, once when both the gateway and the engine report them', () => {
    const c = new RequestCounter({ bucketMs: 10_000 });
    const both = [...gateway('a', T0 + 1000), ...engine('a', T0 + 1200), ...gateway('b', T0 + 2000), ...engine('b', T0 + 2100)];
    expect(both.map((s) => s.entities.refs.find((r) => r.kind === 'replica')?.key)).toEqual(['node-1:8001', 'node-1:8001', 'node-1:8001', 'node-1:8001']);
    c.onSpans(both);
    c.onSpans(gateway('c', T0 + 15_000));
    c.onSpans(gateway('d', T0 + 25_000, 8002, 'qwen'));
    expect(c.count('replica:node-1:8001', T0, T0 + 9_999)).toBe(2);
    expect(c.count('replica:node-1:8001', T0, T0 + 60_000)).toBe(3);
    expect(c.count('replica:node-1:8002', T0, T0 + 60_000)).toBe(1);
    expect(c.count('model:llama', T0, T0 + 60_000)).toBe(3);
    expect(c.count('model:qwen', T0 + 20_000, T0 + 29_999)).toBe(1);
    expect(c.countAll(['replica:node-1:8001', 'replica:node-1:8002', 'replica:node-1:8002'], T0, T0 + 60_000)).toBe(4);
    expect(c.total(T0, T0 + 60_000)).toBe(4);
    expect(c.count('replica:nowhere', T0, T0 + 60_000)).toBe(0);
  });

  it('ignores spans that are not inference (no replica, no model)', () => {
    const c = new RequestCounter();
    c.onSpans(spans({ 'service.name': 'app' }, [{ trace: 'x', atMs: T0, kind: 1, name: 'handler', attributes: {} }]));
    expect(c.total(T0 - 60_000, T0 + 60_000)).toBe(0);
  });

  it('drops buckets past the retention behind the newest span', () => {
    const c = new RequestCounter({ bucketMs: 1000, retentionMs: 60_000 });
    c.onSpans(gateway('old', T0));
    expect(c.count('replica:node-1:8001', T0, T0)).toBe(1);
    c.onSpans(gateway('new', T0 + 120_000));
    expect(c.count('replica:node-1:8001', T0, T0)).toBe(0);
    expect(c.total(T0, T0)).toBe(0);
    expect(c.count('replica:node-1:8001', T0, T0 + 120_000)).toBe(1);
  });

  it('sums a long range over a sparse series the same as a short one', () => {
    const c = new RequestCounter({ bucketMs: 1000 });
    c.onSpans([...gateway('p', T0 + 500), ...gateway('q', T0 + 3_600_000)]);
    expect(c.count('replica:node-1:8001', T0 - 86_400_000, T0 + 86_400_000)).toBe(2);
    expect(c.count('replica:node-1:8001', T0, T0 + 1000)).toBe(1);
  });
});
