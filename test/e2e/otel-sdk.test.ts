/**
 * The official OpenTelemetry JS SDK sends GenAI spans to a running Strata through each of the three
 * OTLP trace exporters (HTTP/protobuf, HTTP/JSON, gRPC, plus protobuf and gRPC with gzip); the spans
 * are read back through the query API with every field intact, and the trace-list filters and
 * pagination are checked on them.
 *
 * One in-process Strata (one chDB data directory) serves the whole file.
 */
import { context, SpanKind, SpanStatusCode, trace, type Attributes, type HrTime, type Span } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { Strata, type StrataPorts } from '../../src/strata.js';
import { tempDir } from '../helpers/cli.js';
import { getJson, getOk } from '../helpers/http.js';
import { pollUntil } from '../helpers/poll.js';

const RUN = randomBytes(3).toString('hex');
const SCOPE = { name: 'strata-e2e-sdk', version: '1.2.3' };

let strata: Strata;
let ports: StrataPorts;
let api: string;
let cleanup: () => void;
const serverLog: string[] = [];

beforeAll(async () => {
  const tmp = tempDir('strata-e2e-sdk-');
  cleanup = tmp.cleanup;
  const config = loadConfig({
    env: {},
    flags: { 'data-dir': tmp.dir, port: '0', 'otlp-http-port': '0', 'otlp-grpc-port': '0', 'gateway-port': '0', 'retention-days': '0' },
  });
  strata = new Strata(config, (m) => serverLog.push(m));
  ports = await strata.start();
  api = `http://127.0.0.1:${ports.api}`;
});

afterAll(async () => {
  await strata?.stop();
  cleanup?.();
});

// ------------------------------------------------------------------ helpers

const NS = 1_000_000_000n;
const hr = (ns: bigint): HrTime => [Number(ns / NS), Number(ns % NS)];
const hrNs = (t: HrTime): string => (BigInt(t[0]) * NS + BigInt(t[1])).toString();
const KINDS = ['internal', 'server', 'client', 'producer', 'consumer'];

/** Wraps an exporter to keep what the SDK exported and the result of every export call. */
class CapturingExporter implements SpanExporter {
  readonly spans: ReadableSpan[] = [];
  readonly results: ExportResult[] = [];
  constructor(private readonly inner: SpanExporter) {}
  export(spans: ReadableSpan[], done: (r: ExportResult) => void): void {
    this.spans.push(...spans);
    this.inner.export(spans, (r) => {
      this.results.push(r);
      done(r);
    });
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

type ExporterKind = 'proto' | 'json' | 'grpc' | 'proto-gzip' | 'grpc-gzip';
type Compression = NonNullable<NonNullable<ConstructorParameters<typeof ProtoExporter>[0]>['compression']>;
const GZIP = 'gzip' as Compression;

function makeExporter(kind: ExporterKind): SpanExporter {
  switch (kind) {
    case 'proto':
      return new ProtoExporter({ url: `http://127.0.0.1:${ports.otlpHttp}/v1/traces` });
    case 'proto-gzip':
      return new ProtoExporter({ url: `http://127.0.0.1:${ports.otlpHttp}/v1/traces`, compression: GZIP });
    case 'json':
      return new JsonExporter({ url: `http://127.0.0.1:${ports.otlpHttp}/v1/traces` });
    case 'grpc':
      return new GrpcExporter({ url: `http://127.0.0.1:${ports.otlpGrpc}` });
    case 'grpc-gzip':
      return new GrpcExporter({ url: `http://127.0.0.1:${ports.otlpGrpc}`, compression: GZIP });
  }
}

function makeProvider(kind: ExporterKind, service: string): { provider: BasicTracerProvider; capture: CapturingExporter } {
  const capture = new CapturingExporter(makeExporter(kind));
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'service.instance.id': `instance-${kind}-${RUN}`, 'host.name': `host-${kind}.e2e` }),
    spanProcessors: [new BatchSpanProcessor(capture, { scheduledDelayMillis: 60_000, maxExportBatchSize: 512 })],
  });
  return { provider, capture };
}

