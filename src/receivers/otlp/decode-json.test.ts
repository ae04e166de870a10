import { describe, expect, test } from 'vitest';
import { fixtureText, prng } from '../../../test/otlp/helpers.js';
import { decodeLogsJson, decodeMetricsJson, decodeTraceJson } from './decode-json.js';
import { OtlpDecodeError, type OtlpSpan } from './types.js';

const scope = { name: 'my.library', version: '1.0.0', attributes: { 'my.scope.attribute': 'some scope attribute' }, droppedAttributesCount: 0 };
const resource = { attributes: { 'service.name': 'my.service' }, droppedAttributesCount: 0 };
const T = 1544712660300000000n;

describe('the OTLP/JSON example fixtures, field by field', () => {
  test('trace.json', () => {
    expect(decodeTraceJson(fixtureText('trace.json'))).toEqual({
      resourceSpans: [
        {
          resource,
          schemaUrl: '',
          scopeSpans: [
            {
              scope,
              schemaUrl: '',
              spans: [
                {
                  traceId: '5b8efff798038103d269b633813fc60c', // upper case in the file
                  spanId: 'eee19b7ec3c1b174',
                  traceState: '',
                  parentSpanId: 'eee19b7ec3c1b173',
                  flags: 0,
                  name: "I'm a server span",
                  kind: 2,
                  startTimeUnixNano: 1544712660000000000n,
                  endTimeUnixNano: 1544712661000000000n,
                  attributes: { 'my.span.attr': 'some value' },
                  droppedAttributesCount: 0,
                  events: [],
                  droppedEventsCount: 0,
                  links: [],
                  droppedLinksCount: 0,
                  status: { code: 0, message: '' },
                },
              ],
            },
          ],
        },
      ],
    });
  });

  test('metrics.json: sum, gauge, histogram and exponential histogram', () => {
    const req = decodeMetricsJson(fixtureText('metrics.json'));
    expect(req.resourceMetrics).toHaveLength(1);
    expect(req.resourceMetrics[0].resource).toEqual(resource);
    expect(req.resourceMetrics[0].scopeMetrics[0].scope).toEqual(scope);
    const [counter, gauge, histogram, exponential] = req.resourceMetrics[0].scopeMetrics[0].metrics;
    const base = { exemplars: [], flags: 0 };
    expect(counter).toEqual({
      name: 'my.counter',
      description: 'I am a Counter',
      unit: '1',
      metadata: {},
      data: {
        type: 'sum',
        aggregationTemporality: 1,
        isMonotonic: true,
        dataPoints: [{ ...base, attributes: { 'my.counter.attr': 'some value' }, startTimeUnixNano: T, timeUnixNano: T, value: 5, isInt: false }],
      },
    });
    expect(gauge).toEqual({
      name: 'my.gauge',
      description: 'I am a Gauge',
      unit: '1',
      metadata: {},
      data: { type: 'gauge', dataPoints: [{ ...base, attributes: { 'my.gauge.attr': 'some value' }, startTimeUnixNano: 0n, timeUnixNano: T, value: 10, isInt: false }] },
    });
    expect(histogram.data).toEqual({
      type: 'histogram',
      aggregationTemporality: 1,
      dataPoints: [
        {
          ...base,
          attributes: { 'my.histogram.attr': 'some value' },
          startTimeUnixNano: T,
          timeUnixNano: T,
          count: 2,
          sum: 2,
          bucketCounts: [1, 1],
          explicitBounds: [1],
          min: 0,
          max: 2,
        },
      ],
    });
    expect(exponential.name).toBe('my.exponential.histogram');
    expect(exponential.description).toBe('I am an Exponential Histogram');
    expect(exponential.data).toEqual({
      type: 'exponential_histogram',
      aggregationTemporality: 1,
      dataPoints: [
        {
          ...base,
          attributes: { 'my.exponential.histogram.attr': 'some value' },
          startTimeUnixNano: T,
          timeUnixNano: T,
          count: 3,
          sum: 10,
          scale: 0,
          zeroCount: 1,
          positive: { offset: 1, bucketCounts: [0, 2] },
          negative: { offset: 0, bucketCounts: [] },
          min: 0,
          max: 5,
          zeroThreshold: 0,
        },
      ],
    });
  });

  test('logs.json: every attribute kind', () => {
    const req = decodeLogsJson(fixtureText('logs.json'));
    expect(req.resourceLogs[0].resource).toEqual(resource);
    expect(req.resourceLogs[0].scopeLogs[0].scope).toEqual(scope);
    expect(req.resourceLogs[0].scopeLogs[0].logRecords).toEqual([
      {
        timeUnixNano: T,
        observedTimeUnixNano: T,
        severityNumber: 10,
        severityText: 'Information',
        body: 'Example log record',
        attributes: {
          'string.attribute': 'some string',
          'boolean.attribute': true,
          'int.attribute': { int: 10n },
          'double.attribute': 637.704,
          'array.attribute': ['many', 'values'],
          'map.attribute': { kvlist: { 'some.map.key': 'some value' } },
        },
        droppedAttributesCount: 0,
        flags: 0,
        traceId: '5b8efff798038103d269b633813fc60c',
        spanId: 'eee19b7ec3c1b174',
        eventName: '',
      },
    ]);
  });

  test('events.json: an event with a kvlist body', () => {
    const rec = decodeLogsJson(fixtureText('events.json')).resourceLogs[0].scopeLogs[0].logRecords[0];
    expect(rec.eventName).toBe('browser.page_view');
    expect(rec.severityNumber).toBe(9);
    expect(rec.severityText).toBe('test severity text');
    expect(rec.timeUnixNano).toBe(T);
    expect(rec.traceId).toBe('');
    expect(rec.spanId).toBe('');
    expect(rec.attributes).toEqual({ 'event.attribute': 'some event attribute' });
    expect(rec.body).toEqual({
      kvlist: {
        type: { int: 0n },
        url: 'https://www.guidgenerator.com/online-guid-generator.aspx',
        referrer: 'https://wwww.google.com',
        title: 'Free Online GUID Generator',
      },
    });
  });
});

