import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import {
  JsonLogsSerializer,
  JsonMetricsSerializer,
  JsonTraceSerializer,
  ProtobufLogsSerializer,
  ProtobufMetricsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { AggregationType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, test } from 'vitest';
import { makeTraceRequest, makeTraceRequestBytes, makeTraceRequestJson } from '../../../bench/genai-payload.js';
import { fixtureText, jsonToProtobuf, kvString, pb } from '../../../test/otlp/helpers.js';
import { decodeLogsJson, decodeMetricsJson, decodeTraceJson } from './decode-json.js';
import { decodeLogsRequest, decodeMetricsRequest, decodeTraceRequest } from './decode-protobuf.js';
import * as pbjs from './decode-protobufjs.js';
import { OTLP_MESSAGES } from './protobufjs-schema.js';

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

describe('payloads from the official OpenTelemetry JS encoders', () => {
  test('traces: protobuf decoded by both decoders, equal to each other and to the OTLP/JSON encoding', () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'chat-api', 'host.name': 'node-7' }),
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const tracer = provider.getTracer('strata-test', '1.2.3');
    const root = tracer.startSpan('chat gpt-4o', {
      kind: SpanKind.CLIENT,
      startTime: [1_700_000_000, 123_456_789],
      attributes: {
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.usage.input_tokens': 1234,
        'gen_ai.request.temperature': 0.25,
        'gen_ai.stream': true,
        'gen_ai.response.finish_reasons': ['stop', 'length'],
        'sizes': [1, 2, 3],
      },
    });
    root.addEvent('gen_ai.user.message', { 'gen_ai.event.content': '{"role":"user","content":"héllo ✓"}' }, [1_700_000_000, 200_000_000]);
    const child = tracer.startSpan(
      'tool call',
      { kind: SpanKind.INTERNAL, startTime: [1_700_000_000, 300_000_000], links: [{ context: root.spanContext(), attributes: { reason: 'retry' } }] },
      trace.setSpan(ROOT_CONTEXT, root),
    );
    child.setStatus({ code: SpanStatusCode.ERROR, message: 'tool failed' });
    child.end([1_700_000_000, 400_000_000]);
    root.end([1_700_000_001, 0]);
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(2);

    const bytes = ProtobufTraceSerializer.serializeRequest(spans)!;
    const hand = decodeTraceRequest(bytes);
    expect(hand).toEqual(pbjs.decodeTraceRequest(bytes));
    expect(decodeTraceJson(text(JsonTraceSerializer.serializeRequest(spans)!))).toEqual(hand);

    const rs = hand.resourceSpans[0];
    expect(rs.resource.attributes['service.name']).toBe('chat-api');
    expect(rs.resource.attributes['host.name']).toBe('node-7');
    expect(rs.scopeSpans[0].scope).toMatchObject({ name: 'strata-test', version: '1.2.3' });
    const [c, r] = rs.scopeSpans[0].spans; // children end first
    expect(r.name).toBe('chat gpt-4o');
    expect(r.traceId).toBe(root.spanContext().traceId);
    expect(r.spanId).toBe(root.spanContext().spanId);
    expect(r.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(r.parentSpanId).toBe('');
    expect(r.kind).toBe(3); // CLIENT
    expect(r.startTimeUnixNano).toBe(1_700_000_000_123_456_789n);
    expect(r.endTimeUnixNano).toBe(1_700_000_001_000_000_000n);
    expect(r.flags & 0xff).toBe(1); // sampled
    expect(r.attributes).toEqual({
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.usage.input_tokens': { int: 1234n },
      'gen_ai.request.temperature': 0.25,
      'gen_ai.stream': true,
      'gen_ai.response.finish_reasons': ['stop', 'length'],
      sizes: [{ int: 1n }, { int: 2n }, { int: 3n }],
    });
    expect(r.events).toEqual([
      {
        timeUnixNano: 1_700_000_000_200_000_000n,
        name: 'gen_ai.user.message',
        attributes: { 'gen_ai.event.content': '{"role":"user","content":"héllo ✓"}' },
        droppedAttributesCount: 0,
      },
    ]);
    expect(c.parentSpanId).toBe(r.spanId);
    expect(c.traceId).toBe(r.traceId);
    expect(c.kind).toBe(1);
    expect(c.status).toEqual({ code: 2, message: 'tool failed' });
    expect(c.links).toHaveLength(1);
    expect(c.links[0]).toMatchObject({ traceId: r.traceId, spanId: r.spanId, attributes: { reason: 'retry' } });
  });

  test('logs: protobuf decoded by both decoders, equal to each other and to the OTLP/JSON encoding', async () => {
    const exporter = new InMemoryLogRecordExporter();
    const provider = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': 'chat-api' }),
      processors: [new SimpleLogRecordProcessor({ exporter })],
    });
    const logger = provider.getLogger('strata-logs', '0.1.0');
    logger.emit({
      timestamp: [1_700_000_000, 5],
      severityNumber: SeverityNumber.WARN,
      severityText: 'WARN',
      eventName: 'gen_ai.choice',
      body: { message: 'done', index: 0, ok: true },
      attributes: { 'gen_ai.system': 'openai', retries: 2, ratio: 1.5 },
    });
    await provider.forceFlush();
    const records = exporter.getFinishedLogRecords();
    expect(records).toHaveLength(1);
    const bytes = ProtobufLogsSerializer.serializeRequest(records)!;
    const hand = decodeLogsRequest(bytes);
    expect(hand).toEqual(pbjs.decodeLogsRequest(bytes));
    expect(decodeLogsJson(text(JsonLogsSerializer.serializeRequest(records)!))).toEqual(hand);

    const rec = hand.resourceLogs[0].scopeLogs[0].logRecords[0];
    expect(rec.timeUnixNano).toBe(1_700_000_000_000_000_005n);
    expect(rec.severityNumber).toBe(13);
    expect(rec.severityText).toBe('WARN');
    expect(rec.eventName).toBe('gen_ai.choice');
    expect(rec.body).toEqual({ kvlist: { message: 'done', index: { int: 0n }, ok: true } });
    expect(rec.attributes).toEqual({ 'gen_ai.system': 'openai', retries: { int: 2n }, ratio: 1.5 });
  });

  test('metrics: sums, gauges, explicit and exponential histograms decoded alike', async () => {
    class TestReader extends MetricReader {
      protected async onForceFlush(): Promise<void> {}
      protected async onShutdown(): Promise<void> {}
    }
    const reader = new TestReader();
    const provider = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': 'gpu-node' }),
      readers: [reader],
      views: [{ instrumentName: 'gen_ai.latency', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
    });
    const meter = provider.getMeter('strata-metrics');
    const tokens = meter.createCounter('gen_ai.tokens', { unit: '{token}' });
    tokens.add(5, { model: 'a' });
    tokens.add(7, { model: 'a' });
    meter.createHistogram('http.duration', { unit: 'ms', advice: { explicitBucketBoundaries: [10, 100] } }).record(42, { route: '/x' });
    const latency = meter.createHistogram('gen_ai.latency', { unit: 's' });
    for (const v of [0.5, 1.5, 3, 3, 8]) latency.record(v);
    meter.createObservableGauge('gpu.util').addCallback((r) => r.observe(0.75, { gpu: '0' }));
    const { resourceMetrics } = await reader.collect();

    const bytes = ProtobufMetricsSerializer.serializeRequest(resourceMetrics)!;
    const hand = decodeMetricsRequest(bytes);
    expect(hand).toEqual(pbjs.decodeMetricsRequest(bytes));
    expect(decodeMetricsJson(text(JsonMetricsSerializer.serializeRequest(resourceMetrics)!))).toEqual(hand);

    const metrics = Object.fromEntries(hand.resourceMetrics[0].scopeMetrics[0].metrics.map((m) => [m.name, m]));
    expect(metrics['gen_ai.tokens'].data).toMatchObject({ type: 'sum', isMonotonic: true, aggregationTemporality: 2 });
    const sum = metrics['gen_ai.tokens'].data;
    if (sum.type !== 'sum') throw new Error('not a sum');
    expect(sum.dataPoints[0]).toMatchObject({ value: 12, attributes: { model: 'a' } });
    const hist = metrics['http.duration'].data;
    if (hist.type !== 'histogram') throw new Error('not a histogram');
    expect(hist.dataPoints[0]).toMatchObject({ count: 1, sum: 42, explicitBounds: [10, 100], bucketCounts: [0, 1, 0], min: 42, max: 42 });
    const exp = metrics['gen_ai.latency'].data;
    if (exp.type !== 'exponential_histogram') throw new Error('not an exponential histogram');
    const p = exp.dataPoints[0];
    expect(p.count).toBe(5);
    expect(p.sum).toBe(16);
    expect(p.min).toBe(0.5);
    expect(p.max).toBe(8);
    expect(p.positive.bucketCounts.reduce((a, b) => a + b, 0)).toBe(5);
    expect(metrics['gpu.util'].data).toMatchObject({ type: 'gauge', dataPoints: [{ value: 0.75, isInt: false, attributes: { gpu: '0' } }] });
  });
});

