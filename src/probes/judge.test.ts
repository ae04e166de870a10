import { describe, expect, it } from 'vitest';
import type { SpanRecord } from '../model/span.js';
import { normalizeTraces } from '../processors/normalize-traces.js';
import type { Attributes, ExportTraceRequest, SpanEvent } from '../receivers/otlp/types.js';
import { parseProbeConfig } from './config.js';
import { createPropositionExtractor } from './extract.js';
import { judgeSpan } from './judge.js';
import { createProbeRegistry } from './registry.js';

const TRACE = '5b8efff798038103d269b633813fc60c';
const SPAN = 'eee19b7ec3c1b174';
const int = (n: number) => ({ int: BigInt(n) });
const ev = (name: string, attributes: Attributes): SpanEvent => ({ timeUnixNano: 1n, name, attributes, droppedAttributesCount: 0 });

/** One span through normalizeTraces: a chat span with the given output text and events. */
function span(output: string | null, events: SpanEvent[]): SpanRecord {
  const attributes: Attributes = { 'gen_ai.operation.name': 'chat' };
  if (output !== null) attributes['gen_ai.output.messages'] = JSON.stringify([{ role: 'assistant', parts: [{ type: 'reasoning', content: 'Greg likes tea' }, { type: 'text', content: output }] }]);
  const s = {
    traceId: TRACE, spanId: SPAN, traceState: '', parentSpanId: '', flags: 1, name: 'chat m', kind: 3, startTimeUnixNano: 1n, endTimeUnixNano: 2n,
    attributes, droppedAttributesCount: 0, events, droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: { code: 0, message: '' },
  };
  const scope = { name: 's', version: '', attributes: {}, droppedAttributesCount: 0 };
  const req: ExportTraceRequest = { resourceSpans: [{ resource: { attributes: { 'service.name': 'svc' }, droppedAttributesCount: 0 }, schemaUrl: '', scopeSpans: [{ scope, spans: [s], schemaUrl: '' }] }] };
  return normalizeTraces(req, { confidence: null })[0];
}

const props = (...ps: [string, string, string][]) => JSON.stringify(ps.map(([predicate, subject, object]) => ({ predicate, subject, object })));
const world = (json: string) => ev('strata.probe.reading', { 'strata.probe.name': 'world', 'strata.probe.layer': int(20), 'strata.probe.propositions': json });
const acts = (layer: number, vector: number[]) => ev('strata.probe.activations', { 'strata.probe.layer': int(layer), 'strata.probe.vector': vector });

const registry = createProbeRegistry(
  parseProbeConfig({
    linear: [
      { name: 'deception', layer: 12, weights: [0.5, -1, 2], bias: 0.25, threshold: 0.5 },
      { name: 'bias', layer: 12, weights: [1, 1, 1], bias: 0, threshold: 10, link: 'identity' },
      { name: 'late', layer: 30, weights: [1, 1], threshold: 0.5 },
    ],
  }),
);

describe('the registry applies linear probes to the activations of their layer', () => {
  it('one reading per probe and matching vector; other layers untouched', () => {
    const { readings, rejected } = registry.apply(span(null, [acts(12, [2, 1, 0.5]), acts(7, [1])]));
    expect(rejected).toEqual([]);
    expect(readings.map((r) => [r.probe, r.layer, r.source, r.alarm])).toEqual([['deception', 12, 'linear', true], ['bias', 12, 'linear', false]]);
    expect(readings[0].score).toBeCloseTo(0.7772998611746911, 15); // sigmoid(1.25)
    expect(readings[1]).toMatchObject({ score: 3.5, threshold: 10, traceId: TRACE, spanId: SPAN });
  });

  it('a wrong dimension names the probe, expected and got; a bad event is reported once', () => {
    const { readings, rejected } = registry.apply(span(null, [acts(30, [1, 2, 3]), ev('strata.probe.activations', { 'strata.probe.vector': [1, 2] })]));
    expect(readings).toEqual([]);
    expect(rejected.map((r) => [r.probe, r.reason])).toEqual([
      [null, 'strata.probe.activations event: strata.probe.layer: required'],
      ['late', 'probe late: activation vector has 3 dimensions, expected 2 (layer 30)'],
    ]);
  });
});

