/**
 * The OTLP/JSON examples of opentelemetry-proto (test/fixtures/otlp) posted to a running Strata as
 * OTLP/HTTP JSON and as OTLP/HTTP protobuf (the same content encoded with protobufjs from the .proto
 * files), then read back field for field: traces through /api/traces, metrics through /api/metrics,
 * logs and events through /api/logs and, field for field, in the store.
 *
 * One in-process Strata (one chDB data directory) serves the whole file. The protobuf copies use a
 * different service name (and trace id) so each encoding's read-back is checked on its own rows.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import type { LogRecord } from '../../src/model/log.js';
import type { Store } from '../../src/storage/types.js';
import { Strata, type StrataPorts } from '../../src/strata.js';
import { REPO_ROOT, tempDir } from '../helpers/cli.js';
import { getJson, getOk, post, type RawResponse } from '../helpers/http.js';
import { decodeExportResponse, encodeProtobuf, keyValues, type Json, type SignalKind } from '../helpers/otlp.js';
import { pollUntil } from '../helpers/poll.js';

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'otlp');
const fixture = (name: string): Json => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Json;

let strata: Strata;
let ports: StrataPorts;
let api: string;
let otlp: string;
let cleanup: () => void;
const acceptedLogs: LogRecord[] = [];

beforeAll(async () => {
  const tmp = tempDir('strata-e2e-fixtures-');
  cleanup = tmp.cleanup;
  // retention 0: the fixtures are from 2018, and a 30-day TTL would delete them at the next merge.
  const config = loadConfig({
    env: {},
    flags: { 'data-dir': tmp.dir, port: '0', 'otlp-http-port': '0', 'otlp-grpc-port': '0', 'gateway-port': '0', 'retention-days': '0' },
  });
  strata = new Strata(config, () => {}, { logs: (records) => acceptedLogs.push(...records) });
  ports = await strata.start();
  api = `http://127.0.0.1:${ports.api}`;
  otlp = `http://127.0.0.1:${ports.otlpHttp}`;
});

afterAll(async () => {
  await strata?.stop();
  cleanup?.();
});

/** The running store, for the stored-row checks below (columns the API does not return). */
function storeOf(s: Strata): Store {
  const store = s.storage;
  if (!store) throw new Error('Strata has no store (not started?)');
  return store;
}

type Encoding = 'json' | 'protobuf';
const ENCODINGS: Encoding[] = ['json', 'protobuf'];
const SERVICE: Record<Encoding, string> = { json: 'my.service', protobuf: 'my.service.proto' };
/** The fixture's trace id, and the one the protobuf copy uses instead. */
const TRACE_ID: Record<Encoding, string> = { json: '5B8EFFF798038103D269B633813FC60C', protobuf: 'AB8EFFF798038103D269B633813FC60C' };

/** A deep copy of an OTLP/JSON request with every resource's service.name replaced. */
function withService(req: Json, service: string): Json {
  const copy = structuredClone(req);
  for (const key of ['resourceSpans', 'resourceMetrics', 'resourceLogs']) {
    for (const r of copy[key] ?? []) {
      for (const kv of r.resource.attributes) if (kv.key === 'service.name') kv.value = { stringValue: service };
    }
  }
  return copy;
}

const PATHS: Record<SignalKind, string> = { traces: '/v1/traces', metrics: '/v1/metrics', logs: '/v1/logs' };

/** POSTs an OTLP/JSON request in `encoding` and checks the full-success answer (200, no partial_success). */
async function send(kind: SignalKind, encoding: Encoding, req: Json): Promise<RawResponse> {
  const res =
    encoding === 'json'
      ? await post(`${otlp}${PATHS[kind]}`, JSON.stringify(req), { headers: { 'Content-Type': 'application/json' } })
      : await post(`${otlp}${PATHS[kind]}`, encodeProtobuf(kind, req), { headers: { 'Content-Type': 'application/x-protobuf' } });
  expect(res.status, res.body.toString()).toBe(200);
  if (encoding === 'json') {
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(res.body.toString())).toEqual({}); // no partialSuccess
  } else {
    expect(res.headers['content-type']).toBe('application/x-protobuf');
    expect(res.body.length).toBe(0); // the empty Export*ServiceResponse: no partial_success
    expect(decodeExportResponse(kind, res.body)).toEqual({});
  }
  return res;
}

const GENAI_NONE = {
  operation: null,
  provider: null,
  requestModel: null,
  responseModel: null,
  model: null,
  responseId: null,
  inputTokens: null,
  outputTokens: null,
  cacheReadInputTokens: null,
  cacheCreationInputTokens: null,
  reasoningOutputTokens: null,
  finishReasons: [],
  temperature: null,
  topP: null,
  maxTokens: null,
  stream: null,
  conversationId: null,
  agentName: null,
  toolName: null,
  timeToFirstTokenS: null,
  latencies: {},
  systemInstructions: [],
  inputMessages: [],
  outputMessages: [],
};