/** One span, as JSON, decoded. */
function decodeSpan(span: Record<string, unknown>): OtlpSpan {
  return decodeTraceJson(JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] })).resourceSpans[0].scopeSpans[0].spans[0];
}

describe('the forms OTLP/JSON allows', () => {
  test('snake_case field names, enum names, numbers for 64-bit ints, nulls as absent, unknown fields ignored', () => {
    const text = JSON.stringify({
      resource_spans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { string_value: 'svc' } }], dropped_attributes_count: 2 },
          scope_spans: [
            {
              scope: { name: 'lib', futureField: { x: 1 } },
              schema_url: 'https://example.com/s',
              spans: [
                {
                  trace_id: 'ABCDEF0123456789ABCDEF0123456789',
                  span_id: '0123456789ABCDEF',
                  parent_span_id: null,
                  name: 'GET /',
                  kind: 'SPAN_KIND_SERVER',
                  start_time_unix_nano: 1700000000000000000,
                  end_time_unix_nano: '1700000000500000000',
                  dropped_events_count: '3',
                  attributes: [
                    { key: 'i', value: { int_value: 7 } },
                    { key: 'big', value: { intValue: '-9223372036854775808' } },
                    { key: 'nan', value: { doubleValue: 'NaN' } },
                    { key: 'inf', value: { doubleValue: '-Infinity' } },
                    { key: 'str', value: { doubleValue: '1.5e3' } },
                    { key: 'b64', value: { bytesValue: 'AP8H' } },
                    { key: 'b64url', value: { bytes_value: '-_8' } },
                    { key: 'empty', value: {} },
                    { key: 'none' },
                    { key: 'dup', value: { boolValue: false } },
                    { key: 'dup', value: { boolValue: true } },
                    { key: '__proto__', value: { stringValue: 'p' } },
                  ],
                  status: { code: 'STATUS_CODE_ERROR', message: 'boom', extra: true },
                  links: [{ traceId: '', spanId: '', flags: 256 }],
                  futureSpanField: [1, 2, 3],
                },
              ],
            },
          ],
        },
      ],
    });
    const rs = decodeTraceJson(text).resourceSpans[0];
    expect(rs.resource).toEqual({ attributes: { 'service.name': 'svc' }, droppedAttributesCount: 2 });
    expect(rs.scopeSpans[0].schemaUrl).toBe('https://example.com/s');
    expect(rs.scopeSpans[0].scope.name).toBe('lib');
    const span = rs.scopeSpans[0].spans[0];
    expect(span.traceId).toBe('abcdef0123456789abcdef0123456789');
    expect(span.spanId).toBe('0123456789abcdef');
    expect(span.parentSpanId).toBe('');
    expect(span.kind).toBe(2);
    expect(span.startTimeUnixNano).toBe(1700000000000000000n);
    expect(span.endTimeUnixNano).toBe(1700000000500000000n);
    expect(span.droppedEventsCount).toBe(3);
    expect(span.status).toEqual({ code: 2, message: 'boom' });
    expect(span.links).toEqual([{ traceId: '', spanId: '', traceState: '', attributes: {}, droppedAttributesCount: 0, flags: 256 }]);
    const a = span.attributes;
    expect(a.i).toEqual({ int: 7n });
    expect(a.big).toEqual({ int: -(2n ** 63n) });
    expect(a.nan).toBeNaN();
    expect(a.inf).toBe(-Infinity);
    expect(a.str).toBe(1500);
    expect(a.b64).toEqual(new Uint8Array([0, 255, 7]));
    expect(a.b64url).toEqual(new Uint8Array([0xfb, 0xff]));
    expect(a.empty).toBeNull();
    expect(a.none).toBeNull();
    expect(a.dup).toBe(true);
    expect(Object.getOwnPropertyDescriptor(a, '__proto__')?.value).toBe('p');
    expect(Object.getPrototypeOf(a)).toBe(Object.prototype);
  });

  test('enum names for severity and temporality; asInt points; exemplars', () => {
    const logs = decodeLogsJson(
      JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ severityNumber: 'SEVERITY_NUMBER_WARN2', flags: 1, body: { arrayValue: {} } }] }] }] }),
    );
    expect(logs.resourceLogs[0].scopeLogs[0].logRecords[0]).toMatchObject({ severityNumber: 14, flags: 1, body: [] });
    const metrics = decodeMetricsJson(
      JSON.stringify({
        resourceMetrics: [
          {
            scopeMetrics: [
              {
                metrics: [
                  {
                    name: 'tokens',
                    sum: {
                      aggregationTemporality: 'AGGREGATION_TEMPORALITY_CUMULATIVE',
                      dataPoints: [{ asInt: '42', exemplars: [{ asInt: 3, spanId: 'EEE19B7EC3C1B174', traceId: '', timeUnixNano: '5' }] }],
                    },
                  },
                  { name: 'q', summary: { dataPoints: [{ count: 4, sum: 'Infinity', quantileValues: [{ quantile: 0.5, value: 2 }, {}] }] } },
                  { name: 'nothing' },
                ],
              },
            ],
          },
        ],
      }),
    );
    const [sum, summary, nothing] = metrics.resourceMetrics[0].scopeMetrics[0].metrics;
    expect(sum.data).toEqual({
      type: 'sum',
      aggregationTemporality: 2,
      isMonotonic: false,
      dataPoints: [
        {
          attributes: {},
          startTimeUnixNano: 0n,
          timeUnixNano: 0n,
          flags: 0,
          value: 42,
          isInt: true,
          exemplars: [{ filteredAttributes: {}, timeUnixNano: 5n, value: 3, spanId: 'eee19b7ec3c1b174', traceId: '' }],
        },
      ],
    });
    expect(summary.data).toEqual({
      type: 'summary',
      dataPoints: [
        { attributes: {}, startTimeUnixNano: 0n, timeUnixNano: 0n, flags: 0, count: 4, sum: Infinity, quantileValues: [{ quantile: 0.5, value: 2 }, { quantile: 0, value: 0 }] },
      ],
    });
    expect(nothing.data).toEqual({ type: 'empty' });
  });
});

