import { describe, expect, test } from 'vitest';
import { makeTraceRequestBytes } from '../../../bench/genai-payload.js';
import { fixtureText, jsonToProtobuf, kvString, pb, prng, type Pb } from '../../../test/otlp/helpers.js';
import { decodeLogsRequest, decodeMetricsRequest, decodeTraceRequest } from './decode-protobuf.js';
import * as pbjs from './decode-protobufjs.js';
import { OTLP_MESSAGES } from './protobufjs-schema.js';
import { OtlpDecodeError } from './types.js';

/** Runs decode and returns the OtlpDecodeError it must throw. */
function decodeError(decode: (b: Uint8Array) => unknown, bytes: Uint8Array): OtlpDecodeError {
  try {
    decode(bytes);
  } catch (err) {
    expect(err).toBeInstanceOf(OtlpDecodeError);
    return err as OtlpDecodeError;
  }
  throw new Error('expected an OtlpDecodeError, but decoding succeeded');
}

const ID16 = Buffer.alloc(16, 1);
const ID8 = Buffer.alloc(8, 2);

/** An ExportTraceServiceRequest holding one span built from `span`. */
const traceWith = (span: Pb): Uint8Array => pb().len(1, pb().len(2, pb().len(2, span))).bytes();
const validSpan = (): Pb => pb().len(1, ID16).len(2, ID8).len(5, 'op');