async function flushAndCheck(provider: BasicTracerProvider, capture: CapturingExporter, spans: number): Promise<void> {
  await provider.forceFlush();
  expect(capture.spans).toHaveLength(spans);
  expect(capture.results.length).toBeGreaterThan(0);
  for (const r of capture.results) {
    expect(r.error?.message).toBeUndefined();
    expect(r.code).toBe(ExportResultCode.SUCCESS);
  }
}

/** What the API must return for a span, derived from what the SDK exported. */
function expectedFromSdk(s: ReadableSpan) {
  return {
    traceId: s.spanContext().traceId,
    spanId: s.spanContext().spanId,
    parentSpanId: s.parentSpanContext?.spanId ?? '',
    name: s.name,
    kind: KINDS[s.kind],
    startTimeUnixNano: hrNs(s.startTime),
    endTimeUnixNano: hrNs(s.endTime),
    status: { code: ['unset', 'ok', 'error'][s.status.code], message: s.status.message ?? '' },
    attributes: s.attributes,
    droppedAttributesCount: s.droppedAttributesCount,
    events: s.events.map((e) => ({ timeUnixNano: hrNs(e.time), name: e.name, attributes: e.attributes ?? {}, droppedAttributesCount: e.droppedAttributesCount ?? 0 })),
    droppedEventsCount: s.droppedEventsCount,
    links: s.links.map((l) => ({
      traceId: l.context.traceId,
      spanId: l.context.spanId,
      traceState: '',
      attributes: l.attributes ?? {},
      droppedAttributesCount: l.droppedAttributesCount ?? 0,
      flags: expect.any(Number),
    })),
    droppedLinksCount: s.droppedLinksCount,
    resource: { attributes: s.resource.attributes, schemaUrl: '' },
    scope: { name: s.instrumentationScope.name, version: s.instrumentationScope.version, attributes: {} },
  };
}

const INPUT_MESSAGES = [
  { role: 'system', parts: [{ type: 'text', content: 'You are a terse weather assistant.' }] },
  { role: 'user', parts: [{ type: 'text', content: 'What is the weather in Paris?' }] },
];
const OUTPUT_MESSAGES = [{ role: 'assistant', parts: [{ type: 'text', content: 'Sunny, mild.' }], finish_reason: 'stop' }];

interface Emitted {
  service: string;
  tenant: string;
  chat: { traceId: string; rootSpanId: string; childSpanId: string; startNs: bigint };
  embed: { traceId: string; spanId: string; startNs: bigint };
  capture: CapturingExporter;
}

/**
 * Emits, through `kind`'s exporter:
 * - a chat trace: CLIENT root `chat gpt-4o-mini` (1.5 s, GenAI attributes, an event) with an INTERNAL
 *   child `execute_tool get_weather` (200 ms, ERROR status, a recorded exception);
 * - an embeddings trace: one CLIENT span (20 ms, status OK, provider cohere) with a link to the chat root.
 */
