import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type {
  AnyValue,
  Attributes,
  ExportMetricsRequest,
  MetricData,
  NumberDataPoint,
  OtlpMetric,
  Resource,
  Scope,
} from '../receivers/otlp/types.js';
import { entityId } from '../model/entity.js';
import { normalizeMetrics } from './index.js';

// ---- a tiny OTLP/JSON -> decoded-types conversion, enough for the fixture (test-only) ----
type J = any;
const num = (v: J, d = 0): number => (v === undefined ? d : Number(v));
const big = (v: J): bigint => (v === undefined ? 0n : BigInt(v));
function anyValue(v: J): AnyValue {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return { int: BigInt(v.intValue) };
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue !== undefined) return (v.arrayValue.values ?? []).map(anyValue);
  if (v.kvlistValue !== undefined) return { kvlist: attrs(v.kvlistValue.values) };
  return null;
}
function attrs(list: J): Attributes {
  const out: Attributes = {};
  for (const kv of list ?? []) out[kv.key] = anyValue(kv.value);
  return out;
}
const resourceOf = (r: J): Resource => ({ attributes: attrs(r?.attributes), droppedAttributesCount: 0 });
const scopeOf = (s: J): Scope => ({ name: s?.name ?? '', version: s?.version ?? '', attributes: attrs(s?.attributes), droppedAttributesCount: 0 });
const base = (p: J) => ({
  attributes: attrs(p.attributes),
  startTimeUnixNano: big(p.startTimeUnixNano),
  timeUnixNano: big(p.timeUnixNano),
  exemplars: [],
  flags: num(p.flags),
});
const numberPoint = (p: J): NumberDataPoint => ({ ...base(p), value: num(p.asDouble ?? p.asInt), isInt: p.asInt !== undefined });
function dataOf(m: J): MetricData {
  if (m.gauge) return { type: 'gauge', dataPoints: m.gauge.dataPoints.map(numberPoint) };
  if (m.sum) {
    return { type: 'sum', dataPoints: m.sum.dataPoints.map(numberPoint), aggregationTemporality: num(m.sum.aggregationTemporality), isMonotonic: !!m.sum.isMonotonic };
  }
  if (m.histogram) {
    return {
      type: 'histogram',
      aggregationTemporality: num(m.histogram.aggregationTemporality),
      dataPoints: m.histogram.dataPoints.map((p: J) => ({
        ...base(p),
        count: num(p.count),
        sum: p.sum ?? null,
        bucketCounts: (p.bucketCounts ?? []).map(Number),
        explicitBounds: p.explicitBounds ?? [],
        min: p.min ?? null,
        max: p.max ?? null,
      })),
    };
  }
  if (m.exponentialHistogram) {
    const buckets = (b: J) => ({ offset: num(b?.offset), bucketCounts: (b?.bucketCounts ?? []).map(Number) });
    return {
      type: 'exponential_histogram',
      aggregationTemporality: num(m.exponentialHistogram.aggregationTemporality),
      dataPoints: m.exponentialHistogram.dataPoints.map((p: J) => ({
        ...base(p),
        count: num(p.count),
        sum: p.sum ?? null,
        scale: num(p.scale),
        zeroCount: num(p.zeroCount),
        positive: buckets(p.positive),
        negative: buckets(p.negative),
        min: p.min ?? null,
        max: p.max ?? null,
        zeroThreshold: num(p.zeroThreshold),
      })),
    };
  }
  return { type: 'empty' };
}
function fromJson(doc: J): ExportMetricsRequest {
  return {
    resourceMetrics: doc.resourceMetrics.map((rm: J) => ({
      resource: resourceOf(rm.resource),
      schemaUrl: rm.schemaUrl ?? '',
      scopeMetrics: rm.scopeMetrics.map((sm: J) => ({
        scope: scopeOf(sm.scope),
        schemaUrl: sm.schemaUrl ?? '',
        metrics: sm.metrics.map((m: J): OtlpMetric => ({ name: m.name, description: m.description ?? '', unit: m.unit ?? '', data: dataOf(m), metadata: {} })),
      })),
    })),
  };
}

