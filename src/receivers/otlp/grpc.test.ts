import { credentials, Client, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ingest, IngestOutcome } from '../../pipeline/ingest.js';
import { OtlpGrpcReceiver } from './grpc.js';
import type { ExportTraceRequest } from './types.js';

const traces: ExportTraceRequest[] = [];
let busy = false;
const ingest: Ingest = {
  traces: (req): IngestOutcome => {
    if (busy) return { accepted: false, retryAfterSeconds: 2 };
    traces.push(req);
    return { accepted: true, count: 1 };
  },
  metrics: () => ({ accepted: true, count: 1 }),
  logs: () => ({ accepted: true, count: 1 }),
};

const LIMIT = 32 * 1024;
const receiver = new OtlpGrpcReceiver({ host: '127.0.0.1', port: 0, maxBodyBytes: LIMIT, ingestKeys: ['secret'] }, ingest);
let client: Client;
beforeAll(async () => {
  const port = await receiver.start();
  client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
});
afterAll(async () => {
  client.close();
  await receiver.stop();
});

const TRACE_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

function call(path: string, body: Buffer, key = 'secret'): Promise<{ error: ServiceError | null; response?: Buffer }> {
  const md = new Metadata();
  if (key) md.set('authorization', `Bearer ${key}`);
  return new Promise((resolve) => {
    client.makeUnaryRequest(path, (b: Buffer) => b, (b: Buffer) => b, body, md, (error, response) => resolve({ error, response }));
  });
}

/** Minimal protobuf writer for test payloads: field tags and length-delimited bytes. */
function ld(field: number, bytes: Buffer): Buffer {
  const len: number[] = [];
  let n = bytes.length;
  while (n > 127) {
    len.push((n & 127) | 128);
    n >>>= 7;
  }
  len.push(n);
  return Buffer.concat([Buffer.from([(field << 3) | 2, ...len]), bytes]);
}
const hex = (s: string) => Buffer.from(s, 'hex');
function spanBytes(traceId: string, spanId: string, name: string): Buffer {
  return Buffer.concat([ld(1, hex(traceId)), ld(2, hex(spanId)), ld(5, Buffer.from(name))]);
}
const request = (...spans: Buffer[]) => ld(1, ld(2, Buffer.concat(spans.map((s) => ld(2, s))))); // ResourceSpans.scope_spans.spans

describe('OTLP/gRPC receiver', () => {
  it('accepts TraceService/Export and answers an empty response', async () => {
    const r = await call(TRACE_PATH, request(spanBytes('0102030405060708090a0b0c0d0e0f10', '0102030405060708', 'chat m')));
    expect(r.error).toBeNull();
    expect(r.response!.length).toBe(0);
    expect(traces.at(-1)!.resourceSpans[0].scopeSpans[0].spans[0]).toMatchObject({
      traceId: '0102030405060708090a0b0c0d0e0f10',
      spanId: '0102030405060708',
      name: 'chat m',
    });
  });

  it('answers a partial success for spans without ids', async () => {
    const r = await call(TRACE_PATH, request(spanBytes('0102030405060708090a0b0c0d0e0f10', '0102030405060708', 'ok'), ld(5, Buffer.from('no ids'))));
    expect(r.error).toBeNull();
    // ExportTraceServiceResponse.partial_success (1) { rejected_spans (1) = 1, error_message (2) }
    expect([...r.response!.subarray(0, 4)]).toEqual([0x0a, r.response![1], 0x08, 0x01]);
    expect(r.response!.toString('latin1')).toMatch(/without trace_id or span_id/);
  });

  it('answers INVALID_ARGUMENT for undecodable protobuf and for ids of the wrong length', async () => {
    const garbage = await call(TRACE_PATH, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]));
    expect(garbage.error?.code).toBe(status.INVALID_ARGUMENT);
    const shortId = await call(TRACE_PATH, request(spanBytes('0102', '0102030405060708', 'x')));
    expect(shortId.error?.code).toBe(status.INVALID_ARGUMENT);
    expect(shortId.error?.details).toMatch(/trace/i);
  });

  it('answers UNAUTHENTICATED without the key', async () => {
    const r = await call(TRACE_PATH, request(), '');
    expect(r.error?.code).toBe(status.UNAUTHENTICATED);
    const wrong = await call(TRACE_PATH, request(), 'nope');
    expect(wrong.error?.code).toBe(status.UNAUTHENTICATED);
  });

  it('answers RESOURCE_EXHAUSTED past the size limit', async () => {
    const big = request(spanBytes('0102030405060708090a0b0c0d0e0f10', '0102030405060708', 'x'.repeat(LIMIT)));
    const r = await call(TRACE_PATH, big);
    expect(r.error?.code).toBe(status.RESOURCE_EXHAUSTED);
  });

  it('answers UNAVAILABLE (retryable) when the pipeline is full', async () => {
    busy = true;
    try {
      const r = await call(TRACE_PATH, request(spanBytes('0102030405060708090a0b0c0d0e0f10', '0102030405060708', 'x')));
      expect(r.error?.code).toBe(status.UNAVAILABLE);
    } finally {
      busy = false;
    }
  });

  it('serves the metrics and logs services too', async () => {
    const m = await call('/opentelemetry.proto.collector.metrics.v1.MetricsService/Export', Buffer.alloc(0));
    expect(m.error).toBeNull();
    const l = await call('/opentelemetry.proto.collector.logs.v1.LogsService/Export', Buffer.alloc(0));
    expect(l.error).toBeNull();
  });
});