async function emit(kind: ExporterKind, baseNs: bigint): Promise<Emitted> {
  const service = `e2e-sdk-${kind}-${RUN}`;
  const tenant = `tenant-${kind}-${RUN}`;
  const { provider, capture } = makeProvider(kind, service);
  const tracer = provider.getTracer(SCOPE.name, SCOPE.version);
  try {
    const chatStart = baseNs + 123_456_789n;
    const root = tracer.startSpan(
      'chat gpt-4o-mini',
      {
        kind: SpanKind.CLIENT,
        startTime: hr(chatStart),
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': 'openai',
          'gen_ai.request.model': 'gpt-4o-mini',
          'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
          'gen_ai.response.id': `chatcmpl-${kind}-${RUN}`,
          'gen_ai.usage.input_tokens': 42,
          'gen_ai.usage.output_tokens': 17,
          'gen_ai.request.temperature': 0.7,
          'gen_ai.request.max_tokens': 256,
          'gen_ai.request.stream': false,
          'gen_ai.response.finish_reasons': ['stop'],
          'gen_ai.input.messages': JSON.stringify(INPUT_MESSAGES),
          'gen_ai.output.messages': JSON.stringify(OUTPUT_MESSAGES),
          'acme.tenant': tenant,
          'acme.cache_hit': true,
          'acme.scores': [0.25, 0.5],
          'acme.retry_counts': [1, 2, 3],
        },
      },
      context.active(),
    );
    root.addEvent('acme.retry', { 'acme.attempt': 2, 'acme.reason': 'rate_limited', 'acme.backoff_s': 0.25, 'acme.final': false }, hr(chatStart + 50_000_000n));
    const child: Span = tracer.startSpan(
      'execute_tool get_weather',
      {
        kind: SpanKind.INTERNAL,
        startTime: hr(chatStart + 100_000_000n),
        attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'get_weather', 'acme.tenant': tenant },
      },
      trace.setSpan(context.active(), root),
    );
    child.recordException({ name: 'TimeoutError', message: 'tool timed out after 200ms' }, hr(chatStart + 299_000_000n));
    child.setStatus({ code: SpanStatusCode.ERROR, message: 'tool timed out' });
    child.end(hr(chatStart + 300_000_000n));
    root.end(hr(chatStart + 1_500_000_000n));

    const embedStart = baseNs + 5_000_000_000n;
    const embed = tracer.startSpan('embeddings embed-english-v3.0', {
      kind: SpanKind.CLIENT,
      startTime: hr(embedStart),
      root: true,
      links: [{ context: root.spanContext(), attributes: { 'acme.link.reason': 'same-conversation' } }],
      attributes: {
        'gen_ai.operation.name': 'embeddings',
        'gen_ai.provider.name': 'cohere',
        'gen_ai.request.model': 'embed-english-v3.0',
        'gen_ai.usage.input_tokens': 9,
        'acme.tenant': tenant,
      },
    });
    embed.setStatus({ code: SpanStatusCode.OK });
    embed.end(hr(embedStart + 20_000_000n));

    await flushAndCheck(provider, capture, 3);
    return {
      service,
      tenant,
      chat: { traceId: root.spanContext().traceId, rootSpanId: root.spanContext().spanId, childSpanId: child.spanContext().spanId, startNs: chatStart },
      embed: { traceId: embed.spanContext().traceId, spanId: embed.spanContext().spanId, startNs: embedStart },
      capture,
    };
  } finally {
    await provider.shutdown();
  }
}

async function traceIds(query: string): Promise<string[]> {
  const body = await getOk<{ traces: { traceId: string }[] }>(`${api}/api/traces?${query}`);
  return body.traces.map((t) => t.traceId);
}

// ------------------------------------------------------------------ tests

const EXPORTERS: ExporterKind[] = ['proto', 'json', 'grpc', 'proto-gzip', 'grpc-gzip'];

