import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodeWriteRequest, PROM_TYPE, snappyCompress, snappyPreamble, STALE_BITS, type MetadataSpec, type SeriesSpec } from '../../../test/helpers/remote-write.js';
import type { Ingest, IngestOutcome } from '../../pipeline/ingest.js';
import type { ExportMetricsRequest, NumberDataPoint, OtlpMetric } from '../otlp/types.js';
import { decodeWriteRequest } from './remote-write-decode.js';
import { createRemoteWriteHandler, MetadataCache, REMOTE_WRITE_SCOPE, writeRequestToMetrics, type RemoteWriteRequest } from './remote-write.js';

const T0 = 1_700_000_000_000;
const convert = (series: SeriesSpec[], metadata: MetadataSpec[] = []) => writeRequestToMetrics(decodeWriteRequest(encodeWriteRequest(series, metadata)));
const metricsOf = (req: ExportMetricsRequest): OtlpMetric[] => req.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics));
const metric = (req: ExportMetricsRequest, name: string): OtlpMetric => metricsOf(req).find((m) => m.name === name)!;
const pointsOf = (m: OtlpMetric): NumberDataPoint[] => (m.data as { dataPoints: NumberDataPoint[] }).dataPoints;
const kind = (m: OtlpMetric) => (m.data.type === 'sum' ? `sum(${m.data.aggregationTemporality},${m.data.isMonotonic})` : m.data.type);