describe('OTLP/JSON fixtures encoded as protobuf with protobufjs', () => {
  const cases = [
    ['trace.json', OTLP_MESSAGES.traceRequest, decodeTraceRequest, decodeTraceJson],
    ['metrics.json', OTLP_MESSAGES.metricsRequest, decodeMetricsRequest, decodeMetricsJson],
    ['logs.json', OTLP_MESSAGES.logsRequest, decodeLogsRequest, decodeLogsJson],
    ['events.json', OTLP_MESSAGES.logsRequest, decodeLogsRequest, decodeLogsJson],
  ] as const;
  for (const [file, type, decodeProto, decodeJson] of cases) {
    test(`${file}: the hand decoder equals the JSON decoder`, () => {
      const json = fixtureText(file);
      expect((decodeProto as (b: Uint8Array) => unknown)(jsonToProtobuf(type, json))).toEqual((decodeJson as (t: string) => unknown)(json));
    });
  }

  test('trace.json values', () => {
    const req = decodeTraceRequest(jsonToProtobuf(OTLP_MESSAGES.traceRequest, fixtureText('trace.json')));
    const span = req.resourceSpans[0].scopeSpans[0].spans[0];
    expect(span.traceId).toBe('5b8efff798038103d269b633813fc60c');
    expect(span.spanId).toBe('eee19b7ec3c1b174');
    expect(span.parentSpanId).toBe('eee19b7ec3c1b173');
    expect(span.startTimeUnixNano).toBe(1544712660000000000n);
    expect(span.kind).toBe(2);
  });
});

