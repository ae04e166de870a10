/**
 * Deterministic, realistic GenAI trace payloads for the benchmarks.
 *
 * One request holds one resource (service.name, host.name, ...) and one instrumentation scope
 * with `spans` LLM-call spans grouped into traces of a few spans each. Every span carries about
 * fifteen gen_ai.* attributes (strings, ints, doubles, a string array) and one or two events
 * whose content attribute is a long JSON message string. The same seed gives the same request.
 */
import { encodeTraceRequestWithProtobufjs } from '../src/receivers/otlp/encode-protobufjs.js';
import type { AnyValue, Attributes, ExportTraceRequest, OtlpSpan, SpanEvent } from '../src/receivers/otlp/types.js';
import { mulberry32 } from '../src/calibration/random.js';

/** Options of the generator. */
export interface GenAiPayloadOptions {
  /** Number of spans in the request. */
  spans: number;
  /** PRNG seed: equal seeds give equal requests. */
  seed: number;
  /** Share of spans (0-1) that carry prompt/completion message events; default 1 (all). */
  contentShare?: number;
}

const prng = mulberry32;

const MODELS = [
  ['gpt-4o-mini', 'gpt-4o-mini-2024-07-18', 'openai', 'api.openai.com'],
  ['gpt-4o', 'gpt-4o-2024-08-06', 'openai', 'api.openai.com'],
  ['claude-3-5-sonnet', 'claude-3-5-sonnet-20241022', 'anthropic', 'api.anthropic.com'],
  ['llama-3.1-70b-instruct', 'meta-llama/Llama-3.1-70B-Instruct', 'vllm', 'vllm.internal'],
] as const;
const OPERATIONS = ['chat', 'chat', 'chat', 'text_completion', 'embeddings'] as const;
const WORDS = 'the a model token answer user question system context retrieval document summary latency cost reason step plan tool call result error retry cache vector search'.split(' ');

function hex(rand: () => number, bytes: number): string {
  let s = '';
  for (let i = 0; i < bytes; i++) s += Math.floor(rand() * 256).toString(16).padStart(2, '0');
  return s;
}

function sentence(rand: () => number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(WORDS[Math.floor(rand() * WORDS.length)]);
  return out.join(' ');
}

function int(v: number): AnyValue {
  return { int: BigInt(v) };
}

function messageEvent(rand: () => number, name: string, role: string, at: bigint): SpanEvent {
  const content = JSON.stringify({
    role,
    content: sentence(rand, 80 + Math.floor(rand() * 220)),
    ...(role === 'assistant' ? { finish_reason: 'stop', index: 0 } : {}),
  });
  return { timeUnixNano: at, name, attributes: { 'gen_ai.system': 'openai', 'gen_ai.event.content': content }, droppedAttributesCount: 0 };
}

function genAiSpan(rand: () => number, traceId: string, parentSpanId: string, start: bigint): OtlpSpan {
  const [model, responseModel, provider, host] = MODELS[Math.floor(rand() * MODELS.length)];
  const operation = OPERATIONS[Math.floor(rand() * OPERATIONS.length)];
  const inputTokens = 50 + Math.floor(rand() * 4000);
  const outputTokens = Math.floor(rand() * 1500);
  const durationNs = BigInt(Math.floor((0.2 + rand() * 8) * 1e9));
  const attributes: Attributes = {
    'gen_ai.operation.name': operation,
    'gen_ai.provider.name': provider,
    'gen_ai.request.model': model,
    'gen_ai.response.model': responseModel,
    'gen_ai.request.temperature': Math.round(rand() * 100) / 100,
    'gen_ai.request.top_p': 0.9 + Math.round(rand() * 10) / 100,
    'gen_ai.request.max_tokens': int(256 * (1 + Math.floor(rand() * 16))),
    'gen_ai.request.frequency_penalty': Math.round(rand() * 20) / 10,
    'gen_ai.request.seed': int(Math.floor(rand() * 1e6)),
    'gen_ai.usage.input_tokens': int(inputTokens),
    'gen_ai.usage.output_tokens': int(outputTokens),
    'gen_ai.response.id': `chatcmpl-${hex(rand, 12)}`,
    'gen_ai.response.finish_reasons': [rand() < 0.9 ? 'stop' : 'length'],
    'gen_ai.conversation.id': `conv_${hex(rand, 8)}`,
    'gen_ai.output.type': 'text',
    'server.address': host,
    'server.port': int(443),
  };
  const events: SpanEvent[] = [messageEvent(rand, 'gen_ai.user.message', 'user', start)];
  if (rand() < 0.6) events.push(messageEvent(rand, 'gen_ai.choice', 'assistant', start + durationNs));
  const failed = rand() < 0.03;
  return {
    traceId,
    spanId: hex(rand, 8),
    traceState: '',
    parentSpanId,
    flags: 0x101,
    name: `${operation} ${model}`,
    kind: 3,
    startTimeUnixNano: start,
    endTimeUnixNano: start + durationNs,
    attributes,
    droppedAttributesCount: 0,
    events,
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: failed ? { code: 2, message: 'rate limited (429)' } : { code: 0, message: '' },
  };
}