describe('malformed protobuf input raises OtlpDecodeError', () => {
  test('truncated varints', () => {
    expect(decodeError(decodeTraceRequest, Uint8Array.from([0x48, 0xff])).message).toMatch(/truncated varint/);
    expect(decodeError(decodeTraceRequest, Uint8Array.from([0x0a, 0x80])).message).toMatch(/truncated length/);
    expect(decodeError(decodeTraceRequest, Uint8Array.from([0xff])).message).toMatch(/truncated varint/); // the tag itself
    // a fixed64 time cut short inside a span
    const cut = traceWith(validSpan().fixed64(7, 1n));
    expect(decodeError(decodeTraceRequest, cut.subarray(0, cut.length - 3)).message).toMatch(/runs past the end|truncated/);
  });

  test('varints longer than 10 bytes', () => {
    const tooLong = pb().tag(9, 0).raw(Buffer.alloc(11, 0xff)).raw([0x01]).bytes();
    expect(decodeError(decodeTraceRequest, tooLong).message).toMatch(/longer than 10 bytes/);
    expect(decodeError(decodeTraceRequest, pb().tag(1, 2).raw([0xff, 0xff, 0xff, 0xff, 0xff, 0x01]).bytes()).message).toMatch(/length varint too long/);
  });

  test('lengths that run past the end of the buffer or of the enclosing message', () => {
    expect(decodeError(decodeTraceRequest, Uint8Array.from([0x0a, 0x05, 0x01])).message).toMatch(/length 5 at offset 1 runs past the end of the buffer/);
    // a 4 GiB length must be refused before anything is allocated
    const huge = pb().tag(1, 2).raw([0xff, 0xff, 0xff, 0xff, 0x0f]).bytes();
    expect(decodeError(decodeTraceRequest, huge).message).toMatch(/runs past the end of the buffer/);
    // the span's name claims 10 bytes but the span message ends after 3 of them; the request carries more bytes after it
    const span = pb().len(1, ID16).tag(5, 2).varint(10).raw(Buffer.from('abc'));
    const overrun = pb().len(1, pb().len(2, pb().len(2, span))).uint(9, 0).raw(Buffer.from('defghij')).bytes();
    expect(decodeError(decodeTraceRequest, overrun).message).toMatch(/runs past the end/);
  });

  test('trace and span ids of the wrong length name the field', () => {
    const cases: [Pb, RegExp][] = [
      [pb().len(1, Buffer.alloc(15)).len(2, ID8), /Span\.trace_id must be 16 bytes, got 15/],
      [pb().len(1, ID16).len(2, Buffer.alloc(7)), /Span\.span_id must be 8 bytes, got 7/],
      [pb().len(1, ID16).len(2, ID8).len(4, Buffer.alloc(9)), /Span\.parent_span_id must be 8 bytes, got 9/],
      [validSpan().len(13, pb().len(1, Buffer.alloc(32))), /Span\.Link\.trace_id must be 16 bytes, got 32/],
      [validSpan().len(13, pb().len(1, ID16).len(2, Buffer.alloc(16))), /Span\.Link\.span_id must be 8 bytes, got 16/],
    ];
    for (const [span, message] of cases) {
      expect(decodeError(decodeTraceRequest, traceWith(span)).message).toMatch(message);
      expect(() => pbjs.decodeTraceRequest(traceWith(span))).toThrow(OtlpDecodeError);
    }
    const log = (rec: Pb) => pb().len(1, pb().len(2, pb().len(2, rec))).bytes();
    expect(decodeError(decodeLogsRequest, log(pb().len(9, Buffer.alloc(4)))).message).toMatch(/LogRecord\.trace_id must be 16 bytes, got 4/);
    expect(decodeError(decodeLogsRequest, log(pb().len(10, Buffer.alloc(1)))).message).toMatch(/LogRecord\.span_id must be 8 bytes, got 1/);
    const exemplar = pb().len(4, Buffer.alloc(3));
    const metric = pb().len(1, 'g').len(5, pb().len(1, pb().len(5, exemplar)));
    expect(decodeError(decodeMetricsRequest, pb().len(1, pb().len(2, pb().len(2, metric))).bytes()).message).toMatch(/Exemplar\.span_id must be 8 bytes, got 3/);
    // empty ids are allowed
    const ok = decodeTraceRequest(traceWith(pb().len(1, Buffer.alloc(0)).len(2, Buffer.alloc(0)).len(5, 'x')));
    expect(ok.resourceSpans[0].scopeSpans[0].spans[0]).toMatchObject({ traceId: '', spanId: '', name: 'x' });
  });

  test('a known field with the wrong wire type', () => {
    expect(decodeError(decodeTraceRequest, traceWith(validSpan().uint(5, 3))).message).toMatch(/Span\.name \(field 5\) has wrong wire type 0/);
    expect(decodeError(decodeTraceRequest, traceWith(validSpan().uint(7, 3))).message).toMatch(/Span\.start_time_unix_nano \(field 7\) has wrong wire type 0/);
    expect(decodeError(decodeTraceRequest, traceWith(validSpan().len(6, 'x'))).message).toMatch(/Span\.kind/);
    expect(decodeError(decodeTraceRequest, pb().uint(1, 1).bytes()).message).toMatch(/ExportTraceServiceRequest\.resource_spans/);
    const logs = pb().len(1, pb().len(2, pb().len(2, pb().fixed32(1, 5)))).bytes();
    expect(decodeError(decodeLogsRequest, logs).message).toMatch(/LogRecord\.time_unix_nano/);
  });

  test('field number 0, invalid wire types and broken groups', () => {
    expect(decodeError(decodeTraceRequest, Uint8Array.from([0x02, 0x00])).message).toMatch(/field number 0/);
    expect(decodeError(decodeTraceRequest, pb().tag(9, 6).bytes()).message).toMatch(/invalid wire type 6/);
    expect(decodeError(decodeTraceRequest, pb().tag(9, 7).bytes()).message).toMatch(/invalid wire type 7/);
    expect(decodeError(decodeTraceRequest, pb().tag(9, 4).bytes()).message).toMatch(/unexpected end-group/);
    expect(decodeError(decodeTraceRequest, pb().tag(9, 3).uint(1, 1).bytes()).message).toMatch(/unterminated group/);
    expect(decodeError(decodeTraceRequest, pb().tag(9, 3).tag(8, 4).bytes()).message).toMatch(/mismatched end-group/);
    const deepGroups = pb();
    for (let i = 0; i < 100; i++) deepGroups.tag(9, 3);
    expect(decodeError(decodeTraceRequest, deepGroups.bytes()).message).toMatch(/groups nested too deeply/);
  });

  test('packed fixed64 and double runs must be whole elements', () => {
    const point = pb().packed(6, pb().raw(Buffer.alloc(7)));
    const metric = pb().len(1, 'h').len(9, pb().len(1, point));
    expect(decodeError(decodeMetricsRequest, pb().len(1, pb().len(2, pb().len(2, metric))).bytes()).message).toMatch(/bucket_counts is not a multiple of 8/);
  });

  test('AnyValue nesting is capped at 64 levels (kvlist and array bombs)', () => {
    const nest = (depth: number, wrap: (inner: Pb) => Pb): Pb => {
      let v = pb().len(1, 'leaf');
      for (let i = 0; i < depth; i++) v = wrap(v);
      return v;
    };
    const asKvlist = (inner: Pb) => pb().len(6, pb().len(1, pb().len(1, 'k').len(2, inner)));
    const asArray = (inner: Pb) => pb().len(5, pb().len(1, inner));
    const withBody = (body: Pb) => pb().len(1, pb().len(2, pb().len(2, pb().len(5, body)))).bytes();
    for (const wrap of [asKvlist, asArray]) {
      expect(decodeError(decodeLogsRequest, withBody(nest(200, wrap))).message).toMatch(/nested more than 64 levels/);
      expect(decodeError(decodeLogsRequest, withBody(nest(64, wrap))).message).toMatch(/nested more than 64 levels/);
      const ok = decodeLogsRequest(withBody(nest(63, wrap)));
      let body = ok.resourceLogs[0].scopeLogs[0].logRecords[0].body;
      let depth = 0;
      while (typeof body !== 'string') {
        body = Array.isArray(body) ? body[0] : (body as { kvlist: Record<string, never> }).kvlist.k;
        depth++;
      }
      expect([depth, body]).toEqual([63, 'leaf']);
    }
  });

  test('garbage bytes', () => {
    for (const garbage of [Buffer.alloc(32, 0xff), Buffer.from('this is not protobuf at all'), Buffer.from('{"resourceSpans":[]}')]) {
      expect(() => decodeTraceRequest(garbage)).toThrow(OtlpDecodeError);
    }
  });
});