describe('GenAI benchmark payloads', () => {
  test('protobuf, protobufjs and JSON forms all decode to the generated request', () => {
    const opts = { spans: 60, seed: 42 };
    const expected = makeTraceRequest(opts);
    const bytes = makeTraceRequestBytes(opts);
    expect(decodeTraceRequest(bytes)).toEqual(expected);
    expect(pbjs.decodeTraceRequest(bytes)).toEqual(expected);
    expect(decodeTraceJson(makeTraceRequestJson(opts))).toEqual(expected);
    const spans = expected.resourceSpans[0].scopeSpans[0].spans;
    expect(spans).toHaveLength(60);
    expect(spans[1].parentSpanId).toBe(spans[0].spanId);
    expect(spans[1].traceId).toBe(spans[0].traceId);
  });
});

describe('wire-format details', () => {
  const span = (...fields: ((p: ReturnType<typeof pb>) => void)[]) => {
    const s = pb().len(1, Buffer.alloc(16, 0xab)).len(2, Buffer.alloc(8, 0xcd)).len(5, 'op');
    for (const f of fields) f(s);
    return pb().len(1, pb().len(2, pb().len(2, s)));
  };

  test('unknown fields of every wire type are skipped at every level', () => {
    const unknowns = (p: ReturnType<typeof pb>) =>
      p
        .uint(900, 12345678901n)
        .fixed64(901, 7n)
        .len(902, 'future')
        .fixed32(903, 9)
        .tag(904, 3) // a group, with a nested group inside
        .uint(1, 1)
        .tag(2, 3)
        .len(3, 'x')
        .tag(2, 4)
        .tag(904, 4);
    const attr = pb().len(1, 'k');
    unknowns(attr);
    attr.len(2, unknowns(pb().len(1, 'v')));
    const s = pb().len(1, Buffer.alloc(16, 0xab)).len(2, Buffer.alloc(8, 0xcd)).len(5, 'op').len(9, attr);
    unknowns(s);
    const scopeSpans = unknowns(pb().len(1, unknowns(pb().len(1, 'lib'))).len(2, s));
    const resourceSpans = unknowns(pb().len(1, unknowns(pb().len(1, kvString('service.name', 'svc')))).len(2, scopeSpans));
    const req = decodeTraceRequest(unknowns(pb().len(1, resourceSpans)).bytes());
    const rs = req.resourceSpans[0];
    expect(rs.resource.attributes).toEqual({ 'service.name': 'svc' });
    expect(rs.scopeSpans[0].scope.name).toBe('lib');
    expect(rs.scopeSpans[0].spans[0]).toMatchObject({
      traceId: 'ab'.repeat(16),
      spanId: 'cd'.repeat(8),
      name: 'op',
      attributes: { k: 'v' },
    });
  });

  test('removed fields (instrumentation_library_*, Status.deprecated_code, LogRecord.name, int metrics) are skipped', () => {
    const t = decodeTraceRequest(pb().len(1, pb().len(1000, pb().len(2, 'old')).len(2, pb().len(2, pb().len(5, 'x').len(15, pb().uint(1, 2).uint(3, 1))))).bytes());
    expect(t.resourceSpans[0].scopeSpans[0].spans[0].status).toEqual({ code: 1, message: '' });
    const l = decodeLogsRequest(pb().len(1, pb().len(2, pb().len(2, pb().len(4, 'old-name').len(12, 'evt')))).bytes());
    expect(l.resourceLogs[0].scopeLogs[0].logRecords[0].eventName).toBe('evt');
    const m = decodeMetricsRequest(pb().len(1, pb().len(2, pb().len(2, pb().len(1, 'm').len(4, pb().len(1, pb())).len(6, pb())))).bytes());
    expect(m.resourceMetrics[0].scopeMetrics[0].metrics[0]).toMatchObject({ name: 'm', data: { type: 'empty' } });
  });

  test('packed and unpacked repeated scalars decode alike', () => {
    const point = (packed: boolean) => {
      const p = pb().fixed64(4, 3n);
      if (packed) {
        p.packed(6, pb().raw(Buffer.from([1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0])));
        const bounds = Buffer.alloc(8);
        bounds.writeDoubleLE(2.5);
        p.packed(7, pb().raw(bounds));
      } else {
        p.fixed64(6, 1n).fixed64(6, 2n).double(7, 2.5);
      }
      return p;
    };
    const expPoint = (packed: boolean) =>
      pb()
        .uint(6, 3) // scale -2 in zigzag
        .len(8, packed ? pb().uint(1, 4).packed(2, pb().varint(5).varint(300)) : pb().uint(1, 4).uint(2, 5).uint(2, 300));
    for (const packed of [true, false]) {
      const metrics = pb()
        .len(2, pb().len(1, 'h').len(9, pb().len(1, point(packed)).uint(2, 2)))
        .len(2, pb().len(1, 'e').len(10, pb().len(1, expPoint(packed))));
      const req = decodeMetricsRequest(pb().len(1, pb().len(2, metrics)).bytes());
      const [h, e] = req.resourceMetrics[0].scopeMetrics[0].metrics;
      expect(h.data).toMatchObject({ type: 'histogram', aggregationTemporality: 2, dataPoints: [{ count: 3, bucketCounts: [1, 2], explicitBounds: [2.5] }] });
      expect(e.data).toMatchObject({ type: 'exponential_histogram', dataPoints: [{ scale: -2, positive: { offset: 2, bucketCounts: [5, 300] } }] });
    }
  });

  test('int64, sfixed64, negative enums and the AnyValue kinds keep their values', () => {
    const values = pb()
      .len(1, pb().len(1, 'neg').len(2, pb().uint(3, -5n)))
      .len(1, pb().len(1, 'big').len(2, pb().uint(3, 9007199254740993n)))
      .len(1, pb().len(1, 'min').len(2, pb().uint(3, -(2n ** 63n))))
      .len(1, pb().len(1, 'bytes').len(2, pb().len(7, Buffer.from([0, 255, 7]))))
      .len(1, pb().len(1, 'empty').len(2, pb()))
      .len(1, pb().len(1, 'novalue'))
      .len(1, pb().len(1, 'nan').len(2, pb().double(4, NaN)))
      .len(1, pb().len(1, 'f').len(2, pb().uint(2, 0)));
    const req = decodeLogsRequest(pb().len(1, pb().len(2, pb().len(2, pb().len(5, pb().len(6, values)).uint(2, -1n)))).bytes());
    const rec = req.resourceLogs[0].scopeLogs[0].logRecords[0];
    expect(rec.severityNumber).toBe(-1);
    expect(rec.body).toEqual({
      kvlist: {
        neg: { int: -5n },
        big: { int: 9007199254740993n },
        min: { int: -(2n ** 63n) },
        bytes: new Uint8Array([0, 255, 7]),
        empty: null,
        novalue: null,
        nan: NaN,
        f: false,
      },
    });
    const gauge = pb().len(1, pb().fixed64(6, -42n).fixed64(3, 2n ** 63n + 1n));
    const m = decodeMetricsRequest(pb().len(1, pb().len(2, pb().len(2, pb().len(1, 'g').len(5, gauge)))).bytes());
    expect(m.resourceMetrics[0].scopeMetrics[0].metrics[0].data).toMatchObject({
      type: 'gauge',
      dataPoints: [{ value: -42, isInt: true, timeUnixNano: 2n ** 63n + 1n }],
    });
  });

  test('invalid UTF-8 decodes with replacement characters, not an error', () => {
    const req = decodeTraceRequest(span((s) => s.len(9, pb().len(1, 'k').len(2, pb().len(1, Buffer.from([0x61, 0xff, 0x62]))))).bytes());
    expect(req.resourceSpans[0].scopeSpans[0].spans[0].attributes).toEqual({ k: 'a\uFFFDb' });
  });

  test('duplicate attribute keys: the later one wins; __proto__ is an ordinary key', () => {
    const req = decodeTraceRequest(
      span((s) => s.len(9, kvString('a', '1')).len(9, kvString('__proto__', 'x')).len(9, kvString('a', '2'))).bytes(),
    );
    const attrs = req.resourceSpans[0].scopeSpans[0].spans[0].attributes;
    expect(Object.keys(attrs)).toEqual(['a', '__proto__']);
    expect(attrs.a).toBe('2');
    expect(Object.getOwnPropertyDescriptor(attrs, '__proto__')?.value).toBe('x');
    expect(Object.getPrototypeOf(attrs)).toBe(Object.prototype);
  });

  test('an empty buffer is an empty request; strings repeat correctly through the intern cache', () => {
    expect(decodeTraceRequest(new Uint8Array(0))).toEqual({ resourceSpans: [] });
    const names = ['gen_ai.request.model', 'gen_ai.request.modem', 'gen_ai.request.mode', 'abc', 'abd', 'é', 'x'.repeat(64), 'x'.repeat(65)];
    for (let round = 0; round < 3; round++) {
      const s = span((p) => names.forEach((n, i) => p.len(9, kvString(n, `${n}=${i}`))));
      const attrs = decodeTraceRequest(s.bytes()).resourceSpans[0].scopeSpans[0].spans[0].attributes;
      expect(attrs).toEqual(Object.fromEntries(names.map((n, i) => [n, `${n}=${i}`])));
    }
  });
});