const fixture = fromJson(JSON.parse(readFileSync(new URL('../../test/fixtures/otlp/metrics.json', import.meta.url), 'utf8')));
const T = 1544712660300000000n;
const NO_SHAPE = { explicitBounds: [], bucketCounts: [], exponential: null, quantiles: [], exemplars: [] };

describe('normalizeMetrics on the OTLP example fixture', () => {
  const points = normalizeMetrics(fixture);

  it('yields one point per data point with the metric identity, resource and scope', () => {
    expect(points.map((p) => [p.name, p.type])).toEqual([
      ['my.counter', 'sum'],
      ['my.gauge', 'gauge'],
      ['my.histogram', 'histogram'],
      ['my.exponential.histogram', 'exponential_histogram'],
    ]);
    for (const p of points) {
      expect(p.service).toBe('my.service');
      expect(p.resource).toEqual({ 'service.name': 'my.service' });
      expect(p.scope).toEqual({ name: 'my.library', version: '1.0.0', attributes: { 'my.scope.attribute': 'some scope attribute' }, droppedAttributesCount: 0 });
      expect(p.entities.refs.map(entityId)).toEqual(['service:my.service']);
    }
  });

  it('flattens a sum', () => {
    expect(points[0]).toMatchObject({
      description: 'I am a Counter', unit: '1', temporality: 1, monotonic: true, value: 5,
      count: null, sum: null, min: null, max: null, startTimeUnixNano: T, timeUnixNano: T, flags: 0,
      attributes: { 'my.counter.attr': 'some value' }, ...NO_SHAPE,
    });
  });

  it('flattens a gauge', () => {
    expect(points[1]).toMatchObject({ temporality: 0, monotonic: false, value: 10, count: null, startTimeUnixNano: 0n, ...NO_SHAPE });
  });

  it('flattens a histogram', () => {
    expect(points[2]).toMatchObject({
      temporality: 1, monotonic: false, value: null, count: 2, sum: 2, min: 0, max: 2,
      explicitBounds: [1], bucketCounts: [1, 1], exponential: null, quantiles: [],
    });
  });

  it('flattens an exponential histogram', () => {
    expect(points[3]).toMatchObject({
      temporality: 1, value: null, count: 3, sum: 10, min: 0, max: 5, explicitBounds: [], bucketCounts: [],
      exponential: { scale: 0, zeroCount: 1, zeroThreshold: 0, positiveOffset: 1, positiveBucketCounts: [0, 2], negativeOffset: 0, negativeBucketCounts: [] },
    });
  });
});

