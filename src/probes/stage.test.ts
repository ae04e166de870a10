import { describe, expect, it } from 'vitest';
import type { TablePayloads } from '../pipeline/encode.js';
import type { SpanEvent } from '../receivers/otlp/types.js';
import { normalizeTraces } from '../processors/index.js';
import { Allocation } from '../monitors/allocation/allocator.js';
import { parseBudgetConfig } from '../monitors/allocation/config.js';
import { parseProbeConfig } from './config.js';
import { createProbeRegistry } from './registry.js';
import { ProbeStage } from './stage.js';

const span = normalizeTraces(
  {
    resourceSpans: [
      {
        resource: { attributes: { 'service.name': 'engine' }, droppedAttributesCount: 0 },
        scopeSpans: [
          {
            scope: { name: '', version: '', attributes: {}, droppedAttributesCount: 0 },
            spans: [
              {
                traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), traceState: '', parentSpanId: '', flags: 0, name: 'chat m', kind: 2, startTimeUnixNano: 10n, endTimeUnixNano: 20n,
                attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'm', 'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: 'Greg works as a teacher.' }] }]) },
                droppedAttributesCount: 0,
                events: [
                  {
                    timeUnixNano: 15n, name: 'strata.probe.reading', droppedAttributesCount: 0,
                    attributes: { 'strata.probe.name': 'binding', 'strata.probe.layer': { int: 12n }, 'strata.probe.score': 0.8, 'strata.probe.threshold': 0.5, 'strata.probe.propositions': JSON.stringify([{ predicate: 'WorksAs', subject: 'Greg', object: 'nurse' }]) },
                  },
                  { timeUnixNano: 16n, name: 'strata.probe.reading', droppedAttributesCount: 0, attributes: { 'strata.probe.score': Number.NaN } },
                ],
                droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: { code: 0, message: '' },
              },
            ],
            schemaUrl: '',
          },
        ],
        schemaUrl: '',
      },
    ],
  },
  { content: true },
);

describe('ProbeStage', () => {
  it('stores each reading and the consistency agreement of the span; rejected readings are counted', () => {
    const offered: TablePayloads[] = [];
    const logs: string[] = [];
    const stage = new ProbeStage(null, (p) => (offered.push(p), { ok: true, seq: 1 }), (m) => logs.push(m));
    stage.onSpans(span);
    const rows = offered[0].probe_readings!.toString().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((r) => [r.probe, r.score, r.alarm, r.source])).toEqual([
      ['binding', 0.8, true, 'event'],
      ['consistency', 0, true, 'consistency'],
    ]);
    expect(rows[0]).toMatchObject({ time: 20, trace_id: 'ab'.repeat(16), service: 'engine', model: 'm', layer: 12, threshold: 0.5 });
    expect(rows[1]).toMatchObject({ agreement: 0, threshold: 0.5 });
    expect(JSON.parse(rows[1].propositions as string)).toEqual([{ predicate: 'WorksAs', subject: 'Greg', object: 'teacher' }]);
    expect(stage.stats()).toMatchObject({ readings: 1, rejected: 1 });
    expect(logs[0]).toContain('rejected');
  });
});

describe('ProbeStage with a probe budget', () => {
  it('applies the linear probes only to the sampled spans, when the window closes, each reading with its inclusion probability; sent readings are always stored', async () => {
    const registry = createProbeRegistry(parseProbeConfig({ linear: [{ name: 'lie', layer: 2, weights: [1, -1], threshold: 0.5 }] }));
    const base = BigInt(Date.UTC(2026, 0, 1, 12, 0, 0)) * 1_000_000n;
    const errors = new Set([3, 9, 14, 22]);
    const probed = normalizeTraces({
      resourceSpans: [
        {
          resource: { attributes: { 'service.name': 'engine' }, droppedAttributesCount: 0 },
          scopeSpans: [
            {
              scope: { name: '', version: '', attributes: {}, droppedAttributesCount: 0 },
              spans: Array.from({ length: 30 }, (_, i) => ({
                traceId: 'ab'.repeat(16), spanId: `${i}`.padStart(16, '0'), traceState: '', parentSpanId: '', flags: 0, name: 'chat m', kind: 2,
                startTimeUnixNano: base, endTimeUnixNano: base + BigInt(i) * 1_000_000_000n,
                attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'm' }, droppedAttributesCount: 0,
                events: <SpanEvent[]>[
                  { timeUnixNano: base, name: 'strata.probe.activations', droppedAttributesCount: 0, attributes: { 'strata.probe.layer': { int: 2n }, 'strata.probe.vector': [i / 10, 0.5] } },
                  ...(i === 0 ? [{ timeUnixNano: base, name: 'strata.probe.reading', droppedAttributesCount: 0, attributes: { 'strata.probe.name': 'sent', 'strata.probe.score': 0.1 } }] : []),
                ],
                droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: { code: errors.has(i) ? 2 : 0, message: '' },
              })),
              schemaUrl: '',
            },
          ],
          schemaUrl: '',
        },
      ],
    });
    const offered: TablePayloads[] = [];
    const allocation = new Allocation(parseBudgetConfig({ probes: { evaluations_per_minute: 5 }, floor: 0.001 })!, { idleFlushMs: null });
    const stage = new ProbeStage(registry, (p) => (offered.push(p), { ok: true, seq: 1 }), () => {}, allocation);
    const rows = () => offered.flatMap((p) => p.probe_readings!.toString().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>));
    stage.onSpans(probed);
    // Only the reading the serving side sent is stored at once, without an inclusion probability.
    expect(rows().map((r) => [r.probe, r.inclusion_probability])).toEqual([['sent', undefined]]);
    await stage.stop();
    const linear = rows().filter((r) => r.source === 'linear');
    expect(linear.length).toBeLessThanOrEqual(5);
    expect(linear.length).toBeGreaterThanOrEqual(4);
    for (const r of linear) {
      expect(r.probe).toBe('lie');
      expect(r.inclusion_probability as number).toBeGreaterThan(0);
      expect(r.inclusion_probability as number).toBeLessThanOrEqual(1);
    }
    // The four spans with an error are the riskiest: they are among those probed.
    const spanIds = linear.map((r) => Number(r.span_id));
    for (const i of errors) expect(spanIds).toContain(i);
    expect(stage.stats()).toMatchObject({ readings: 1 + linear.length, rejected: 0 });
  });
});