// ------------------------------------------------------------------ traces

describe.each(ENCODINGS)('trace.json as OTLP/HTTP %s', (encoding) => {
  const service = SERVICE[encoding];
  const traceId = TRACE_ID[encoding].toLowerCase();

  beforeAll(async () => {
    const req = withService(fixture('trace.json'), service);
    req.resourceSpans[0].scopeSpans[0].spans[0].traceId = TRACE_ID[encoding];
    await send('traces', encoding, req);
  });

  it('reads the span back field for field', async () => {
    const body = await pollUntil(
      async () => {
        const r = await getJson<{ traceId: string; spans: any[] }>(`${api}/api/traces/${traceId}`);
        return r.status === 200 ? r.body : undefined;
      },
      { what: `trace ${traceId}` },
    );
    expect(body.traceId).toBe(traceId);
    expect(body.spans).toEqual([
      {
        traceId, // ids lowercased
        spanId: 'eee19b7ec3c1b174',
        parentSpanId: 'eee19b7ec3c1b173',
        traceState: '',
        flags: 0,
        name: "I'm a server span",
        kind: 'server', // 2
        startTime: '2018-12-13T14:51:00.000000000Z',
        startTimeUnixNano: '1544712660000000000',
        endTimeUnixNano: '1544712661000000000',
        durationMs: 1000,
        status: { code: 'unset', message: '' },
        service,
        genai: GENAI_NONE,
        attributes: { 'my.span.attr': 'some value' },
        droppedAttributesCount: 0,
        events: [],
        droppedEventsCount: 0,
        links: [],
        droppedLinksCount: 0,
        resource: { attributes: { 'service.name': service }, schemaUrl: '' },
        scope: { name: 'my.library', version: '1.0.0', attributes: { 'my.scope.attribute': 'some scope attribute' } },
        entities: expect.any(Array),
      },
    ]);
  });

  it('lists it for a 2018 time range, case-insensitive id lookup included', async () => {
    const q = new URLSearchParams({ service, start: '2018-12-13T14:00:00Z', end: '2018-12-13T15:00:00Z' });
    const list = await getOk<{ traces: any[]; next: string | null }>(`${api}/api/traces?${q}`);
    expect(list.next).toBeNull();
    expect(list.traces).toEqual([
      {
        traceId,
        rootName: "I'm a server span",
        rootService: service,
        startTime: '2018-12-13T14:51:00.000000000Z',
        startTimeUnixNano: '1544712660000000000',
        durationMs: 1000,
        spanCount: 1,
        errorCount: 0,
        services: [service],
        models: [],
        providers: [],
        inputTokens: 0,
        outputTokens: 0,
      },
    ]);
    // Nothing outside the range.
    const later = await getOk<{ traces: unknown[] }>(`${api}/api/traces?service=${service}&start=2018-12-13T14:51:00.000000001Z`);
    expect(later.traces).toEqual([]);
    // Upper-case ids in the URL find the same trace.
    const upper = await getOk<{ traceId: string; spans: unknown[] }>(`${api}/api/traces/${TRACE_ID[encoding]}`);
    expect(upper.traceId).toBe(traceId);
    expect(upper.spans).toHaveLength(1);
  });
});

/** A span exercising every field the fixture leaves empty: events, links, status, trace state, dropped counts, every AnyValue kind. */
function richTraceRequest(service: string, traceId: string): Json {
  return {
    resourceSpans: [
      {
        resource: { attributes: keyValues({ 'service.name': service, 'deployment.environment': 'e2e' }), droppedAttributesCount: 0 },
        schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
        scopeSpans: [
          {
            scope: { name: 'rich.library', version: '2.0.0', attributes: keyValues({ 'scope.flag': true }) },
            spans: [
              {
                traceId,
                spanId: '00F067AA0BA902B7',
                traceState: 'vendor=value,other=1',
                flags: 257,
                name: 'rich span',
                kind: 5,
                startTimeUnixNano: '1544712662123456789',
                endTimeUnixNano: '1544712662987654321',
                attributes: [
                  { key: 'str', value: { stringValue: 'ünïcødé ✓' } },
                  { key: 'int', value: { intValue: '-42' } },
                  { key: 'big.int', value: { intValue: '9007199254740993' } }, // 2^53 + 1: not a safe JSON number
                  { key: 'double', value: { doubleValue: 3.25 } },
                  { key: 'bool', value: { boolValue: false } },
                  { key: 'bytes', value: { bytesValue: Buffer.from([0, 1, 2, 250]).toString('base64') } },
                  { key: 'array', value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: '1' }, { boolValue: true }] } } },
                  { key: 'map', value: { kvlistValue: { values: [{ key: 'inner', value: { kvlistValue: { values: [{ key: 'deep', value: { doubleValue: 0.5 } }] } } }] } } },
                ],
                droppedAttributesCount: 3,
                events: [
                  {
                    timeUnixNano: '1544712662500000001',
                    name: 'cache.miss',
                    attributes: [{ key: 'cache.key', value: { stringValue: 'k-17' } }, { key: 'cache.size', value: { intValue: '1024' } }],
                    droppedAttributesCount: 1,
                  },
                ],
                droppedEventsCount: 2,
                links: [
                  {
                    traceId: '5B8EFFF798038103D269B633813FC60C',
                    spanId: 'EEE19B7EC3C1B174',
                    traceState: 'link=state',
                    attributes: [{ key: 'link.kind', value: { stringValue: 'follows' } }],
                    droppedAttributesCount: 0,
                    flags: 1,
                  },
                ],
                droppedLinksCount: 4,
                status: { code: 2, message: 'upstream failed' },
              },
            ],
          },
        ],
      },
    ],
  };
}