describe('judgeSpan', () => {
  it('agreement is the Jaccard of the probe propositions and the output text; below the threshold is an alarm', () => {
    // probe: {WorksAs(Greg, nurse), LivesIn(Greg, Paris), From(Greg, Italy)}; output: {WorksAs(Greg, nurse), LivesIn(Greg, Rome)}
    const s = span('Greg works as a nurse. Greg lives in Rome.', [world(props(['WorksAs', 'Greg', 'nurse'], ['LivesIn', 'Greg', 'Paris'], ['From', 'Greg', 'Italy']))]);
    const j = judgeSpan(s, registry);
    expect(j.consistency).toMatchObject({ agreement: 0.25, threshold: 0.5, alarm: true });
    expect(j.consistency?.outputPropositions).toEqual([{ predicate: 'WorksAs', subject: 'Greg', object: 'nurse' }, { predicate: 'LivesIn', subject: 'Greg', object: 'Rome' }]);
    expect(j.alarms).toEqual([{ kind: 'consistency', agreement: 0.25, threshold: 0.5 }]);
    // the same span with a lower threshold: no alarm
    expect(judgeSpan(s, registry, { threshold: 0.25 }).consistency).toMatchObject({ agreement: 0.25, alarm: false });
    expect(judgeSpan(s, registry, { threshold: 0.25 }).alarms).toEqual([]);
  });

  it('faithful output: agreement 1 after normalisation, no alarm; the reasoning text is not read', () => {
    const s = span('Yes: greg... no, Greg works as the Nurse!', [world(props(['works_as', 'greg', 'nurse']))]);
    expect(judgeSpan(s, null).consistency).toMatchObject({ agreement: 1, alarm: false });
    // reasoning says "Greg likes tea" but only the text part is compared
    expect(judgeSpan(s, null).consistency?.outputPropositions).toHaveLength(1);
  });

  it('both sets empty agree (1); nothing to compare gives no consistency', () => {
    expect(judgeSpan(span('Hello there.', [world('[]')]), null).consistency).toMatchObject({ agreement: 1, alarm: false });
    expect(judgeSpan(span('Greg likes tea.', [world('[]')]), null).consistency).toMatchObject({ agreement: 0, alarm: true });
    // no reading with propositions
    expect(judgeSpan(span('Greg likes tea.', []), null).consistency).toBeNull();
    // no output text (content not captured): not a disagreement
    expect(judgeSpan(span(null, [world(props(['Likes', 'Greg', 'tea']))]), null).consistency).toBeNull();
    // disabled
    const off = createProbeRegistry(parseProbeConfig({ consistency: { enabled: false } }));
    expect(judgeSpan(span('Greg likes coffee.', [world(props(['Likes', 'Greg', 'tea']))]), off).consistency).toBeNull();
  });

  it('given and computed readings together, each alarm listed, rejected readings collected', () => {
    const s = span('Greg likes tea.', [
      ev('strata.probe.reading', { 'strata.probe.name': 'sent', 'strata.probe.score': 0.9, 'strata.probe.threshold': 0.8 }),
      ev('strata.probe.reading', { 'strata.probe.name': 'broken', 'strata.probe.score': NaN }),
      world(props(['Likes', 'Greg', 'tea'], ['Likes', 'Greg', 'cake'])),
      acts(12, [2, 1, 0.5]),
    ]);
    const j = judgeSpan(s, registry);
    expect(j.readings.map((r) => `${r.probe}/${r.source}`)).toEqual(['sent/event', 'world/event', 'deception/linear', 'bias/linear']);
    expect(j.rejected).toMatchObject([{ probe: 'broken', reason: 'strata.probe.score: expected a finite number, got NaN' }]);
    expect(j.alarms).toEqual([
      { kind: 'probe', probe: 'sent', score: 0.9, threshold: 0.8, source: 'event' },
      { kind: 'probe', probe: 'deception', score: j.readings[2].score, threshold: 0.5, source: 'linear' },
    ]);
    expect(j.consistency).toMatchObject({ agreement: 0.5, alarm: false }); // 1 / 2: not below 0.5
  });

  it('a custom extractor and text override', () => {
    const extractor = createPropositionExtractor([{ predicate: 'Speaks', pattern: String.raw`(?<subject>[A-Z]\w+) speaks (?<object>\w+)` }]);
    const s = span(null, [world(props(['Speaks', 'Greg', 'French']))]);
    expect(judgeSpan(s, null, { extractor, text: 'Greg speaks French.' }).consistency).toMatchObject({ agreement: 1, alarm: false });
  });
});