describe('remote write to OTLP metrics', () => {
  it('groups series by job and instance into resources with service and host attributes', () => {
    const req = convert([
      { labels: { __name__: 'up', instance: 'web-1:9100', job: 'node' }, samples: [{ value: 1, timestampMs: T0 }] },
      { labels: { __name__: 'load1', instance: 'web-1:9100', job: 'node' }, samples: [{ value: 0.5, timestampMs: T0 }] },
      { labels: { __name__: 'up', instance: '[::1]:9090', job: 'prometheus' }, samples: [{ value: 1, timestampMs: T0 }] },
      { labels: { __name__: 'up', instance: 'db.internal', job: 'pg' }, samples: [{ value: 0, timestampMs: T0 }] },
      { labels: { __name__: 'up' }, samples: [{ value: 1, timestampMs: T0 }] },
    ]);
    expect(req.resourceMetrics.map((rm) => rm.resource.attributes)).toEqual([
      { 'service.name': 'node', 'service.instance.id': 'web-1:9100', 'host.name': 'web-1', 'server.port': { int: 9100n } },
      { 'service.name': 'prometheus', 'service.instance.id': '[::1]:9090', 'host.name': '::1', 'server.port': { int: 9090n } },
      { 'service.name': 'pg', 'service.instance.id': 'db.internal', 'host.name': 'db.internal' },
      {},
    ]);
    expect(req.resourceMetrics[0].scopeMetrics).toHaveLength(1);
    expect(req.resourceMetrics[0].scopeMetrics[0].scope.name).toBe(REMOTE_WRITE_SCOPE);
    expect(req.resourceMetrics[0].scopeMetrics[0].metrics.map((m) => m.name)).toEqual(['up', 'load1']);
  });

  it('turns the other labels into attributes and each sample into a point, in nanoseconds', () => {
    const req = convert([
      { labels: { __name__: 'temp', job: 'j', instance: 'h:1', room: 'a', le: '0.5' }, samples: [{ value: 21.5, timestampMs: T0 }, { value: 22, timestampMs: T0 + 15_000 }] },
      { labels: { __name__: 'temp', job: 'j', instance: 'h:1', room: 'b' }, samples: [{ value: 19, timestampMs: T0 }] },
    ]);
    const m = metric(req, 'temp');
    expect(m.data.type).toBe('gauge');
    expect(pointsOf(m)).toEqual([
      { attributes: { room: 'a', le: '0.5' }, startTimeUnixNano: 0n, timeUnixNano: 1_700_000_000_000_000_000n, exemplars: [], flags: 0, value: 21.5, isInt: false },
      { attributes: { room: 'a', le: '0.5' }, startTimeUnixNano: 0n, timeUnixNano: 1_700_000_015_000_000_000n, exemplars: [], flags: 0, value: 22, isInt: false },
      { attributes: { room: 'b' }, startTimeUnixNano: 0n, timeUnixNano: 1_700_000_000_000_000_000n, exemplars: [], flags: 0, value: 19, isInt: false },
    ]);
  });

  it('keeps a __proto__ label as an ordinary attribute', () => {
    const req = convert([{ labels: { __name__: 'odd', ['__proto__']: 'x' }, samples: [{ value: 1, timestampMs: T0 }] }]);
    const attrs = pointsOf(metric(req, 'odd'))[0].attributes;
    expect(Object.keys(attrs)).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(attrs, '__proto__')?.value).toBe('x');
    expect(Object.getPrototypeOf(attrs)).toBe(Object.prototype);
  });

  it('types metrics from metadata, else by the _total naming convention', () => {
    const s = (name: string): SeriesSpec => ({ labels: { __name__: name, job: 'j' }, samples: [{ value: 1, timestampMs: T0 }] });
    const req = convert(
      [s('requests'), s('errors_total'), s('queue_total'), s('om_total'), s('rpc_seconds_bucket'), s('rpc_seconds_count'), s('rpc_seconds_sum'), s('lat'), s('lat_count'), s('orphan_count'), s('temp')],
      [
        { type: PROM_TYPE.COUNTER, family: 'requests', help: 'Requests served.', unit: 'requests' },
        { type: PROM_TYPE.GAUGE, family: 'queue_total', help: 'A gauge despite its name.' },
        { type: PROM_TYPE.COUNTER, family: 'om', help: 'OpenMetrics counter family.' },
        { type: PROM_TYPE.HISTOGRAM, family: 'rpc_seconds', help: 'RPC latency.', unit: 'seconds' },
        { type: PROM_TYPE.SUMMARY, family: 'lat' },
        { type: PROM_TYPE.GAUGE, family: 'temp', unit: 'celsius' },
      ],
    );
    const kinds = Object.fromEntries(metricsOf(req).map((m) => [m.name, kind(m)]));
    expect(kinds).toEqual({
      requests: 'sum(2,true)',
      errors_total: 'sum(2,true)',
      queue_total: 'gauge',
      om_total: 'sum(2,true)',
      rpc_seconds_bucket: 'sum(2,true)',
      rpc_seconds_count: 'sum(2,true)',
      rpc_seconds_sum: 'sum(2,true)',
      lat: 'gauge',
      lat_count: 'sum(2,true)',
      orphan_count: 'gauge',
      temp: 'gauge',
    });
    expect(metric(req, 'requests')).toMatchObject({ description: 'Requests served.', unit: 'requests' });
    expect(metric(req, 'om_total')).toMatchObject({ description: 'OpenMetrics counter family.' });
    expect(metric(req, 'rpc_seconds_bucket')).toMatchObject({ description: 'RPC latency.', unit: 'seconds' });
    expect(metric(req, 'temp')).toMatchObject({ description: '', unit: 'celsius' });
  });

  it('turns stale markers into points without a recorded value', () => {
    const req = convert([{ labels: { __name__: 'up', job: 'j' }, samples: [{ value: 1, timestampMs: T0 }, { bits: STALE_BITS, timestampMs: T0 + 1000 }, { bits: '7ff8000000000000', timestampMs: T0 + 2000 }] }]);
    const [live, stale, nan] = pointsOf(metric(req, 'up'));
    expect(live).toMatchObject({ flags: 0, value: 1 });
    expect(stale.flags).toBe(1);
    expect(stale.value).toBeNaN();
    expect(nan.flags).toBe(0);
    expect(nan.value).toBeNaN();
  });

  it('puts exemplars on the nearest sample, with trace and span ids', () => {
    const trace = '0123456789ABCDEF0123456789abcdef';
    const req = convert([
      {
        labels: { __name__: 'lat_bucket', job: 'j', le: '1' },
        samples: [{ value: 1, timestampMs: T0 }, { value: 2, timestampMs: T0 + 15_000 }],
        exemplars: [
          { labels: { trace_id: trace, span_id: '0123456789abcdef', user: 'u1' }, value: 0.7, timestampMs: T0 + 14_000 },
          { labels: { trace_id: 'not-hex' }, value: 0.2, timestampMs: T0 - 5 },
        ],
      },
      { labels: { __name__: 'lat_bucket', job: 'j', le: '2' }, exemplars: [{ labels: {}, value: 1, timestampMs: T0 }] },
    ]);
    const [first, second] = pointsOf(metric(req, 'lat_bucket'));
    expect(pointsOf(metric(req, 'lat_bucket'))).toHaveLength(2);
    expect(second.exemplars).toEqual([
      { filteredAttributes: { user: 'u1' }, timeUnixNano: BigInt(T0 + 14_000) * 1_000_000n, value: 0.7, traceId: trace.toLowerCase(), spanId: '0123456789abcdef' },
    ]);
    expect(first.exemplars).toEqual([{ filteredAttributes: { trace_id: 'not-hex' }, timeUnixNano: BigInt(T0 - 5) * 1_000_000n, value: 0.2, traceId: '', spanId: '' }]);
  });

  it('produces nothing for series without samples', () => {
    const req = convert([{ labels: { __name__: 'native', job: 'j' }, histograms: [Uint8Array.of(8, 1)] }]);
    expect(req.resourceMetrics).toEqual([]);
  });
});