describe.each(ENCODINGS)('a span with every field set, as OTLP/HTTP %s', (encoding) => {
  const service = `rich.${encoding}`;
  const traceId = encoding === 'json' ? 'C0FFEE00000000000000000000000001' : 'C0FFEE00000000000000000000000002';

  it('reads back events, links, status, trace state, dropped counts and every AnyValue kind', async () => {
    await send('traces', encoding, richTraceRequest(service, traceId));
    const id = traceId.toLowerCase();
    const body = await pollUntil(
      async () => {
        const r = await getJson<{ spans: any[] }>(`${api}/api/traces/${id}`);
        return r.status === 200 ? r.body : undefined;
      },
      { what: `trace ${id}` },
    );
    expect(body.spans).toHaveLength(1);
    expect(body.spans[0]).toEqual({
      traceId: id,
      spanId: '00f067aa0ba902b7',
      parentSpanId: '',
      traceState: 'vendor=value,other=1',
      flags: 257,
      name: 'rich span',
      kind: 'consumer',
      startTime: '2018-12-13T14:51:02.123456789Z',
      startTimeUnixNano: '1544712662123456789',
      endTimeUnixNano: '1544712662987654321',
      durationMs: 864.197532,
      status: { code: 'error', message: 'upstream failed' },
      service,
      genai: GENAI_NONE,
      attributes: {
        str: 'ünïcødé ✓',
        int: -42,
        'big.int': '9007199254740993', // beyond 2^53: kept exactly, as a decimal string
        double: 3.25,
        bool: false,
        bytes: Buffer.from([0, 1, 2, 250]).toString('base64'),
        array: ['a', 1, true],
        map: { inner: { deep: 0.5 } },
      },
      droppedAttributesCount: 3,
      events: [{ timeUnixNano: '1544712662500000001', name: 'cache.miss', attributes: { 'cache.key': 'k-17', 'cache.size': 1024 }, droppedAttributesCount: 1 }],
      droppedEventsCount: 2,
      links: [
        {
          traceId: '5b8efff798038103d269b633813fc60c',
          spanId: 'eee19b7ec3c1b174',
          traceState: 'link=state',
          attributes: { 'link.kind': 'follows' },
          droppedAttributesCount: 0,
          flags: 1,
        },
      ],
      droppedLinksCount: 4,
      resource: { attributes: { 'service.name': service, 'deployment.environment': 'e2e' }, schemaUrl: 'https://opentelemetry.io/schemas/1.26.0' },
      scope: { name: 'rich.library', version: '2.0.0', attributes: { 'scope.flag': true } },
      entities: expect.any(Array),
    });
  });
});

// ------------------------------------------------------------------ metrics

const T_MS = 1544712660300; // every fixture point's timeUnixNano, in ms
const FROM_MS = 1544712600000; // 2018-12-13T14:50:00Z
const TO_MS = 1544712720000; // 2018-12-13T14:52:00Z
const STEP_T = FROM_MS + 60_000; // the 1 s step [14:51:00, 14:51:01) that holds T_MS

/** A summary metric (the fixture has none), at the fixture's time. */
function summaryRequest(service: string): Json {
  return {
    resourceMetrics: [
      {
        resource: { attributes: keyValues({ 'service.name': service }) },
        scopeMetrics: [
          {
            scope: { name: 'my.library', version: '1.0.0' },
            metrics: [
              {
                name: 'my.summary',
                unit: 's',
                description: 'I am a Summary',
                summary: {
                  dataPoints: [
                    {
                      startTimeUnixNano: '1544712600000000000',
                      timeUnixNano: '1544712660300000000',
                      count: '4',
                      sum: 12,
                      quantileValues: [
                        { quantile: 0, value: 0.5 },
                        { quantile: 0.5, value: 1.5 },
                        { quantile: 0.99, value: 9.9 },
                        { quantile: 1, value: 10 },
                      ],
                      attributes: keyValues({ 'my.summary.attr': 'some value' }),
                    },
                  ],
                },
              },
            ],
          },
        ],
      },
    ],
  };
}