describe('normalizeMetrics: summary, empty data and flags', () => {
  const sc: Scope = { name: 'prom', version: '', attributes: {}, droppedAttributesCount: 0 };
  const req = (metrics: OtlpMetric[], resource: Attributes = {}): ExportMetricsRequest => ({
    resourceMetrics: [{ resource: { attributes: resource, droppedAttributesCount: 0 }, schemaUrl: '', scopeMetrics: [{ scope: sc, schemaUrl: '', metrics }] }],
  });

  it('flattens a summary with its quantiles', () => {
    const [p] = normalizeMetrics(req([{
      name: 'rpc.latency', description: '', unit: 's', metadata: {},
      data: { type: 'summary', dataPoints: [{ attributes: { method: 'Get' }, startTimeUnixNano: 1n, timeUnixNano: 2n, flags: 0, count: 4, sum: 1.5, quantileValues: [{ quantile: 0.5, value: 0.3 }, { quantile: 0.99, value: 0.9 }] }] },
    }]));
    expect(p).toMatchObject({
      type: 'summary', temporality: 0, monotonic: false, value: null, count: 4, sum: 1.5, min: null, max: null,
      quantiles: [{ quantile: 0.5, value: 0.3 }, { quantile: 0.99, value: 0.9 }], exemplars: [], exponential: null, service: '',
    });
  });

  it('yields nothing for a metric with empty data, and nulls for "no recorded value" points', () => {
    const points = normalizeMetrics(req([
      { name: 'nothing', description: '', unit: '', metadata: {}, data: { type: 'empty' } },
      {
        name: 'up', description: '', unit: '', metadata: {},
        data: { type: 'gauge', dataPoints: [{ attributes: {}, startTimeUnixNano: 0n, timeUnixNano: 3n, exemplars: [], flags: 1, value: 0, isInt: false }] },
      },
    ]));
    expect(points).toHaveLength(1);
    expect(points[0]).toMatchObject({ name: 'up', flags: 1, value: null });
  });

  it('derives GPU entities from a DCGM point and keeps its attributes intact', () => {
    const attributes = { gpu: '0', UUID: 'GPU-5f3c', modelName: 'NVIDIA A100', Hostname: 'node-a' };
    const [p] = normalizeMetrics(req([{
      name: 'DCGM_FI_DEV_GPU_UTIL', description: '', unit: '', metadata: {},
      data: { type: 'gauge', dataPoints: [{ attributes, startTimeUnixNano: 0n, timeUnixNano: 3n, exemplars: [], flags: 0, value: 87, isInt: true }] },
    }], { 'service.name': 'dcgm', 'host.name': 'node-a' }));
    expect(p!.value).toBe(87);
    expect(p!.attributes).toEqual({ gpu: '0', UUID: 'GPU-5f3c', modelName: 'NVIDIA A100', Hostname: 'node-a' });
    expect(p!.entities.refs.map(entityId)).toEqual(['service:dcgm', 'host:node-a', 'gpu:GPU-5f3c']);
    expect(p!.entities.edges.map((e) => `${entityId(e.from)} ${e.relation} ${entityId(e.to)}`)).toEqual(['host:node-a has gpu:GPU-5f3c']);
    expect(p!.signal).toEqual({ name: 'gpu.utilization', value: 0.87, labels: {} });
  });

  it('sets the canonical signal: scaled gauge and sum values, histograms by name only, unknown names none', () => {
    const gauge = (name: string, value: number, attributes: Attributes = {}, flags = 0): OtlpMetric => ({
      name, description: '', unit: '', metadata: {},
      data: { type: 'gauge', dataPoints: [{ attributes, startTimeUnixNano: 0n, timeUnixNano: 3n, exemplars: [], flags, value, isInt: false }] },
    });
    const points = normalizeMetrics(req([
      gauge('DCGM_FI_DEV_CLOCKS_EVENT_REASONS', 0x48),
      gauge('DCGM_FI_DEV_FB_USED', 2),
      gauge('DCGM_FI_DEV_GPU_UTIL', 50, {}, 1),
      {
        name: 'vllm:request_success_total', description: '', unit: '', metadata: {},
        data: { type: 'sum', aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ attributes: { finished_reason: 'stop' }, startTimeUnixNano: 1n, timeUnixNano: 3n, exemplars: [], flags: 0, value: 7, isInt: true }] },
      },
      {
        name: 'vllm:time_to_first_token_seconds', description: '', unit: 's', metadata: {},
        data: { type: 'histogram', aggregationTemporality: 2, dataPoints: [{ attributes: {}, startTimeUnixNano: 1n, timeUnixNano: 3n, exemplars: [], flags: 0, count: 2, sum: 0.3, bucketCounts: [1, 1], explicitBounds: [0.1], min: null, max: null }] },
      },
      {
        name: 'tgi_request_duration', description: '', unit: '', metadata: {},
        data: { type: 'summary', dataPoints: [{ attributes: {}, startTimeUnixNano: 1n, timeUnixNano: 3n, flags: 0, count: 1, sum: 2, quantileValues: [] }] },
      },
      gauge('my.gauge', 1),
    ]));
    expect(points.map((p) => p.signal)).toEqual([
      { name: 'gpu.throttle.reasons', value: 72, labels: { reasons: 'hw_slowdown,hw_thermal' } },
      { name: 'gpu.memory.used', value: 2097152, labels: {} },
      // flagged "no recorded value": the signal has no value either
      { name: 'gpu.utilization', value: null, labels: {} },
      { name: 'engine.requests.finished', value: 7, labels: { finished_reason: 'stop' } },
      { name: 'engine.ttft', value: null, labels: {} },
      { name: 'engine.request.duration', value: null, labels: {} },
      null,
    ]);
    // The point keeps its own value and unit.
    expect(points[1]).toMatchObject({ name: 'DCGM_FI_DEV_FB_USED', value: 2 });
  });
});