describe('MetadataCache', () => {
  it('remembers the latest metadata per family, bounded', () => {
    const cache = new MetadataCache(2);
    const m = (family: string, type: number) => ({ type, metricFamilyName: family, help: '', unit: '' });
    cache.learn([m('a', 1), m('b', 2), m('', 1)]);
    cache.learn([m('a', 2)]);
    expect(cache.get('a')?.type).toBe(2);
    cache.learn([m('c', 1)]);
    expect(cache.size).toBe(2);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')?.type).toBe(2);
  });
});

/** An ingest that records metrics and can be made to refuse. */
function recordingIngest() {
  const metrics: ExportMetricsRequest[] = [];
  let refuse: IngestOutcome | null = null;
  const ingest: Ingest = {
    traces: () => ({ accepted: true, count: 0 }),
    logs: () => ({ accepted: true, count: 0 }),
    metrics: (req) => {
      if (refuse) return refuse;
      metrics.push(req);
      return { accepted: true, count: 1 };
    },
  };
  return { ingest, metrics, refuse: (o: IngestOutcome | null) => (refuse = o) };
}

describe('createRemoteWriteHandler', () => {
  const LIMIT = 4096;
  const payload = encodeWriteRequest([{ labels: { __name__: 'up', job: 'j', instance: 'h:1' }, samples: [{ value: 1, timestampMs: Date.now() }] }]);
  const good: RemoteWriteRequest = { contentType: 'application/x-protobuf', contentEncoding: 'snappy', body: snappyCompress(payload) };

  it('answers 204 and hands the metrics to the pipeline', () => {
    const rec = recordingIngest();
    const handle = createRemoteWriteHandler({ ingest: rec.ingest, maxBodyBytes: LIMIT });
    expect(handle(good)).toEqual({ status: 204, message: '', headers: {} });
    expect(handle({ ...good, contentType: 'application/x-protobuf; proto=prometheus.WriteRequest', contentEncoding: 'SNAPPY' }).status).toBe(204);
    expect(rec.metrics).toHaveLength(2);
    expect(rec.metrics[0].resourceMetrics[0].resource.attributes['service.name']).toBe('j');
  });

  it('remembers metadata sent in an earlier request', () => {
    const rec = recordingIngest();
    const handle = createRemoteWriteHandler({ ingest: rec.ingest, maxBodyBytes: LIMIT });
    const series = [{ labels: { __name__: 'hits', job: 'j' }, samples: [{ value: 5, timestampMs: Date.now() }] }];
    const send = (body: Uint8Array) => handle({ ...good, body: snappyCompress(body) });
    expect(send(encodeWriteRequest(series)).status).toBe(204);
    expect(send(encodeWriteRequest([], [{ type: PROM_TYPE.COUNTER, family: 'hits', help: 'Hits.' }])).status).toBe(204);
    expect(send(encodeWriteRequest(series)).status).toBe(204);
    const types = rec.metrics.map((r) => metricsOf(r).map((m) => m.data.type));
    expect(types).toEqual([['gauge'], [], ['sum']]);
    expect(metric(rec.metrics[2], 'hits').description).toBe('Hits.');
  });

  const refusals: [string, Partial<RemoteWriteRequest>, number, RegExp][] = [
    ['a JSON content type', { contentType: 'application/json' }, 415, /unsupported content type "application\/json"/],
    ['no content type', { contentType: undefined }, 415, /unsupported content type ""/],
    ['remote write 2.0', { contentType: 'application/x-protobuf;proto=io.prometheus.write.v2.Request' }, 415, /only remote write 1.0/],
    ['no content encoding', { contentEncoding: undefined }, 400, /Content-Encoding: snappy/],
    ['gzip declared as such', { contentEncoding: 'gzip', body: gzipSync(payload) }, 400, /Content-Encoding: snappy/],
    ['gzip declared as snappy', { body: gzipSync(payload) }, 400, /invalid snappy block/],
    ['uncompressed protobuf declared as snappy', { body: payload }, 400, /invalid snappy block/],
    ['snappy of a malformed protobuf', { body: snappyCompress(Uint8Array.of(0x0a, 0x05, 0x01)) }, 400, /invalid remote-write protobuf/],
    ['a body over the limit', { body: snappyCompress(new Uint8Array(LIMIT + 1), { copies: false }) }, 413, /exceeds the limit of 4096/],
    ['a decompression bomb', { body: Uint8Array.of(...snappyPreamble(2 ** 32 - 1), 0x00, 0x41) }, 413, /declares 4294967295 uncompressed bytes, over the limit of 4096/],
    ['a body decompressing past the limit', { body: snappyCompress(new Uint8Array(LIMIT + 100)) }, 413, /over the limit/],
  ];
  for (const [what, change, status, message] of refusals) {
    it(`answers ${status} for ${what}, ingesting nothing`, () => {
      const rec = recordingIngest();
      const handle = createRemoteWriteHandler({ ingest: rec.ingest, maxBodyBytes: LIMIT });
      const a = handle({ ...good, ...change });
      expect(a.status).toBe(status);
      expect(a.message).toMatch(message);
      expect(rec.metrics).toHaveLength(0);
    });
  }

  it('answers 503 with Retry-After when the pipeline is busy, 413 when it refuses for size', () => {
    const rec = recordingIngest();
    const handle = createRemoteWriteHandler({ ingest: rec.ingest, maxBodyBytes: LIMIT });
    rec.refuse({ accepted: false, retryAfterSeconds: 7 });
    expect(handle(good)).toEqual({ status: 503, message: expect.stringMatching(/retry later/), headers: { 'Retry-After': '7' } });
    rec.refuse({ accepted: false, tooLarge: 'the request expands to too many rows' });
    expect(handle(good)).toMatchObject({ status: 413, message: 'the request expands to too many rows' });
    rec.refuse(null);
    expect(handle(good).status).toBe(204);
  });

  it('drops points older than the retention period and series without a name, keeping the rest', () => {
    const rec = recordingIngest();
    const handle = createRemoteWriteHandler({ ingest: rec.ingest, maxBodyBytes: LIMIT, retentionDays: 1 });
    const body = encodeWriteRequest([
      { labels: { __name__: 'up', job: 'j' }, samples: [{ value: 1, timestampMs: Date.now() - 3 * 86_400_000 }, { value: 2, timestampMs: Date.now() }] },
      { labels: { job: 'j' }, samples: [{ value: 3, timestampMs: Date.now() }] },
    ]);
    expect(handle({ ...good, body: snappyCompress(body) }).status).toBe(204);
    expect(metricsOf(rec.metrics[0]).map((m) => [m.name, pointsOf(m).map((p) => p.value)])).toEqual([['up', [2]]]);
  });
});