describe.each(ENCODINGS)('metrics.json as OTLP/HTTP %s', (encoding) => {
  const service = SERVICE[encoding];

  beforeAll(async () => {
    await send('metrics', encoding, withService(fixture('metrics.json'), service));
    await send('metrics', encoding, summaryRequest(service));
    await strata.flushed();
  });

  async function metric(name: string, extra: Record<string, string> = {}): Promise<any> {
    const q = new URLSearchParams({ name, service, start: new Date(FROM_MS).toISOString(), end: new Date(TO_MS).toISOString(), ...extra });
    return pollUntil(
      async () => {
        const body = await getOk<{ series: unknown[] }>(`${api}/api/metrics?${q}`);
        return body.series.length > 0 ? body : undefined;
      },
      { what: `metric ${name} of ${service}` },
    );
  }

  it('counter (delta, monotonic sum): rate per step, and raw values with fn=value', async () => {
    const body = await metric('my.counter', { step: '1s' });
    expect(body).toMatchObject({ name: 'my.counter', start: FROM_MS, end: TO_MS, stepMs: 1000, truncated: false });
    expect(body.series).toHaveLength(1);
    const s = body.series[0];
    expect(s).toMatchObject({ service, labels: { 'my.counter.attr': 'some value' }, type: 'sum', unit: '1', fn: 'rate' });
    expect(s.points).toHaveLength(120);
    // One delta of 5 in the 1 s step holding 14:51:00.3 = 5 per second; no data elsewhere.
    expect(s.points[60]).toEqual({ t: STEP_T, v: 5 });
    expect(s.points.filter((p: { v: number | null }) => p.v !== null)).toHaveLength(1);

    const raw = await metric('my.counter', { fn: 'value' });
    expect(raw.series).toEqual([{ service, labels: { 'my.counter.attr': 'some value' }, type: 'sum', unit: '1', fn: 'value', points: [{ t: T_MS, v: 5 }] }]);
  });

  it('gauge: the raw point, label filters', async () => {
    const body = await metric('my.gauge');
    expect(body.series).toEqual([{ service, labels: { 'my.gauge.attr': 'some value' }, type: 'gauge', unit: '1', fn: 'value', points: [{ t: T_MS, v: 10 }] }]);
    const matching = await getOk<{ series: unknown[] }>(
      `${api}/api/metrics?name=my.gauge&service=${service}&start=${FROM_MS}&end=${TO_MS}&label.my.gauge.attr=${encodeURIComponent('some value')}`,
    );
    expect(matching.series).toHaveLength(1);
    const none = await getOk<{ series: unknown[] }>(`${api}/api/metrics?name=my.gauge&service=${service}&start=${FROM_MS}&end=${TO_MS}&label.my.gauge.attr=other`);
    expect(none.series).toEqual([]);
    // Outside the 2018 range: nothing.
    const now = await getOk<{ series: unknown[] }>(`${api}/api/metrics?name=my.gauge&service=${service}`);
    expect(now.series).toEqual([]);
  });

  it('explicit-bucket histogram: count, sum and interpolated quantiles', async () => {
    const body = await metric('my.histogram', { step: '1s', quantile: '0.25,0.5,0.9' });
    expect(body.series).toHaveLength(1);
    const s = body.series[0];
    expect(s).toMatchObject({ service, labels: { 'my.histogram.attr': 'some value' }, type: 'histogram', unit: '1', fn: 'quantile' });
    // bounds [1], bucket counts [1, 1]: one value in (-inf, 1] (interpolated from 0, the bound being
    // positive) and one in the overflow bucket (1, +inf), total 2.
    //   q=0.25: rank 0.5 falls in the first bucket: 0 + (1 - 0) * 0.5 / 1 = 0.5
    //   q=0.5:  rank 1 is the first bucket's upper edge: 0 + 1 * 1 / 1 = 1
    //   q=0.9:  rank 1.8 falls in the overflow bucket, which answers its lower bound: 1
    expect(s.points[60]).toEqual({ t: STEP_T, count: 2, sum: 2, quantiles: { '0.25': 0.5, '0.5': 1, '0.9': 1 } });
    const others = s.points.filter((_: unknown, i: number) => i !== 60);
    expect(others.every((p: { count: number; quantiles: Record<string, number | null> }) => p.count === 0 && Object.values(p.quantiles).every((v) => v === null))).toBe(true);
  });

  it('exponential histogram: count, sum and quantiles from the exponential buckets', async () => {
    const body = await metric('my.exponential.histogram', { step: '1s', quantile: '0.25,0.5,0.9' });
    expect(body.series).toHaveLength(1);
    const s = body.series[0];
    expect(s).toMatchObject({ service, labels: { 'my.exponential.histogram.attr': 'some value' }, type: 'exponential_histogram', unit: '1', fn: 'quantile' });
    // scale 0: base = 2^(2^0) = 2, bucket index i covers (2^i, 2^(i+1)]. positive.offset 1 with counts
    // [0, 2]: index 1 = (2, 4] holds 0, index 2 = (4, 8] holds 2; zeroCount 1 holds the value 0.
    // As explicit buckets: [<=0: 1, (0,2]: 0, (2,4]: 0, (4,8]: 2], total 3.
    //   q=0.25: rank 0.75 falls in the zero bucket: 0
    //   q=0.5:  rank 1.5, 0.5 into the 2 values of (4, 8]: 4 + 4 * 0.5 / 2 = 5
    //   q=0.9:  rank 2.7, 1.7 into (4, 8]: 4 + 4 * 1.7 / 2 = 7.4
    const p = s.points[60];
    expect(p).toMatchObject({ t: STEP_T, count: 3, sum: 10 });
    expect(p.quantiles['0.25']).toBe(0);
    expect(p.quantiles['0.5']).toBeCloseTo(5, 9);
    expect(p.quantiles['0.9']).toBeCloseTo(7.4, 9);
  });

  it('summary: the reported quantiles as received', async () => {
    const body = await metric('my.summary');
    expect(body.series).toEqual([
      {
        service,
        labels: { 'my.summary.attr': 'some value' },
        type: 'summary',
        unit: 's',
        fn: 'summary',
        points: [{ t: T_MS, count: 4, sum: 12, quantiles: { '0': 0.5, '0.5': 1.5, '0.99': 9.9, '1': 10 } }],
      },
    ]);
  });

  it('stores every data point with its description, scope, temporality and exact times', async () => {
    await strata.flushed();
    const rows = await storeOf(strata).query<Record<string, unknown>>(
      `SELECT name, description, unit, type, temporality, monotonic, scope_name, scope_version,
         toString(toUnixTimestamp64Nano(start_time)) AS start_ns, toString(toUnixTimestamp64Nano(time)) AS time_ns,
         count, sum, min, max, explicit_bounds, bucket_counts, exp_scale, exp_zero_count, exp_positive_offset, exp_positive_counts, resource
       FROM strata.metric_points WHERE service = {service:String} ORDER BY name`,
      { service },
    );
    expect(rows.map((r) => r.name)).toEqual(['my.counter', 'my.exponential.histogram', 'my.gauge', 'my.histogram', 'my.summary']);
    const by = Object.fromEntries(rows.map((r) => [r.name as string, r]));
    for (const r of rows) {
      expect(r.scope_name).toBe('my.library');
      expect(r.scope_version).toBe('1.0.0');
      expect(r.time_ns).toBe('1544712660300000000');
      expect(JSON.parse(r.resource as string)).toEqual({ 'service.name': service });
    }
    expect(by['my.counter']).toMatchObject({ description: 'I am a Counter', type: 'sum', temporality: 1, monotonic: true, start_ns: '1544712660300000000' });
    expect(by['my.gauge']).toMatchObject({ description: 'I am a Gauge', type: 'gauge' });
    expect(by['my.histogram']).toMatchObject({ description: 'I am a Histogram', temporality: 1, count: 2, sum: 2, min: 0, max: 2, explicit_bounds: [1], bucket_counts: [1, 1] });
    expect(by['my.exponential.histogram']).toMatchObject({
      description: 'I am an Exponential Histogram',
      count: 3,
      sum: 10,
      min: 0,
      max: 5,
      exp_scale: 0,
      exp_zero_count: 1,
      exp_positive_offset: 1,
      exp_positive_counts: [0, 2],
    });
  });
});