/** Random damage of one of several kinds; deterministic for a given PRNG. */
function mutate(src: Uint8Array, rand: () => number): Uint8Array {
  const at = (n: number) => Math.floor(rand() * n);
  const bytes = Uint8Array.from(src);
  switch (at(6)) {
    case 0:
      return bytes.subarray(0, at(bytes.length));
    case 1: {
      for (let i = 0, n = 1 + at(4); i < n; i++) bytes[at(bytes.length)] = at(256);
      return bytes;
    }
    case 2: {
      for (let i = 0, n = 1 + at(3); i < n; i++) bytes[at(bytes.length)] = [0x00, 0x7f, 0x80, 0xff][at(4)];
      return bytes;
    }
    case 3: {
      const pos = at(bytes.length);
      const extra = Array.from({ length: 1 + at(8) }, () => at(256));
      return Uint8Array.from([...bytes.subarray(0, pos), ...extra, ...bytes.subarray(pos)]);
    }
    case 4: {
      const pos = at(bytes.length);
      return Uint8Array.from([...bytes.subarray(0, pos), ...bytes.subarray(pos + 1 + at(16))]);
    }
    default: {
      const from = at(bytes.length);
      const chunk = bytes.subarray(from, from + 1 + at(24));
      const pos = at(bytes.length);
      return Uint8Array.from([...bytes.subarray(0, pos), ...chunk, ...bytes.subarray(pos)]);
    }
  }
}

describe('fuzz: mutated and truncated valid payloads', () => {
  const metricsBytes = () => {
    const hist = pb().len(1, pb().fixed64(4, 2n).packed(6, pb().raw(Buffer.alloc(16, 1))).double(7, 1.5).double(11, 0.5));
    const exp = pb().len(1, pb().uint(6, 1).len(8, pb().uint(1, 3).packed(2, pb().varint(1).varint(2))).len(11, pb().len(5, ID16)));
    const metrics = pb()
      .len(2, pb().len(1, 'h').len(9, hist))
      .len(2, pb().len(1, 'e').len(10, exp))
      .len(2, pb().len(1, 's').len(11, pb().len(1, pb().fixed64(4, 1n).len(6, pb().double(1, 0.5).double(2, 3)))));
    return Uint8Array.from([...jsonToProtobuf(OTLP_MESSAGES.metricsRequest, fixtureText('metrics.json')), ...pb().len(1, pb().len(2, metrics)).bytes()]);
  };
  const corpora = [
    { name: 'traces', decode: decodeTraceRequest, oracle: pbjs.decodeTraceRequest, seeds: [makeTraceRequestBytes({ spans: 4, seed: 3 }), jsonToProtobuf(OTLP_MESSAGES.traceRequest, fixtureText('trace.json')), traceWith(validSpan().len(9, kvString('k', 'v')).len(13, pb().len(1, ID16).len(2, ID8)))] },
    { name: 'metrics', decode: decodeMetricsRequest, oracle: pbjs.decodeMetricsRequest, seeds: [metricsBytes()] },
    { name: 'logs', decode: decodeLogsRequest, oracle: pbjs.decodeLogsRequest, seeds: [jsonToProtobuf(OTLP_MESSAGES.logsRequest, fixtureText('logs.json')), jsonToProtobuf(OTLP_MESSAGES.logsRequest, fixtureText('events.json'))] },
  ];

  for (const { name, decode, oracle, seeds } of corpora) {
    test(`${name}: 3000 mutations give an OtlpDecodeError or a result protobufjs agrees with`, () => {
      const rand = prng(0x5eed + name.length);
      let ok = 0;
      let rejected = 0;
      for (let i = 0; i < 3000; i++) {
        const input = mutate(seeds[i % seeds.length], rand);
        let result: unknown;
        try {
          result = decode(input);
        } catch (err) {
          if (!(err instanceof OtlpDecodeError)) throw new Error(`iteration ${i}: ${String(err)} for ${Buffer.from(input).toString('hex')}`);
          rejected++;
          continue;
        }
        ok++;
        expect(result).toBeTypeOf('object');
        // Whatever the hand decoder accepts, protobufjs (through the same conversion rules) reads the same way.
        // Given a Buffer, protobufjs decodes strings with Node's UTF-8 decoder as the hand decoder does (its
        // own decoder, used for plain Uint8Arrays, replaces invalid sequences differently).
        expect(oracle(Buffer.from(input)), `iteration ${i}: ${Buffer.from(input).toString('hex')}`).toEqual(result);
      }
      expect(ok).toBeGreaterThan(100);
      expect(rejected).toBeGreaterThan(100);
    });
  }
});
