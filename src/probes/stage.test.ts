import { describe, expect, it } from 'vitest';
import type { TablePayloads } from '../pipeline/encode.js';
import { normalizeTraces } from '../processors/index.js';
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