/** A GenAI ExportTraceRequest in the decoded form of `types.ts` (what both decoders return for its bytes). */
export function makeTraceRequest(opts: GenAiPayloadOptions): ExportTraceRequest {
  const rand = prng(opts.seed);
  const spans: OtlpSpan[] = [];
  let start = 1_735_689_600_000_000_000n + BigInt(Math.floor(rand() * 1e15));
  let traceId = '';
  let rootId = '';
  for (let i = 0; i < opts.spans; i++) {
    const newTrace = i % 5 === 0;
    if (newTrace) traceId = hex(rand, 16);
    const span = genAiSpan(rand, traceId, newTrace ? '' : rootId, start);
    if ((i % 100) >= Math.round((opts.contentShare ?? 1) * 100)) span.events = [];
    if (newTrace) rootId = span.spanId;
    spans.push(span);
    start += BigInt(Math.floor(rand() * 5e8));
  }
  return {
    resourceSpans: [
      {
        resource: {
          attributes: {
            'service.name': `genai-gateway-${opts.seed % 7}`,
            'service.version': '2.4.1',
            'host.name': `ip-10-0-${opts.seed % 250}-17.ec2.internal`,
            'deployment.environment.name': 'production',
            'telemetry.sdk.language': 'python',
          },
          droppedAttributesCount: 0,
        },
        scopeSpans: [
          {
            scope: { name: 'opentelemetry.instrumentation.openai_v2', version: '2.1b0', attributes: {}, droppedAttributesCount: 0 },
            spans,
            schemaUrl: 'https://opentelemetry.io/schemas/1.28.0',
          },
        ],
        schemaUrl: 'https://opentelemetry.io/schemas/1.28.0',
      },
    ],
  };
}

/** The same request as protobuf bytes (ExportTraceServiceRequest), encoded with protobufjs. */
export function makeTraceRequestBytes(opts: GenAiPayloadOptions): Uint8Array {
  return encodeTraceRequestWithProtobufjs(makeTraceRequest(opts));
}

function jsonValue(v: AnyValue): Record<string, unknown> {
  if (v === null) return {};
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return { doubleValue: v };
  if (v instanceof Uint8Array) return { bytesValue: Buffer.from(v).toString('base64') };
  if (Array.isArray(v)) return { arrayValue: { values: v.map(jsonValue) } };
  if ('int' in v) return { intValue: v.int.toString() };
  return { kvlistValue: { values: jsonAttributes(v.kvlist) } };
}

function jsonAttributes(attrs: Attributes): Record<string, unknown>[] {
  return Object.entries(attrs).map(([key, value]) => ({ key, value: jsonValue(value) }));
}

/** The same request as OTLP/JSON text. */
export function makeTraceRequestJson(opts: GenAiPayloadOptions): string {
  const req = makeTraceRequest(opts);
  return JSON.stringify({
    resourceSpans: req.resourceSpans.map((rs) => ({
      resource: { attributes: jsonAttributes(rs.resource.attributes) },
      scopeSpans: rs.scopeSpans.map((ss) => ({
        scope: { name: ss.scope.name, version: ss.scope.version },
        schemaUrl: ss.schemaUrl,
        spans: ss.spans.map((s) => ({
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId,
          flags: s.flags,
          name: s.name,
          kind: s.kind,
          startTimeUnixNano: s.startTimeUnixNano.toString(),
          endTimeUnixNano: s.endTimeUnixNano.toString(),
          attributes: jsonAttributes(s.attributes),
          events: s.events.map((e) => ({ timeUnixNano: e.timeUnixNano.toString(), name: e.name, attributes: jsonAttributes(e.attributes) })),
          status: s.status.code === 0 ? {} : { code: s.status.code, message: s.status.message },
        })),
      })),
      schemaUrl: rs.schemaUrl,
    })),
  });
}