// ------------------------------------------------------------------ canonical signals

describe('metrics by canonical signal (signal=)', () => {
  /** One gauge per entry, at the fixture's time, from `service`. */
  function gauges(service: string, points: [name: string, value: number, attributes: Json][]): Json {
    return {
      resourceMetrics: [
        {
          resource: { attributes: keyValues({ 'service.name': service }) },
          scopeMetrics: [
            {
              scope: { name: 'signals' },
              metrics: points.map(([name, value, attributes]) => ({
                name,
                gauge: { dataPoints: [{ timeUnixNano: '1544712660300000000', asDouble: value, attributes: keyValues(attributes) }] },
              })),
            },
          ],
        },
      ],
    };
  }
  const range = `start=${FROM_MS}&end=${TO_MS}`;
  const dcgmLabels = { UUID: 'GPU-1', Hostname: 'node-a' };

  beforeAll(async () => {
    await send('metrics', 'json', gauges('signals.dcgm', [
      ['DCGM_FI_DEV_GPU_UTIL', 87, dcgmLabels],
      ['DCGM_FI_DEV_CLOCK_THROTTLE_REASONS', 72, dcgmLabels],
    ]));
    await send('metrics', 'json', gauges('signals.otel', [
      ['hw.gpu.utilization', 0.5, { 'gpu.uuid': 'GPU-2', 'hw.gpu.task': 'general' }],
      ['hw.gpu.utilization', 0.25, { 'gpu.uuid': 'GPU-2', 'hw.gpu.task': 'encoder' }],
    ]));
    await strata.flushed();
  });

  it('answers every alias of the signal, in the canonical unit, one series per source name', async () => {
    const body = await pollUntil(
      async () => {
        const b = await getOk<{ series: unknown[] }>(`${api}/api/metrics?signal=gpu.utilization&${range}`);
        return b.series.length >= 2 ? b : undefined;
      },
      { what: 'signal gpu.utilization' },
    );
    expect(body).toMatchObject({ signal: 'gpu.utilization', start: FROM_MS, end: TO_MS, truncated: false });
    expect(body).not.toHaveProperty('name');
    expect(body.series).toEqual([
      { service: 'signals.dcgm', name: 'DCGM_FI_DEV_GPU_UTIL', labels: dcgmLabels, signalLabels: {}, type: 'gauge', unit: '1', fn: 'value', points: [{ t: T_MS, v: 0.87 }] },
      {
        service: 'signals.otel',
        name: 'hw.gpu.utilization',
        labels: { 'gpu.uuid': 'GPU-2', 'hw.gpu.task': 'general' },
        signalLabels: {},
        type: 'gauge',
        unit: '1',
        fn: 'value',
        points: [{ t: T_MS, v: 0.5 }],
      },
    ]);
    // The encoder task is another signal.
    const encoder = await getOk<{ series: { name: string; points: unknown[] }[] }>(`${api}/api/metrics?signal=gpu.encoder.utilization&${range}`);
    expect(encoder.series.map((s) => [s.name, s.points])).toEqual([['hw.gpu.utilization', [{ t: T_MS, v: 0.25 }]]]);
  });

  it('narrows to one source with name=, carries signal labels, and needs name or signal', async () => {
    const one = await getOk<{ series: { service: string }[] }>(`${api}/api/metrics?signal=gpu.utilization&name=DCGM_FI_DEV_GPU_UTIL&${range}`);
    expect(one).toMatchObject({ name: 'DCGM_FI_DEV_GPU_UTIL', signal: 'gpu.utilization' });
    expect(one.series.map((s) => s.service)).toEqual(['signals.dcgm']);
    const throttle = await getOk<{ series: unknown[] }>(`${api}/api/metrics?signal=gpu.throttle.reasons&${range}`);
    expect(throttle.series).toEqual([
      expect.objectContaining({ name: 'DCGM_FI_DEV_CLOCK_THROTTLE_REASONS', signalLabels: { reasons: 'hw_slowdown,hw_thermal' }, points: [{ t: T_MS, v: 72 }] }),
    ]);
    // By name, the value is the source's own.
    const raw = await getOk<{ series: { points: unknown[] }[] }>(`${api}/api/metrics?name=DCGM_FI_DEV_GPU_UTIL&${range}`);
    expect(raw.series.map((s) => s.points)).toEqual([[{ t: T_MS, v: 87 }]]);
    const missing = await getJson(`${api}/api/metrics?${range}`);
    expect(missing.status).toBe(400);
    expect(JSON.stringify(missing.body)).toMatch(/name: required unless signal is given/);
  });
});

