import { describe, expect, it } from 'vitest';
import { globMatcher } from '../glob.js';
import type { TablePayloads } from '../pipeline/encode.js';
import { normalizeTraces } from '../processors/index.js';
import type { Attributes } from '../receivers/otlp/types.js';
import { MonitorStage } from './stage.js';
import type { Monitor, MonitorInput } from './types.js';

function spans(...attrs: Attributes[]) {
  return normalizeTraces(
    {
      resourceSpans: [
        {
          resource: { attributes: { 'service.name': 'app' }, droppedAttributesCount: 0 },
          scopeSpans: [
            {
              scope: { name: '', version: '', attributes: {}, droppedAttributesCount: 0 },
              spans: attrs.map((a, i) => ({ traceId: 'ab'.repeat(16), spanId: `${i}`.padStart(16, '0'), traceState: '', parentSpanId: '', flags: 0, name: 'chat', kind: 3, startTimeUnixNano: 10n, endTimeUnixNano: 20n, attributes: { 'gen_ai.operation.name': 'chat', ...a }, droppedAttributesCount: 0, events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: { code: 0, message: '' } })),
              schemaUrl: '',
            },
          ],
          schemaUrl: '',
        },
      ],
    },
    { content: true },
  );
}

const reasoning = (model: string, text: string): Attributes => ({
  'gen_ai.request.model': model,
  'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'reasoning', content: text }, { type: 'text', content: 'done' }] }]),
});

const seen: MonitorInput[] = [];
const keyword: Monitor = {
  name: 'keyword',
  scope: 'cot',
  run: (input) => {
    seen.push(input);
    const at = input.reasoning.indexOf('skip');
    return { monitor: 'keyword', flag: at >= 0, score: at >= 0 ? 1 : 0, evidence: at >= 0 ? [{ start: at, end: at + 4, text: 'skip', source: 'reasoning' }] : [], cost: { tokens: 0, ms: 0.01 } };
  },
};
const judge: Monitor = { name: 'judge', scope: 'all', run: async () => ({ monitor: 'judge', flag: false, score: 0.2, evidence: [], cost: { tokens: 120, ms: 5 } }) };

describe('MonitorStage', () => {
  it('runs the monitors configured for the model on spans with reasoning and stores every result through the pipeline', async () => {
    const offered: TablePayloads[] = [];
    const stage = new MonitorStage(
      [
        { monitor: keyword, models: null },
        { monitor: judge, models: globMatcher('big-*') },
      ],
      (p) => {
        offered.push(p);
        return { ok: true, seq: offered.length };
      },
    );
    stage.onSpans(spans(reasoning('big-1', 'I will skip the tests.'), reasoning('small-1', 'Careful work.'), { 'gen_ai.request.model': 'x' }));
    await stage.stop();
    const rows = offered.flatMap((p) => p.monitor_results!.toString().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>));
    expect(rows.map((r) => [r.model, r.monitor, r.flag])).toEqual([
      ['big-1', 'keyword', true],
      ['small-1', 'keyword', false],
      ['big-1', 'judge', false],
    ]);
    expect(rows[0]).toMatchObject({ time: 20, trace_id: 'ab'.repeat(16), span_id: '0000000000000000', service: 'app', score: 1, cost_tokens: 0, hidden_reasoning: false });
    expect(JSON.parse(rows[0].evidence as string)).toEqual([{ start: 7, end: 11, text: 'skip', source: 'reasoning' }]);
    expect(rows[2]).toMatchObject({ cost_tokens: 120, cost_ms: 5 });
    expect(seen[0]).toEqual({ reasoning: 'I will skip the tests.', actions: [], output: 'done', task: '' });
    expect(stage.stats()).toEqual({ spans: 2, runs: 3, flags: 1, skippedAsync: 0, notStored: 0 });
  });

  it('counts results the pipeline refuses, and survives a monitor that throws', async () => {
    const broken: Monitor = { name: 'broken', scope: 'cot', run: () => { throw new Error('boom'); } };
    const logs: string[] = [];
    const stage = new MonitorStage([{ monitor: keyword, models: null }, { monitor: broken, models: null }], () => ({ ok: false, retryAfterSeconds: 1 }), (m) => logs.push(m));
    stage.onSpans(spans(reasoning('m', 'skip it'), reasoning('m', 'fine')));
    expect(stage.stats().notStored).toBe(2);
    expect(logs.some((l) => l.includes('boom'))).toBe(true);
  });
});
