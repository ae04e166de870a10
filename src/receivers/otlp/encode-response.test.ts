import { JsonTraceSerializer, ProtobufLogsSerializer, ProtobufMetricsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { describe, expect, test } from 'vitest';
import {
  encodeExportResponse,
  encodeLogsResponse,
  encodeMetricsResponse,
  encodeRpcStatus,
  encodeTraceResponse,
  exportResponseJson,
  logsResponseJson,
  metricsResponseJson,
  rpcStatusJson,
  traceResponseJson,
} from './encode-response.js';
import { OTLP_MESSAGES, otlpProtobufType } from './protobufjs-schema.js';

/** Decodes with protobufjs and converts to plain JSON (64-bit ints as strings). */
function viaProtobufjs(typeName: string, bytes: Uint8Array): Record<string, unknown> {
  const type = otlpProtobufType(typeName);
  return type.toObject(type.decode(bytes), { longs: String }) as Record<string, unknown>;
}

describe('Export*ServiceResponse as protobuf', () => {
  test('full success is the empty message', () => {
    for (const signal of ['traces', 'metrics', 'logs'] as const) {
      expect(encodeExportResponse(signal)).toEqual(new Uint8Array(0));
      expect(encodeExportResponse(signal, { rejected: 0 })).toEqual(new Uint8Array(0));
      expect(encodeExportResponse(signal, { rejected: 0n, errorMessage: '' })).toEqual(new Uint8Array(0));
    }
    expect(viaProtobufjs(OTLP_MESSAGES.traceResponse, encodeTraceResponse())).toEqual({});
  });

  test('exact bytes of a small partial success', () => {
    // partial_success (1, LEN 5) { rejected (1, varint 1), error_message (2, LEN 1) "x" }
    expect(Array.from(encodeTraceResponse({ rejected: 1, errorMessage: 'x' }))).toEqual([0x0a, 0x05, 0x08, 0x01, 0x12, 0x01, 0x78]);
  });

  test('partial success read back by protobufjs with the OTLP schema', () => {
    expect(viaProtobufjs(OTLP_MESSAGES.traceResponse, encodeTraceResponse({ rejected: 3, errorMessage: 'span ids must be 8 bytes' }))).toEqual({
      partialSuccess: { rejectedSpans: '3', errorMessage: 'span ids must be 8 bytes' },
    });
    expect(viaProtobufjs(OTLP_MESSAGES.metricsResponse, encodeMetricsResponse({ rejected: 2n ** 40n, errorMessage: 'NaN sums' }))).toEqual({
      partialSuccess: { rejectedDataPoints: '1099511627776', errorMessage: 'NaN sums' },
    });
    expect(viaProtobufjs(OTLP_MESSAGES.logsResponse, encodeLogsResponse({ rejected: 300, errorMessage: 'körper zu groß ✗' }))).toEqual({
      partialSuccess: { rejectedLogRecords: '300', errorMessage: 'körper zu groß ✗' },
    });
    // a warning with nothing rejected: only the message is present
    expect(viaProtobufjs(OTLP_MESSAGES.traceResponse, encodeTraceResponse({ rejected: 0, errorMessage: 'deprecated attribute' }))).toEqual({
      partialSuccess: { errorMessage: 'deprecated attribute' },
    });
  });

  test('read back by the OpenTelemetry JS exporters’ own response deserializers', () => {
    expect(ProtobufTraceSerializer.deserializeResponse(encodeTraceResponse({ rejected: 5, errorMessage: 'too old' }))).toMatchObject({
      partialSuccess: { errorMessage: 'too old' },
    });
    expect(Number(ProtobufTraceSerializer.deserializeResponse(encodeTraceResponse({ rejected: 5 })).partialSuccess?.rejectedSpans)).toBe(5);
    expect(Number(ProtobufMetricsSerializer.deserializeResponse(encodeMetricsResponse({ rejected: 7 })).partialSuccess?.rejectedDataPoints)).toBe(7);
    expect(Number(ProtobufLogsSerializer.deserializeResponse(encodeLogsResponse({ rejected: 9 })).partialSuccess?.rejectedLogRecords)).toBe(9);
    expect(ProtobufTraceSerializer.deserializeResponse(encodeTraceResponse())).toEqual({});
  });
});

describe('Export*ServiceResponse as OTLP/JSON', () => {
  test('full success is {}', () => {
    expect(traceResponseJson()).toEqual({});
    expect(metricsResponseJson({ rejected: 0 })).toEqual({});
    expect(JSON.stringify(logsResponseJson())).toBe('{}');
  });

  test('the count field is named per signal and carried as an int64 string', () => {
    expect(traceResponseJson({ rejected: 3, errorMessage: 'bad ids' })).toEqual({ partialSuccess: { rejectedSpans: '3', errorMessage: 'bad ids' } });
    expect(metricsResponseJson({ rejected: 4n })).toEqual({ partialSuccess: { rejectedDataPoints: '4' } });
    expect(logsResponseJson({ rejected: 1, errorMessage: 'x' })).toEqual({ partialSuccess: { rejectedLogRecords: '1', errorMessage: 'x' } });
    expect(exportResponseJson('traces', { rejected: 0, errorMessage: 'just a warning' })).toEqual({ partialSuccess: { errorMessage: 'just a warning' } });
  });

  test('parsed by protobufjs fromObject and by the JS exporter’s JSON deserializer', () => {
    const json = JSON.stringify(traceResponseJson({ rejected: 12, errorMessage: 'quota' }));
    const type = otlpProtobufType(OTLP_MESSAGES.traceResponse);
    expect(type.toObject(type.fromObject(JSON.parse(json)), { longs: Number })).toEqual({ partialSuccess: { rejectedSpans: 12, errorMessage: 'quota' } });
    expect(JsonTraceSerializer.deserializeResponse(new TextEncoder().encode(json))).toEqual({ partialSuccess: { rejectedSpans: '12', errorMessage: 'quota' } });
  });
});

describe('google.rpc.Status error bodies', () => {
  test('protobuf, read back by protobufjs', () => {
    expect(viaProtobufjs(OTLP_MESSAGES.status, encodeRpcStatus({ code: 3, message: 'invalid OTLP protobuf: Span.trace_id must be 16 bytes, got 15' }))).toEqual({
      code: 3,
      message: 'invalid OTLP protobuf: Span.trace_id must be 16 bytes, got 15',
    });
    expect(Array.from(encodeRpcStatus({ code: 14, message: 'busy' }))).toEqual([0x08, 14, 0x12, 4, 0x62, 0x75, 0x73, 0x79]);
    expect(viaProtobufjs(OTLP_MESSAGES.status, encodeRpcStatus({ code: 8, message: 'ressource épuisée' }))).toEqual({ code: 8, message: 'ressource épuisée' });
    expect(encodeRpcStatus({ code: 0, message: '' })).toEqual(new Uint8Array(0));
    // int32 negative values are sign-extended varints (10 bytes)
    const negative = encodeRpcStatus({ code: -1, message: '' });
    expect(negative.length).toBe(11);
    expect(viaProtobufjs(OTLP_MESSAGES.status, negative)).toEqual({ code: -1 });
  });

  test('JSON', () => {
    expect(rpcStatusJson({ code: 3, message: 'bad request' })).toEqual({ code: 3, message: 'bad request' });
    expect(JSON.stringify(rpcStatusJson({ code: 8, message: 'slow down' }))).toBe('{"code":8,"message":"slow down"}');
  });
});