// ------------------------------------------------------------------ logs and events

describe.each(ENCODINGS)('logs.json and events.json as OTLP/HTTP %s', (encoding) => {
  const service = SERVICE[encoding];

  beforeAll(async () => {
    await send('logs', encoding, withService(fixture('logs.json'), service));
    await send('logs', encoding, withService(fixture('events.json'), service));
  });

  const LOG_ATTRIBUTES = {
    'string.attribute': 'some string',
    'boolean.attribute': true,
    'int.attribute': 10,
    'double.attribute': 637.704,
    'array.attribute': ['many', 'values'],
    'map.attribute': { 'some.map.key': 'some value' },
  };
  const EVENT_BODY = {
    type: 0,
    url: 'https://www.guidgenerator.com/online-guid-generator.aspx',
    referrer: 'https://wwww.google.com',
    title: 'Free Online GUID Generator',
  };

  it('hands both records to the pipeline as sent (ingest listener)', () => {
    const mine = acceptedLogs.filter((r) => r.service === service);
    expect(mine).toHaveLength(2);
    const [log, event] = mine;
    expect(log).toMatchObject({
      timeUnixNano: 1544712660300000000n,
      observedTimeUnixNano: 1544712660300000000n,
      severityNumber: 10,
      severityText: 'Information',
      body: 'Example log record',
      traceId: '5b8efff798038103d269b633813fc60c',
      spanId: 'eee19b7ec3c1b174',
      eventName: '',
      resource: { 'service.name': service },
      scope: { name: 'my.library', version: '1.0.0', attributes: { 'my.scope.attribute': 'some scope attribute' } },
    });
    expect(Object.keys(log.attributes)).toEqual(Object.keys(LOG_ATTRIBUTES));
    expect(event).toMatchObject({ eventName: 'browser.page_view', severityNumber: 9, severityText: 'test severity text', traceId: '', spanId: '' });
  });

  it('stores both records field for field (read from the store)', async () => {
    await strata.flushed();
    const rows = await storeOf(strata).query<Record<string, any>>(
      `SELECT toString(toUnixTimestamp64Nano(time)) AS time_ns, toString(toUnixTimestamp64Nano(observed_time)) AS observed_ns,
         severity_number, severity_text, body, attributes, dropped_attributes_count, flags, trace_id, span_id, event_name,
         service, resource, scope_name, scope_version, scope_attributes
       FROM strata.logs WHERE service = {service:String} ORDER BY event_name`,
      { service },
    );
    expect(rows).toHaveLength(2);
    const [log, event] = rows;
    expect({ ...log, body: JSON.parse(log.body), attributes: JSON.parse(log.attributes), resource: JSON.parse(log.resource), scope_attributes: JSON.parse(log.scope_attributes) }).toEqual({
      time_ns: '1544712660300000000',
      observed_ns: '1544712660300000000',
      severity_number: 10,
      severity_text: 'Information',
      body: 'Example log record',
      attributes: LOG_ATTRIBUTES,
      dropped_attributes_count: 0,
      flags: 0,
      trace_id: '5b8efff798038103d269b633813fc60c',
      span_id: 'eee19b7ec3c1b174',
      event_name: '',
      service,
      resource: { 'service.name': service },
      scope_name: 'my.library',
      scope_version: '1.0.0',
      scope_attributes: { 'my.scope.attribute': 'some scope attribute' },
    });
    expect({ ...event, body: JSON.parse(event.body), attributes: JSON.parse(event.attributes), resource: JSON.parse(event.resource), scope_attributes: JSON.parse(event.scope_attributes) }).toEqual({
      time_ns: '1544712660300000000',
      observed_ns: '1544712660300000000',
      severity_number: 9,
      severity_text: 'test severity text',
      body: EVENT_BODY,
      attributes: { 'event.attribute': 'some event attribute' },
      dropped_attributes_count: 0,
      flags: 0,
      trace_id: '',
      span_id: '',
      event_name: 'browser.page_view',
      service,
      resource: { 'service.name': service },
      scope_name: 'my.library',
      scope_version: '1.0.0',
      scope_attributes: { 'my.scope.attribute': 'some scope attribute' },
    });
  });
});

