import { describe, expect, it } from 'vitest';
import type { MetricPoint } from '../model/metric.js';
import type { Attributes, Exemplar, NumberDataPoint, OtlpMetric, SpanEvent } from '../receivers/otlp/types.js';
import { readingFromMetricPoint, readingsFromMetric, readingsFromSpan } from './readings.js';

const TRACE = '5b8efff798038103d269b633813fc60c';
const SPAN = 'eee19b7ec3c1b174';
const int = (n: number) => ({ int: BigInt(n) });
const event = (name: string, attributes: Attributes): SpanEvent => ({ timeUnixNano: 1n, name, attributes, droppedAttributesCount: 0 });
const span = (events: SpanEvent[], attributes: Attributes = {}) => ({ traceId: TRACE, spanId: SPAN, attributes, events });
const reading = (a: Attributes) => event('strata.probe.reading', a);
const PROPS = JSON.stringify([{ predicate: 'WorksAs', subject: 'Greg', object: 'nurse' }]);

describe('readings on a span', () => {
  it('one per strata.probe.reading event, all fields, alarm when score >= threshold', () => {
    const { readings, rejected } = readingsFromSpan(
      span([
        reading({ 'strata.probe.name': 'deception', 'strata.probe.layer': int(12), 'strata.probe.score': 0.8, 'strata.probe.threshold': 0.5, 'strata.probe.label': 'deceptive' }),
        event('other', { 'strata.probe.name': 'ignored' }),
        reading({ 'strata.probe.name': 'bias', 'strata.probe.score': 0.5, 'strata.probe.threshold': 0.5 }),
        reading({ 'strata.probe.name': 'low', 'strata.probe.score': int(0), 'strata.probe.threshold': 0.5 }),
        reading({ 'strata.probe.name': 'nothreshold', 'strata.probe.score': 0.99 }),
        reading({ 'strata.probe.name': 'world', 'strata.probe.layer': int(20), 'strata.probe.propositions': PROPS }),
      ]),
    );
    expect(rejected).toEqual([]);
    expect(readings).toEqual([
      { probe: 'deception', layer: 12, score: 0.8, threshold: 0.5, label: 'deceptive', propositions: null, alarm: true, source: 'event', traceId: TRACE, spanId: SPAN },
      { probe: 'bias', layer: null, score: 0.5, threshold: 0.5, label: null, propositions: null, alarm: true, source: 'event', traceId: TRACE, spanId: SPAN },
      { probe: 'low', layer: null, score: 0, threshold: 0.5, label: null, propositions: null, alarm: false, source: 'event', traceId: TRACE, spanId: SPAN },
      { probe: 'nothreshold', layer: null, score: 0.99, threshold: null, label: null, propositions: null, alarm: false, source: 'event', traceId: TRACE, spanId: SPAN },
      {
        probe: 'world', layer: 20, score: null, threshold: null, label: null, propositions: [{ predicate: 'WorksAs', subject: 'Greg', object: 'nurse' }],
        alarm: false, source: 'event', traceId: TRACE, spanId: SPAN,
      },
    ]);
  });

  it('one from the span attributes, after the events', () => {
    const { readings } = readingsFromSpan(span([reading({ 'strata.probe.name': 'a', 'strata.probe.score': 0.1 })], { 'strata.probe.name': 'b', 'strata.probe.score': 0.9, 'strata.probe.threshold': 0.7 }));
    expect(readings.map((r) => [r.probe, r.source, r.alarm])).toEqual([['a', 'event', false], ['b', 'attributes', true]]);
    expect(readingsFromSpan(span([], { 'gen_ai.operation.name': 'chat' }))).toEqual({ readings: [], rejected: [] });
  });

  it('malformed readings are rejected with a reason naming the attribute, and the others kept', () => {
    const bad: [Attributes, string, string | null][] = [
      [{ 'strata.probe.score': 0.4 }, 'strata.probe.name: required', null],
      [{ 'strata.probe.name': 7, 'strata.probe.score': 0.4 }, 'strata.probe.name: expected a non-empty string, got double 7', null],
      [{ 'strata.probe.name': 'p', 'strata.probe.score': NaN }, 'strata.probe.score: expected a finite number, got NaN', 'p'],
      [{ 'strata.probe.name': 'p', 'strata.probe.score': Infinity }, 'strata.probe.score: expected a finite number, got Infinity', 'p'],
      [{ 'strata.probe.name': 'p', 'strata.probe.score': '0.4' }, 'strata.probe.score: expected a double, got string "0.4"', 'p'],
      [{ 'strata.probe.name': 'p' }, 'strata.probe.score: required unless strata.probe.propositions is given', 'p'],
      [{ 'strata.probe.name': 'p', 'strata.probe.score': 0.4, 'strata.probe.layer': 1.5 }, 'strata.probe.layer: expected an int of 0 or more, got double 1.5', 'p'],
      [{ 'strata.probe.name': 'p', 'strata.probe.score': 0.4, 'strata.probe.layer': '3' }, 'strata.probe.layer: expected an int of 0 or more, got string "3"', 'p'],
      [{ 'strata.probe.name': 'p', 'strata.probe.score': 0.4, 'strata.probe.threshold': -Infinity }, 'strata.probe.threshold: expected a finite number, got -Infinity', 'p'],
      [{ 'strata.probe.name': 'p', 'strata.probe.score': 0.4, 'strata.probe.label': true }, 'strata.probe.label: expected a string, got boolean true', 'p'],
      [{ 'strata.probe.name': 'p', 'strata.probe.propositions': '[{"predicate":"A"' }, 'strata.probe.propositions: not valid JSON', 'p'],
      [{ 'strata.probe.name': 'p', 'strata.probe.propositions': '[{"predicate":"A","subject":"b"}]' }, 'strata.probe.propositions: [0].object: expected a non-empty string, got undefined', 'p'],
      [{ 'strata.probe.name': 'p', 'strata.probe.propositions': ['x'] }, 'strata.probe.propositions: expected a JSON string, got an array', 'p'],
    ];
    const { readings, rejected } = readingsFromSpan(span([...bad.map(([a]) => reading(a)), reading({ 'strata.probe.name': 'ok', 'strata.probe.score': 0.1 })]));
    expect(readings.map((r) => r.probe)).toEqual(['ok']);
    expect(rejected).toHaveLength(bad.length);
    bad.forEach(([, reason, probe], i) => {
      expect(rejected[i].reason.startsWith(reason), `${rejected[i].reason} / ${reason}`).toBe(true);
      expect(rejected[i]).toMatchObject({ probe, source: 'event', traceId: TRACE, spanId: SPAN });
    });
  });
});

