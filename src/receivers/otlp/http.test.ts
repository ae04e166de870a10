import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ingest, IngestOutcome } from '../../pipeline/ingest.js';
import { OtlpHttpReceiver } from './http.js';
import type { ExportTraceRequest } from './types.js';

/** An ingest stage that records what it was handed; `busy` makes it refuse like a full queue. */
function recordingIngest() {
  const traces: ExportTraceRequest[] = [];
  let busy = false;
  let tooLarge = false;
  const ingest: Ingest = {
    traces: (req): IngestOutcome => {
      if (tooLarge) return { accepted: false, tooLarge: 'the request expands to too many rows' };
      if (busy) return { accepted: false, retryAfterSeconds: 3 };
      traces.push(req);
      return { accepted: true, count: 1 };
    },
    metrics: () => ({ accepted: true, count: 0 }),
    logs: () => ({ accepted: true, count: 0 }),
  };
  return { ingest, traces, setBusy: (b: boolean) => (busy = b), setTooLarge: (b: boolean) => (tooLarge = b) };
}

const LIMIT = 64 * 1024;
const rec = recordingIngest();
const receiver = new OtlpHttpReceiver({ host: '127.0.0.1', port: 0, maxBodyBytes: LIMIT, ingestKeys: [] }, rec.ingest);
let base = '';
beforeAll(async () => {
  base = `http://127.0.0.1:${await receiver.start()}`;
});
afterAll(() => receiver.stop());

const span = (traceId: string, spanId: string) => ({
  traceId,
  spanId,
  name: 'chat m',
  kind: 3,
  startTimeUnixNano: '1700000000000000000',
  endTimeUnixNano: '1700000001000000000',
  attributes: [{ key: 'gen_ai.request.model', value: { stringValue: 'm' } }],
});
const body = (spans: unknown[]) => JSON.stringify({ resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 's' }, spans }] }] });
const T = '0123456789abcdef0123456789abcdef';
const S = '0123456789abcdef';

async function post(path: string, data: string | Uint8Array, headers: Record<string, string>) {
  const res = await fetch(base + path, { method: 'POST', headers, body: typeof data === 'string' ? data : new Uint8Array(data) as Uint8Array<ArrayBuffer> });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe('OTLP/HTTP receiver', () => {
  it('accepts OTLP/JSON and answers an empty ExportTraceServiceResponse', async () => {
    const r = await post('/v1/traces', body([span(T, S)]), { 'content-type': 'application/json' });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text)).toEqual({});
    expect(rec.traces.at(-1)!.resourceSpans[0].scopeSpans[0].spans[0]).toMatchObject({ traceId: T, spanId: S, name: 'chat m', kind: 3 });
  });

  it('accepts a gzip body', async () => {
    const r = await post('/v1/traces', gzipSync(body([span(T, S)])), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(r.status).toBe(200);
  });

  it('reports spans without ids as a partial success', async () => {
    const r = await post('/v1/traces', body([span(T, S), span('', S), span(T, '')]), { 'content-type': 'application/json' });
    expect(r.status).toBe(200);
    const answer = JSON.parse(r.text);
    expect(answer.partialSuccess.rejectedSpans).toBe('2');
    expect(answer.partialSuccess.errorMessage).toMatch(/without trace_id or span_id/);
    expect(rec.traces.at(-1)!.resourceSpans[0].scopeSpans[0].spans).toHaveLength(1);
  });

  it('answers 400 with a google.rpc.Status for malformed JSON, and stores nothing', async () => {
    const before = rec.traces.length;
    const r = await post('/v1/traces', '{"resourceSpans": [', { 'content-type': 'application/json' });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text)).toMatchObject({ code: 3, message: expect.stringMatching(/invalid OTLP json/) });
    expect(rec.traces.length).toBe(before);
  });

  it('answers 400 for malformed protobuf, with a protobuf Status body', async () => {
    const r = await post('/v1/traces', Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2]), { 'content-type': 'application/x-protobuf' });
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toBe('application/x-protobuf');
    // google.rpc.Status: field 1 code=3 (0x08 0x03), field 2 message
    const bytes = Buffer.from(r.text, 'latin1');
    expect([bytes[0], bytes[1], bytes[2]]).toEqual([0x08, 0x03, 0x12]);
  });

  it('answers 400 for ids of the wrong length', async () => {
    const r = await post('/v1/traces', body([span('abcd', S)]), { 'content-type': 'application/json' });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text).message).toMatch(/trace/i);
    const r2 = await post('/v1/traces', body([span(T, 'abcd')]), { 'content-type': 'application/json' });
    expect(r2.status).toBe(400);
  });

  it('answers 415 for an unsupported content type or encoding', async () => {
    expect((await post('/v1/traces', 'x', { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await post('/v1/traces', 'x', { 'content-type': 'application/json', 'content-encoding': 'br' })).status).toBe(415);
  });

  it('answers 413 for a body over the limit, declared or streamed', async () => {
    const big = 'x'.repeat(LIMIT + 1);
    const r = await post('/v1/traces', big, { 'content-type': 'application/json' });
    expect(r.status).toBe(413);
    expect(JSON.parse(r.text).message).toMatch(/exceeds the limit/);
  });

  it('answers 413 for a gzip body that inflates past the limit, without inflating it all', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024)); // 64 MiB of zeros, ~64 KiB compressed
    expect(bomb.length).toBeLessThan(LIMIT);
    const r = await post('/v1/traces', bomb, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(r.status).toBe(413);
    expect(JSON.parse(r.text).message).toMatch(/decompressed body exceeds/);
  });

  it('answers 400 for a corrupt gzip body', async () => {
    const r = await post('/v1/traces', Buffer.from('not gzip at all'), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(r.status).toBe(400);
  });

  it('answers 404 for unknown paths and 405 for other methods', async () => {
    expect((await post('/v1/other', '{}', { 'content-type': 'application/json' })).status).toBe(404);
    const res = await fetch(base + '/v1/traces');
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });

  it('answers 503 with Retry-After when the pipeline is full', async () => {
    rec.setBusy(true);
    try {
      const r = await post('/v1/traces', body([span(T, S)]), { 'content-type': 'application/json' });
      expect(r.status).toBe(503);
      expect(r.headers.get('retry-after')).toBe('3');
    } finally {
      rec.setBusy(false);
    }
  });

  it('answers 413 (not retryable) when the request expands past what the pipeline takes', async () => {
    rec.setTooLarge(true);
    try {
      const r = await post('/v1/traces', body([span(T, S)]), { 'content-type': 'application/json' });
      expect(r.status).toBe(413);
      expect(JSON.parse(r.text).message).toMatch(/expands to too many rows/);
    } finally {
      rec.setTooLarge(false);
    }
  });

  it('stays up after all of the above', async () => {
    const r = await post('/v1/traces', body([span(T, S)]), { 'content-type': 'application/json' });
    expect(r.status).toBe(200);
  });
});