describe.each(ENCODINGS)('logs and events read back through GET /api/logs (%s)', (encoding) => {
  const service = SERVICE[encoding];
  const RANGE = { start: '2018-12-13T14:51:00Z', end: '2018-12-13T14:52:00Z' };

  async function logs(extra: Record<string, string>): Promise<{ logs: any[]; next: string | null }> {
    const q = new URLSearchParams({ service, ...RANGE, ...extra });
    const r = await getJson<{ logs: any[]; next: string | null }>(`${api}/api/logs?${q}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body;
  }

  it('returns both records field for field', async () => {
    await strata.flushed();
    const body = await pollUntil(async () => {
      const b = await logs({});
      return b.logs.length === 2 ? b : undefined;
    }, { what: `2 log records of ${service}` });
    expect(body.next).toBeNull();
    const byEvent = Object.fromEntries(body.logs.map((l) => [l.eventName, l]));
    const common = {
      time: '2018-12-13T14:51:00.300000000Z',
      timeUnixNano: '1544712660300000000',
      observedTimeUnixNano: '1544712660300000000',
      droppedAttributesCount: 0,
      flags: 0,
      service,
      resource: { attributes: { 'service.name': service } },
      scope: { name: 'my.library', version: '1.0.0', attributes: { 'my.scope.attribute': 'some scope attribute' } },
      entities: expect.any(Array),
    };
    expect(byEvent['']).toEqual({
      ...common,
      severityNumber: 10,
      severityText: 'Information',
      body: 'Example log record',
      attributes: {
        'string.attribute': 'some string',
        'boolean.attribute': true,
        'int.attribute': 10,
        'double.attribute': 637.704,
        'array.attribute': ['many', 'values'],
        'map.attribute': { 'some.map.key': 'some value' },
      },
      traceId: '5b8efff798038103d269b633813fc60c',
      spanId: 'eee19b7ec3c1b174',
      eventName: '',
    });
    expect(byEvent['browser.page_view']).toEqual({
      ...common,
      severityNumber: 9,
      severityText: 'test severity text',
      body: {
        type: 0,
        url: 'https://www.guidgenerator.com/online-guid-generator.aspx',
        referrer: 'https://wwww.google.com',
        title: 'Free Online GUID Generator',
      },
      attributes: { 'event.attribute': 'some event attribute' },
      traceId: '',
      spanId: '',
      eventName: 'browser.page_view',
    });
  });

  it('filters by event name, trace id, severity, attributes and time, and pages with the cursor', async () => {
    const names = async (extra: Record<string, string>): Promise<string[]> => (await logs(extra)).logs.map((l) => l.eventName);
    expect(await names({ event_name: 'browser.page_view' })).toEqual(['browser.page_view']);
    expect(await names({ trace_id: '5B8EFFF798038103D269B633813FC60C' })).toEqual(['']);
    expect(await names({ min_severity: '10' })).toEqual(['']);
    expect((await names({ min_severity: '9' })).sort()).toEqual(['', 'browser.page_view']);
    expect(await names({ 'attr.int.attribute': '10' })).toEqual(['']);
    expect(await names({ 'attr.event.attribute': 'some event attribute' })).toEqual(['browser.page_view']);
    expect(await names({ start: '2018-12-13T14:51:00.300000001Z' })).toEqual([]);
    expect(await names({ end: '2018-12-13T14:51:00.3Z' })).toEqual([]);

    const first = await logs({ limit: '1' });
    expect(first.logs).toHaveLength(1);
    expect(first.next).not.toBeNull();
    const second = await logs({ limit: '1', cursor: first.next! });
    expect(second.logs).toHaveLength(1);
    expect(second.next).toBeNull();
    expect([first.logs[0].eventName, second.logs[0].eventName].sort()).toEqual(['', 'browser.page_view']);
  });
});

describe('out-of-order and duplicate spans', () => {
  it('assembles a trace whose child arrived first, and shows a span sent twice once', async () => {
    const traceId = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
    const span = (spanId: string, parentSpanId: string, name: string, startMs: number) => ({
      traceId,
      spanId,
      parentSpanId,
      name,
      kind: 1,
      startTimeUnixNano: String(BigInt(Date.now() - 60_000 + startMs) * 1_000_000n),
      endTimeUnixNano: String(BigInt(Date.now() - 60_000 + startMs + 5) * 1_000_000n),
      attributes: [{ key: 'seq', value: { intValue: String(startMs) } }],
    });
    const request = (spans: unknown[]) =>
      JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'order-test' } }] }, scopeSpans: [{ scope: { name: 't' }, spans }] }] });
    const child = span('00000000000000c1', '00000000000000a1', 'child', 10);
    const root = span('00000000000000a1', '', 'root', 0);
    // The child first, alone; then the root with the child again (a client retry).
    for (const body of [request([child]), request([root, child])]) {
      const r = await post(`${otlp}/v1/traces`, body, { headers: { 'Content-Type': 'application/json' } });
      expect(r.status).toBe(200);
    }
    await strata.flushed();
    const trace = await getOk<{ spans: { spanId: string; parentSpanId: string; name: string }[] }>(`${api}/api/traces/${traceId}`);
    expect(trace.spans.map((s) => [s.name, s.spanId, s.parentSpanId])).toEqual([
      ['root', '00000000000000a1', ''],
      ['child', '00000000000000c1', '00000000000000a1'],
    ]);
    const list = await getOk<{ traces: { traceId: string; spanCount: number; rootName: string }[] }>(`${api}/api/traces?service=order-test`);
    expect(list.traces).toEqual([expect.objectContaining({ traceId, spanCount: 2, rootName: 'root' })]);
  });
});

describe('API edge cases', () => {
  it('pages logs that share a timestamp and differ only in service, without skipping any', async () => {
    const t = String(BigInt(Date.now() - 30_000) * 1_000_000n);
    const resourceLogs = ['svc-a', 'svc-b', 'svc-c'].map((service) => ({
      resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }, { key: 'paging.test', value: { boolValue: true } }] },
      scopeLogs: [{ scope: { name: 'paging' }, logRecords: [{ timeUnixNano: t, observedTimeUnixNano: t, body: { stringValue: 'same' }, attributes: [{ key: 'paging.case', value: { stringValue: 'same-time' } }] }] }],
    }));
    const r = await post(`${otlp}/v1/logs`, JSON.stringify({ resourceLogs }), { headers: { 'Content-Type': 'application/json' } });
    expect(r.status).toBe(200);
    await strata.flushed();
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const qs = new URLSearchParams({ limit: '1', 'attr.paging.case': 'same-time' });
      if (cursor) qs.set('cursor', cursor);
      const page: { logs: { service: string }[]; next: string | null } = await getOk(`${api}/api/logs?${qs}`);
      seen.push(...page.logs.map((l) => l.service));
      cursor = page.next;
    } while (cursor && seen.length < 10);
    expect(seen.sort()).toEqual(['svc-a', 'svc-b', 'svc-c']);
  });

  it('answers 400, not 500, to a forged cursor, a malformed path and times out of range', async () => {
    const forged = Buffer.from(JSON.stringify(['not-a-time', 'x'])).toString('base64url');
    for (const path of [
      `/api/traces?cursor=${forged}`,
      `/api/logs?cursor=${forged}`,
      '/api/traces/%zz',
      '/api/traces?start=-99999999999999d',
      '/api/traces?end=99999999999999999999',
    ]) {
      const res = await getJson<{ error: string }>(`${api}${path}`);
      expect([path, res.status]).toEqual([path, 400]);
      expect(res.body.error).toBeTruthy();
    }
  });
});