describe.each(EXPORTERS.map((k, i) => [k, i] as const))('OpenTelemetry JS SDK, %s exporter', (kind, index) => {
  let sent: Emitted;
  // Each exporter gets its own 20 s slot, 10 minutes ago.
  const baseNs = (BigInt(Date.now()) - 600_000n) * 1_000_000n + BigInt(index) * 20n * NS;

  beforeAll(async () => {
    sent = await emit(kind, baseNs);
  });

  it('lists the chat trace under ?service=&model= with its summary', async () => {
    const q = new URLSearchParams({ service: sent.service, model: 'gpt-4o-mini' });
    const body = await pollUntil(
      async () => {
        const b = await getOk<{ traces: any[]; next: string | null }>(`${api}/api/traces?${q}`);
        return b.traces.length > 0 ? b : undefined;
      },
      { timeoutMs: 10_000, what: `trace of ${sent.service} in /api/traces` },
    );
    expect(body.next).toBeNull();
    expect(body.traces).toHaveLength(1);
    expect(body.traces[0]).toEqual({
      traceId: sent.chat.traceId,
      rootName: 'chat gpt-4o-mini',
      rootService: sent.service,
      startTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/),
      startTimeUnixNano: sent.chat.startNs.toString(),
      durationMs: 1500,
      spanCount: 2,
      errorCount: 1,
      services: [sent.service],
      models: ['gpt-4o-mini-2024-07-18'],
      providers: ['openai'],
      inputTokens: 42,
      outputTokens: 17,
    });
    // RFC 3339 start time with all nine fraction digits
    const d = new Date(Number(sent.chat.startNs / 1_000_000n)).toISOString();
    expect(body.traces[0].startTime).toBe(`${d.slice(0, 19)}.${(sent.chat.startNs % NS).toString().padStart(9, '0')}Z`);
  });

  it('returns every span of the chat trace with all attributes, events, resource, status and GenAI fields', async () => {
    await pollUntil(async () => (await getJson(`${api}/api/traces/${sent.chat.traceId}`)).status === 200, { what: 'chat trace' });
    const body = await getOk<{ traceId: string; spans: any[] }>(`${api}/api/traces/${sent.chat.traceId}`);
    expect(body.traceId).toBe(sent.chat.traceId);
    expect(body.spans).toHaveLength(2);
    const [root, child] = body.spans; // oldest first
    const sdkRoot = sent.capture.spans.find((s) => s.spanContext().spanId === sent.chat.rootSpanId)!;
    const sdkChild = sent.capture.spans.find((s) => s.spanContext().spanId === sent.chat.childSpanId)!;

    // Everything the SDK exported, field by field.
    expect(root).toMatchObject(expectedFromSdk(sdkRoot));
    expect(child).toMatchObject(expectedFromSdk(sdkChild));

    // The same, spelled out, so a change in the SDK cannot hide a loss.
    expect(root.spanId).toBe(sent.chat.rootSpanId);
    expect(root.parentSpanId).toBe('');
    expect(child.parentSpanId).toBe(sent.chat.rootSpanId);
    expect(root.traceId).toBe(sent.chat.traceId);
    expect(child.traceId).toBe(sent.chat.traceId);
    expect(root.kind).toBe('client');
    expect(child.kind).toBe('internal');
    expect(root.name).toBe('chat gpt-4o-mini');
    expect(root.service).toBe(sent.service);
    expect(root.flags & 0xff).toBe(1); // sampled
    expect(root.startTimeUnixNano).toBe(sent.chat.startNs.toString());
    expect(root.endTimeUnixNano).toBe((sent.chat.startNs + 1_500_000_000n).toString());
    expect(root.durationMs).toBe(1500);
    expect(child.durationMs).toBe(200);
    expect(root.status).toEqual({ code: 'unset', message: '' });
    expect(child.status).toEqual({ code: 'error', message: 'tool timed out' });

    expect(root.attributes).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
      'gen_ai.response.id': `chatcmpl-${kind}-${RUN}`,
      'gen_ai.usage.input_tokens': 42,
      'gen_ai.usage.output_tokens': 17,
      'gen_ai.request.temperature': 0.7,
      'gen_ai.request.max_tokens': 256,
      'gen_ai.request.stream': false,
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.input.messages': JSON.stringify(INPUT_MESSAGES),
      'gen_ai.output.messages': JSON.stringify(OUTPUT_MESSAGES),
      'acme.tenant': sent.tenant,
      'acme.cache_hit': true,
      'acme.scores': [0.25, 0.5],
      'acme.retry_counts': [1, 2, 3],
    });
    expect(Number.isInteger(root.attributes['gen_ai.usage.input_tokens'])).toBe(true);
    expect(typeof root.attributes['gen_ai.request.stream']).toBe('boolean');

    expect(root.events).toEqual([
      {
        timeUnixNano: (sent.chat.startNs + 50_000_000n).toString(),
        name: 'acme.retry',
        attributes: { 'acme.attempt': 2, 'acme.reason': 'rate_limited', 'acme.backoff_s': 0.25, 'acme.final': false },
        droppedAttributesCount: 0,
      },
    ]);
    expect(child.events).toEqual([
      {
        timeUnixNano: (sent.chat.startNs + 299_000_000n).toString(),
        name: 'exception',
        attributes: { 'exception.type': 'TimeoutError', 'exception.message': 'tool timed out after 200ms' },
        droppedAttributesCount: 0,
      },
    ]);
    expect(root.links).toEqual([]);

    // BasicTracerProvider 2.x uses the given resource as is (no telemetry.sdk.* defaults merged in).
    expect(root.resource).toEqual({
      attributes: { 'service.name': sent.service, 'service.instance.id': `instance-${kind}-${RUN}`, 'host.name': `host-${kind}.e2e` },
      schemaUrl: '',
    });
    expect(child.resource).toEqual(root.resource);
    expect(root.scope).toEqual({ ...SCOPE, attributes: {} });
    expect(root.droppedAttributesCount).toBe(0);
    expect(root.droppedEventsCount).toBe(0);

    expect(root.genai).toMatchObject({
      operation: 'chat',
      provider: 'openai',
      requestModel: 'gpt-4o-mini',
      responseModel: 'gpt-4o-mini-2024-07-18',
      model: 'gpt-4o-mini-2024-07-18',
      responseId: `chatcmpl-${kind}-${RUN}`,
      inputTokens: 42,
      outputTokens: 17,
      finishReasons: ['stop'],
      temperature: 0.7,
      maxTokens: 256,
      stream: false,
      inputMessages: INPUT_MESSAGES,
      outputMessages: [{ role: 'assistant', parts: [{ type: 'text', content: 'Sunny, mild.' }], finishReason: 'stop' }],
    });
    expect(child.genai).toMatchObject({ operation: 'execute_tool', toolName: 'get_weather', model: null, inputTokens: null, finishReasons: [] });
  });

  it('returns the embeddings span with its link to the chat trace', async () => {
    await pollUntil(async () => (await getJson(`${api}/api/traces/${sent.embed.traceId}`)).status === 200, { what: 'embeddings trace' });
    const body = await getOk<{ spans: any[] }>(`${api}/api/traces/${sent.embed.traceId}`);
    expect(body.spans).toHaveLength(1);
    const [span] = body.spans;
    const sdk = sent.capture.spans.find((s) => s.spanContext().spanId === sent.embed.spanId)!;
    expect(span).toMatchObject(expectedFromSdk(sdk));
    expect(span.links).toEqual([
      {
        traceId: sent.chat.traceId,
        spanId: sent.chat.rootSpanId,
        traceState: '',
        attributes: { 'acme.link.reason': 'same-conversation' },
        droppedAttributesCount: 0,
        flags: expect.any(Number),
      },
    ]);
    expect(span.links[0].flags & 0xff).toBe(1);
    expect(span.status).toEqual({ code: 'ok', message: '' });
    expect(span.genai).toMatchObject({ operation: 'embeddings', provider: 'cohere', model: 'embed-english-v3.0', inputTokens: 9, outputTokens: null });
  });

  it('filters the trace list by provider, operation, status, min_duration, attributes and time range', async () => {
    const s = sent.service;
    const q = (extra: Record<string, string>): string => new URLSearchParams({ service: s, ...extra }).toString();
    await pollUntil(async () => (await traceIds(q({}))).length === 2, { what: 'both traces listed' });
    const chat = sent.chat.traceId;
    const embed = sent.embed.traceId;

    // newest first: the embeddings trace starts 5 s after the chat trace
    expect(await traceIds(q({}))).toEqual([embed, chat]);
    expect(await traceIds(q({ provider: 'openai' }))).toEqual([chat]);
    expect(await traceIds(q({ provider: 'cohere' }))).toEqual([embed]);
    expect(await traceIds(q({ provider: 'anthropic' }))).toEqual([]);
    expect(await traceIds(q({ operation: 'chat' }))).toEqual([chat]);
    expect(await traceIds(q({ operation: 'execute_tool' }))).toEqual([chat]);
    expect(await traceIds(q({ operation: 'embeddings' }))).toEqual([embed]);
    expect(await traceIds(q({ status: 'error' }))).toEqual([chat]);
    expect(await traceIds(q({ status: 'ok' }))).toEqual([embed]);
    expect(await traceIds(q({ model: 'embed-english-v3.0' }))).toEqual([embed]);
    expect(await traceIds(q({ model: 'gpt-4o-mini-2024-07-18' }))).toEqual([chat]);
    expect(await traceIds(q({ min_duration: '1s' }))).toEqual([chat]);
    expect(await traceIds(q({ min_duration: '1500ms' }))).toEqual([chat]);
    expect(await traceIds(q({ min_duration: '1501ms' }))).toEqual([]);
    expect(await traceIds(q({ min_duration: '15ms' }))).toEqual([embed, chat]);
    expect(await traceIds(q({ 'attr.acme.tenant': sent.tenant }))).toEqual([embed, chat]);
    expect(await traceIds(q({ 'attr.acme.tenant': 'some-other-tenant' }))).toEqual([]);
    expect(await traceIds(new URLSearchParams({ 'attr.acme.tenant': sent.tenant }).toString())).toEqual([embed, chat]);
    expect(await traceIds(q({ 'attr.gen_ai.usage.input_tokens': '42' }))).toEqual([chat]);
    expect(await traceIds(q({ 'attr.acme.cache_hit': 'true' }))).toEqual([chat]);
    expect(await traceIds(q({ 'resource.host.name': `host-${kind}.e2e` }))).toEqual([embed, chat]);
    expect(await traceIds(q({ 'attr.acme.tenant': sent.tenant, status: 'error', operation: 'execute_tool' }))).toEqual([chat]);

    // time range [start, end) on span start times, in nanoseconds and RFC 3339
    const e = sent.embed.startNs;
    expect(await traceIds(q({ start: e.toString(), end: (e + 1n).toString() }))).toEqual([embed]);
    expect(await traceIds(q({ start: (e + 1n).toString() }))).toEqual([]);
    expect(await traceIds(q({ end: e.toString() }))).toEqual([chat]);
    const iso = (ns: bigint): string => `${new Date(Number(ns / 1_000_000n)).toISOString().slice(0, 19)}.${(ns % NS).toString().padStart(9, '0')}Z`;
    expect(await traceIds(q({ start: iso(sent.chat.startNs), end: iso(sent.chat.startNs + 1n) }))).toEqual([chat]);
    expect(await traceIds(q({ start: iso(sent.chat.startNs - 1_000_000_000n), end: iso(e + 1_000_000_000n) }))).toEqual([embed, chat]);
  });
});

