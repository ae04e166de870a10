/**
 * POST /api/v1/write on the OTLP/HTTP receiver: the ingest-key check and body limit it shares with
 * the OTLP routes, and malformed input answered with the right status while the server keeps serving.
 */
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post } from '../../../test/helpers/http.js';
import { encodeWriteRequest, snappyCompress, snappyPreamble } from '../../../test/helpers/remote-write.js';
import type { Ingest } from '../../pipeline/ingest.js';
import { OtlpHttpReceiver } from '../otlp/http.js';
import type { ExportMetricsRequest } from '../otlp/types.js';

const LIMIT = 64 * 1024;
const KEY = 'test-ingest-key';
const received: ExportMetricsRequest[] = [];
const ingest: Ingest = {
  traces: () => ({ accepted: true, count: 0 }),
  logs: () => ({ accepted: true, count: 0 }),
  metrics: (req) => (received.push(req), { accepted: true, count: 1 }),
};
const receiver = new OtlpHttpReceiver({ host: '127.0.0.1', port: 0, maxBodyBytes: LIMIT, ingestKeys: [KEY] }, ingest);
let url = '';
beforeAll(async () => {
  url = `http://127.0.0.1:${await receiver.start()}/api/v1/write`;
});
afterAll(() => receiver.stop());

const HEADERS = {
  'Content-Type': 'application/x-protobuf',
  'Content-Encoding': 'snappy',
  'X-Prometheus-Remote-Write-Version': '0.1.0',
  Authorization: `Bearer ${KEY}`,
};
const payload = () => encodeWriteRequest([{ labels: { __name__: 'up', instance: 'h:9100', job: 'node' }, samples: [{ value: 1, timestampMs: Date.now() }] }]);
const send = (body: Uint8Array, headers: Record<string, string> = {}) => post(url, Buffer.from(body), { headers: { ...HEADERS, ...headers } });

/** A good request is still answered 204 and ingested. */
async function stillServing(): Promise<void> {
  const before = received.length;
  const r = await send(snappyCompress(payload()));
  expect(r.status).toBe(204);
  expect(received.length).toBe(before + 1);
}

describe('POST /api/v1/write', () => {
  it('accepts a snappy WriteRequest with 204 and no body', async () => {
    const r = await send(snappyCompress(payload()));
    expect(r.status).toBe(204);
    expect(r.body.length).toBe(0);
    expect(received.at(-1)!.resourceMetrics[0].resource.attributes).toMatchObject({ 'service.name': 'node', 'host.name': 'h' });
  });

  it('takes the key as x-api-key too', async () => {
    const { Authorization: _, ...rest } = HEADERS;
    const r = await post(url, Buffer.from(snappyCompress(payload())), { headers: { ...rest, 'x-api-key': KEY } });
    expect(r.status).toBe(204);
  });

  it('answers 401 without a valid ingest key', async () => {
    const before = received.length;
    for (const auth of [undefined, 'Bearer wrong']) {
      const headers: Record<string, string> = { ...HEADERS };
      if (auth) headers.Authorization = auth;
      else delete headers.Authorization;
      const r = await post(url, Buffer.from(snappyCompress(payload())), { headers });
      expect(r.status).toBe(401);
    }
    expect(received.length).toBe(before);
    await stillServing();
  });

  it('answers 405 to other methods', async () => {
    const res = await fetch(url);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });

  const malformed: [string, () => Uint8Array, Record<string, string>, number, RegExp][] = [
    ['bad snappy (a copy before the start)', () => Uint8Array.of(10, 0x01, 5), {}, 400, /invalid snappy block/],
    ['bad snappy (a preamble that never ends)', () => new Uint8Array(200).fill(0xff), {}, 400, /invalid snappy block/],
    ['a truncated snappy block', () => snappyCompress(payload()).subarray(0, 10), {}, 400, /invalid snappy block/],
    ['bad protobuf', () => snappyCompress(Uint8Array.of(0x0a, 0x7f, 0x0a, 0x01)), {}, 400, /invalid remote-write protobuf/],
    ['gzip declared as snappy', () => gzipSync(payload()), {}, 400, /invalid snappy block/],
    ['gzip declared as gzip', () => gzipSync(payload()), { 'Content-Encoding': 'gzip' }, 400, /Content-Encoding: snappy/],
    ['no compression', () => payload(), { 'Content-Encoding': 'identity' }, 400, /Content-Encoding: snappy/],
    ['a JSON content type', () => snappyCompress(payload()), { 'Content-Type': 'application/json' }, 415, /unsupported content type/],
    ['a text content type', () => snappyCompress(payload()), { 'Content-Type': 'text/plain' }, 415, /unsupported content type/],
    ['a decompression bomb (7 bytes declaring 4 GiB)', () => Uint8Array.of(...snappyPreamble(2 ** 32 - 1), 0x00, 0x41), {}, 413, /declares 4294967295/],
    ['a body inflating past the limit', () => snappyCompress(new Uint8Array(LIMIT * 4)), {}, 413, /over the limit of 65536/],
  ];
  for (const [what, body, headers, status, message] of malformed) {
    it(`answers ${status} to ${what} and keeps serving`, async () => {
      const before = received.length;
      const r = await send(body(), headers);
      expect(r.status).toBe(status);
      expect(r.headers['content-type']).toBe('application/json');
      expect(JSON.parse(r.body.toString())).toMatchObject({ message: expect.stringMatching(message) });
      expect(received.length).toBe(before);
      await stillServing();
    });
  }

  it('answers 413 to a body over the limit, declared or streamed, and keeps serving', async () => {
    const big = randomBytes(LIMIT + 1);
    const declared = await send(big);
    expect(declared.status).toBe(413);
    const streamed = await post(url, big, { headers: HEADERS, chunked: true });
    expect(streamed.status).toBe(413);
    expect(JSON.parse(streamed.body.toString()).message).toMatch(/exceeds the limit of 65536/);
    await stillServing();
  });

  it('survives a burst of random bodies', async () => {
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => send(i % 2 ? randomBytes(1 + i * 7) : snappyCompress(randomBytes(1 + i * 13)))));
    for (const a of answers) expect([204, 400, 413]).toContain(a.status);
    await stillServing();
  });
});