const point = (value: number, attributes: Attributes, exemplars: Exemplar[] = [], flags = 0): NumberDataPoint => ({
  attributes, startTimeUnixNano: 0n, timeUnixNano: 5n, exemplars, flags, value, isInt: false,
});
const gauge = (dataPoints: NumberDataPoint[], name = 'strata.probe.score'): OtlpMetric => ({ name, description: '', unit: '1', data: { type: 'gauge', dataPoints }, metadata: {} });

describe('readings as OTLP metrics', () => {
  it('each point of the strata.probe.score gauge, linked by trace_id/span_id attributes or an exemplar', () => {
    const ex: Exemplar = { filteredAttributes: {}, timeUnixNano: 5n, value: 0.7, traceId: TRACE, spanId: SPAN };
    const { readings, rejected } = readingsFromMetric(
      gauge([
        point(0.7, { 'strata.probe.name': 'deception', 'strata.probe.layer': int(12), 'strata.probe.threshold': 0.6, trace_id: TRACE.toUpperCase(), span_id: SPAN }),
        point(0.2, { 'strata.probe.name': 'bias', 'strata.probe.threshold': 0.6 }, [ex]),
        point(0.2, { 'strata.probe.name': 'loose' }),
      ]),
    );
    expect(rejected).toEqual([]);
    expect(readings).toEqual([
      { probe: 'deception', layer: 12, score: 0.7, threshold: 0.6, label: null, propositions: null, alarm: true, source: 'metric', traceId: TRACE, spanId: SPAN },
      { probe: 'bias', layer: null, score: 0.2, threshold: 0.6, label: null, propositions: null, alarm: false, source: 'metric', traceId: TRACE, spanId: SPAN },
      { probe: 'loose', layer: null, score: 0.2, threshold: null, label: null, propositions: null, alarm: false, source: 'metric', traceId: '', spanId: '' },
    ]);
  });

  it('other metrics give nothing; bad points are rejected with a reason', () => {
    expect(readingsFromMetric(gauge([point(1, { 'strata.probe.name': 'x' })], 'gpu.utilization'))).toEqual({ readings: [], rejected: [] });
    const { readings, rejected } = readingsFromMetric(
      gauge([point(NaN, { 'strata.probe.name': 'nan' }), point(0.5, {}), point(0, { 'strata.probe.name': 'novalue' }, [], 1), point(0.5, { 'strata.probe.name': 'p', 'strata.probe.layer': -1 })]),
    );
    expect(readings).toEqual([]);
    expect(rejected.map((r) => [r.probe, r.reason])).toEqual([
      ['nan', 'strata.probe.score: expected a finite number, got NaN'],
      [null, 'strata.probe.name: required'],
      ['novalue', 'strata.probe.score: the point has no recorded value'],
      ['p', 'strata.probe.layer: expected an int of 0 or more, got double -1'],
    ]);
    const sum: OtlpMetric = { ...gauge([]), data: { type: 'sum', dataPoints: [point(0.5, { 'strata.probe.name': 's' })], aggregationTemporality: 2, isMonotonic: false } };
    expect(readingsFromMetric(sum).rejected).toMatchObject([{ probe: 's', reason: 'strata.probe.score: expected a gauge, got a sum' }]);
  });

  it('a normalised metric point (what an ingest listener sees)', () => {
    const p = {
      name: 'strata.probe.score', type: 'gauge', value: 0.9, flags: 0, exemplars: [],
      attributes: { 'strata.probe.name': 'deception', 'strata.probe.threshold': 0.5, trace_id: TRACE, span_id: SPAN },
    } as unknown as MetricPoint;
    expect(readingFromMetricPoint(p)).toMatchObject({ probe: 'deception', score: 0.9, alarm: true, traceId: TRACE, spanId: SPAN, source: 'metric' });
    expect(readingFromMetricPoint({ ...p, name: 'engine.ttft' })).toBeNull();
    expect(readingFromMetricPoint({ ...p, value: null })).toMatchObject({ reason: 'strata.probe.score: the point has no recorded value' });
    expect(readingFromMetricPoint({ ...p, type: 'histogram' })).toMatchObject({ reason: 'strata.probe.score: expected a gauge, got a histogram' });
  });
});