describe('trace list pagination', () => {
  it('pages with limit + next cursor, newest first, no duplicates, across 3 pages', async () => {
    const service = `e2e-sdk-pages-${RUN}`;
    const { provider, capture } = makeProvider('json', service);
    const tracer = provider.getTracer(SCOPE.name, SCOPE.version);
    const base = (BigInt(Date.now()) - 3_600_000n) * 1_000_000n;
    const ids: string[] = [];
    // Emitted out of time order on purpose: the API must sort, not echo insertion order.
    for (const i of [3, 0, 6, 1, 5, 2, 4]) {
      const start = base + BigInt(i) * NS;
      const span = tracer.startSpan(`page-span-${i}`, { kind: SpanKind.CLIENT, startTime: hr(start), attributes: { 'page.index': i } as Attributes });
      span.end(hr(start + 10_000_000n));
      ids[i] = span.spanContext().traceId;
    }
    await flushAndCheck(provider, capture, 7);
    await provider.shutdown();

    const newestFirst = [...ids].reverse();
    await pollUntil(async () => (await traceIds(`service=${service}&limit=100`)).length === 7, { what: '7 paging traces' });

    const pages: { traceId: string; startTimeUnixNano: string }[][] = [];
    let cursor: string | null = null;
    do {
      const qs = new URLSearchParams({ service, limit: '3' });
      if (cursor) qs.set('cursor', cursor);
      const body: { traces: { traceId: string; startTimeUnixNano: string }[]; next: string | null } = await getOk(`${api}/api/traces?${qs}`);
      pages.push(body.traces);
      cursor = body.next;
      expect(pages.length).toBeLessThan(10);
    } while (cursor);

    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    const all = pages.flat().map((t) => t.traceId);
    expect(new Set(all).size).toBe(7);
    expect(all).toEqual(newestFirst);
    const times = pages.flat().map((t) => BigInt(t.startTimeUnixNano));
    for (let i = 1; i < times.length; i++) expect(times[i] < times[i - 1]).toBe(true);
    expect(times[0]).toBe(base + 6n * NS);

    // A page size that divides the total exactly ends with next = null, not an empty extra page.
    const first = await getOk<{ traces: unknown[]; next: string | null }>(`${api}/api/traces?service=${service}&limit=7`);
    expect(first.traces).toHaveLength(7);
    expect(first.next).toBeNull();

    // Cursor pagination combined with a filter.
    const filtered = await getOk<{ traces: { traceId: string }[]; next: string | null }>(
      `${api}/api/traces?service=${service}&limit=2&start=${base + 2n * NS}&end=${base + 5n * NS}`,
    );
    expect(filtered.traces.map((t) => t.traceId)).toEqual([ids[4], ids[3]]);
    expect(filtered.next).not.toBeNull();
    const rest = await getOk<{ traces: { traceId: string }[]; next: string | null }>(
      `${api}/api/traces?service=${service}&limit=2&start=${base + 2n * NS}&end=${base + 5n * NS}&cursor=${filtered.next}`,
    );
    expect(rest.traces.map((t) => t.traceId)).toEqual([ids[2]]);
    expect(rest.next).toBeNull();
  });

  it('pages multi-span traces whose spans straddle page boundaries without repeating any', async () => {
    // Trace i: a root at base + 10 s * i and a child that started 25 s before its root (a span may
    // start before its parent, e.g. with clock skew; more commonly a long trace has spans older than
    // a later trace's newest span). Traces rank by their newest span: 4, 3, 2, 1, 0.
    const service = `e2e-sdk-pages-multi-${RUN}`;
    const { provider, capture } = makeProvider('json', service);
    const tracer = provider.getTracer(SCOPE.name, SCOPE.version);
    const base = (BigInt(Date.now()) - 7_200_000n) * 1_000_000n;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const rootStart = base + BigInt(i) * 10n * NS;
      const root = tracer.startSpan(`multi-root-${i}`, { kind: SpanKind.SERVER, startTime: hr(rootStart) });
      const child = tracer.startSpan(`multi-child-${i}`, { startTime: hr(rootStart - 25n * NS) }, trace.setSpan(context.active(), root));
      child.end(hr(rootStart - 24n * NS));
      root.end(hr(rootStart + NS));
      ids[i] = root.spanContext().traceId;
    }
    await flushAndCheck(provider, capture, 10);
    await provider.shutdown();
    await pollUntil(async () => (await traceIds(`service=${service}&limit=100`)).length === 5, { what: '5 multi-span traces' });
    expect(await traceIds(`service=${service}&limit=100`)).toEqual([ids[4], ids[3], ids[2], ids[1], ids[0]]);

    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const qs = new URLSearchParams({ service, limit: '2' });
      if (cursor) qs.set('cursor', cursor);
      const body: { traces: { traceId: string }[]; next: string | null } = await getOk(`${api}/api/traces?${qs}`);
      seen.push(...body.traces.map((t) => t.traceId));
      cursor = body.next;
      if (!cursor) break;
    }
    // Every trace exactly once, newest first.
    expect(seen).toEqual([ids[4], ids[3], ids[2], ids[1], ids[0]]);
  });

  it('refuses bad query parameters with 400 and a message', async () => {
    for (const qs of ['limit=0', 'limit=abc', 'status=broken', 'min_duration=fast', 'start=yesterday', 'cursor=%%%']) {
      const { status, body } = await getJson<{ error: string }>(`${api}/api/traces?${qs}`);
      expect(status, qs).toBe(400);
      expect(typeof body.error, qs).toBe('string');
      expect(body.error.length, qs).toBeGreaterThan(0);
    }
    const bad = await getJson<{ error: string }>(`${api}/api/traces/not-a-trace-id`);
    expect(bad.status).toBe(400);
    const missing = await getJson<{ error: string }>(`${api}/api/traces/${'0'.repeat(31)}1`);
    expect(missing.status).toBe(404);
  });
});