describe('invalid OTLP/JSON raises OtlpDecodeError', () => {
  const bad = (text: string, message: RegExp) => {
    let error: unknown;
    try {
      decodeTraceJson(text);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(OtlpDecodeError);
    expect((error as Error).message).toMatch(message);
  };
  const span = (s: Record<string, unknown>) => JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [s] }] }] });
  const attr = (value: unknown) => span({ attributes: [{ key: 'k', value }] });

  test('not JSON, or not an object at the top', () => {
    bad('', /invalid OTLP\/JSON/);
    bad('{"resourceSpans": [', /invalid OTLP\/JSON/);
    bad('[]', /ExportTraceServiceRequest: expected an object, got an array/);
    bad('null', /expected an object, got null/);
    bad('"x"', /expected an object, got a string/);
  });

  test('known fields of the wrong type', () => {
    bad('{"resourceSpans": {}}', /ExportTraceServiceRequest\.resourceSpans: expected an array/);
    bad('{"resourceSpans": [1]}', /ResourceSpans: expected an object, got a number/);
    bad(span({ name: 5 }), /Span\.name: expected a string, got a number/);
    bad(span({ kind: 'SPAN_KIND_SIDEWAYS' }), /Span\.kind: unknown enum value "SPAN_KIND_SIDEWAYS"/);
    bad(span({ kind: 1.5 }), /Span\.kind: expected an enum integer/);
    bad(span({ startTimeUnixNano: '12ab' }), /Span\.startTimeUnixNano: expected an integer or a decimal string/);
    bad(span({ startTimeUnixNano: '-5' }), /Span\.startTimeUnixNano: expected an unsigned integer/);
    bad(span({ startTimeUnixNano: 1.5 }), /Span\.startTimeUnixNano: expected an integer/);
    bad(span({ droppedAttributesCount: -1 }), /Span\.droppedAttributesCount: expected a uint32/);
    bad(span({ flags: 2 ** 32 }), /Span\.flags: expected a uint32/);
    bad(span({ attributes: {} }), /Span\.attributes: expected an array/);
    bad(span({ status: 'ok' }), /Status: expected an object/);
    bad(attr({ boolValue: 'true' }), /AnyValue\.boolValue: expected a boolean/);
    bad(attr({ intValue: 1.25 }), /AnyValue\.intValue: expected an integer/);
    bad(attr({ doubleValue: 'fast' }), /AnyValue\.doubleValue: expected a number/);
    bad(attr({ bytesValue: 'not base64!' }), /AnyValue\.bytesValue: expected base64/);
    bad(attr({ arrayValue: [] }), /AnyValue\.arrayValue: expected an object/);
    bad(attr('plain'), /AnyValue: expected an object/);
    expect(() => decodeMetricsJson('{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"histogram":{"dataPoints":[{"bucketCounts":[1,null]}]}}]}]}]}')).toThrow(
      /HistogramDataPoint\.bucketCounts/,
    );
    expect(() => decodeLogsJson('{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"severityNumber":"LOUD"}]}]}]}')).toThrow(OtlpDecodeError);
  });

  test('ids must be 32 or 16 hex characters (or empty)', () => {
    bad(span({ traceId: 'abc' }), /Span\.traceId: expected 32 hex characters \(16 bytes\), got "abc"/);
    bad(span({ traceId: 'g'.repeat(32) }), /Span\.traceId: expected 32 hex/);
    bad(span({ spanId: '0'.repeat(32) }), /Span\.spanId: expected 16 hex characters/);
    bad(span({ parentSpanId: 'W4jv95gDgQPSabYzgT/GDA==' }), /Span\.parentSpanId/); // base64 is not OTLP/JSON
    bad(span({ links: [{ traceId: '00' }] }), /Span\.Link\.traceId/);
    expect(() => decodeLogsJson('{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"spanId":"xyz"}]}]}]}')).toThrow(/LogRecord\.spanId/);
  });

  test('AnyValue nesting deeper than 64 levels (a kvlist bomb)', () => {
    let value: unknown = { stringValue: 'leaf' };
    for (let i = 0; i < 200; i++) value = { kvlistValue: { values: [{ key: 'k', value }] } };
    bad(attr(value), /nested more than 64 levels deep/);
    let array: unknown = { stringValue: 'leaf' };
    for (let i = 0; i < 63; i++) array = { arrayValue: { values: [array] } };
    expect(decodeSpan({ attributes: [{ key: 'k', value: array }] }).attributes.k).toBeInstanceOf(Array);
  });

  test('fuzz: 2000 damaged fixtures give an OtlpDecodeError or a result', () => {
    const rand = prng(20240601);
    const sources = [
      [fixtureText('trace.json'), decodeTraceJson],
      [fixtureText('metrics.json'), decodeMetricsJson],
      [fixtureText('logs.json'), decodeLogsJson],
      [fixtureText('events.json'), decodeLogsJson],
    ] as const;
    const junk = ['"', '{', '}', '[', ']', ':', ',', '0', '-1', 'null', 'true', '"x"', '1e999', '"NaN"', '\\u0000'];
    let ok = 0;
    let rejected = 0;
    for (let i = 0; i < 2000; i++) {
      const [source, decode] = sources[i % sources.length];
      const at = Math.floor(rand() * source.length);
      const cut = Math.floor(rand() * 6);
      const text =
        rand() < 0.2 ? source.slice(0, at) : source.slice(0, at) + junk[Math.floor(rand() * junk.length)] + source.slice(at + cut);
      try {
        expect((decode as (t: string) => unknown)(text)).toBeTypeOf('object');
        ok++;
      } catch (err) {
        if (!(err instanceof OtlpDecodeError)) throw new Error(`iteration ${i}: ${String(err)} for ${text}`);
        rejected++;
      }
    }
    expect(ok).toBeGreaterThan(50);
    expect(rejected).toBeGreaterThan(50);
  });
});
