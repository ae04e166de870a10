import { describe, expect, it } from 'vitest';
import { globMatcher } from '../glob.js';
import type { TablePayloads } from '../pipeline/encode.js';
import { normalizeTraces } from '../processors/index.js';
import type { Attributes } from '../receivers/otlp/types.js';
import { Allocation } from './allocation/allocator.js';
import { parseBudgetConfig } from './allocation/config.js';
import { MonitorStage } from './stage.js';
import type { Monitor, MonitorInput } from './types.js';

function spans(...attrs: Attributes[]) {
  return spansAt(attrs.map(() => 0), attrs);
}

/** Spans ending at the given times (ms; 0 keeps the default 20 ns). */
function spansAt(endMs: readonly number[], attrs: readonly Attributes[]) {
  return normalizeTraces(
    {
      resourceSpans: [
        {
          resource: { attributes: { 'service.name': 'app' }, droppedAttributesCount: 0 },
          scopeSpans: [
            {
              scope: { name: '', version: '', attributes: {}, droppedAttributesCount: 0 },
              spans: attrs.map((a, i) => ({ traceId: 'ab'.repeat(16), spanId: `${i}`.padStart(16, '0'), traceState: '', parentSpanId: '', flags: 0, name: 'chat', kind: 3, startTimeUnixNano: 10n, endTimeUnixNano: endMs[i] ? BigInt(endMs[i]) * 1_000_000n : 20n, attributes: { 'gen_ai.operation.name': 'chat', ...a }, droppedAttributesCount: 0, events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: { code: 0, message: '' } })),
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
    expect(stage.stats()).toEqual({ spans: 2, runs: 3, flags: 1, skippedAsync: 0, notStored: 0, budgetOffered: 0, budgetSampled: 0 });
  });

  it('counts results the pipeline refuses, and survives a monitor that throws', async () => {
    const broken: Monitor = { name: 'broken', scope: 'cot', run: () => { throw new Error('boom'); } };
    const logs: string[] = [];
    const stage = new MonitorStage([{ monitor: keyword, models: null }, { monitor: broken, models: null }], () => ({ ok: false, retryAfterSeconds: 1 }), (m) => logs.push(m));
    stage.onSpans(spans(reasoning('m', 'skip it'), reasoning('m', 'fine')));
    expect(stage.stats().notStored).toBe(2);
    expect(logs.some((l) => l.includes('boom'))).toBe(true);
  });

  it('with a budget, sends only the sampled spans to the judge, when their event-time window closes, each result with its inclusion probability', async () => {
    const judged: string[] = [];
    const countingJudge: Monitor = {
      name: 'judge',
      scope: 'all',
      run: async (input) => {
        judged.push(input.reasoning);
        return { monitor: 'judge', flag: input.reasoning.includes('skip'), score: 0.9, evidence: [], cost: { tokens: 150, ms: 5 } };
      },
    };
    const offered: TablePayloads[] = [];
    const allocation = new Allocation(parseBudgetConfig({ judge: { calls_per_minute: 3 }, floor: 0.001 })!, { idleFlushMs: null });
    const stage = new MonitorStage(
      [
        { monitor: keyword, models: null },
        { monitor: countingJudge, models: null, pool: 'judge' },
      ],
      (p) => (offered.push(p), { ok: true, seq: offered.length }),
      () => {},
      allocation,
    );
    const base = Date.UTC(2026, 0, 1, 12, 0, 0);
    // Twenty spans in one minute of event time; the keyword monitor flags three of them (a risk signal).
    const texts = Array.from({ length: 20 }, (_, i) => ([4, 11, 17].includes(i) ? `Plan ${i}: skip the failing tests.` : `Plan ${i}: careful work.`));
    stage.onSpans(spansAt(texts.map((_, i) => base + i * 2000), texts.map((t) => reasoning('m', t))));
    await Promise.resolve();
    expect(judged).toEqual([]);
    // A span a minute later (without reasoning) moves event time past the window: the choice is released.
    stage.onSpans(spansAt([base + 61_000], [{ 'gen_ai.request.model': 'm' }]));
    await stage.stop();
    expect(judged.length).toBeLessThanOrEqual(3);
    expect([...judged].sort()).toEqual([texts[11], texts[17], texts[4]]);
    const rows = offered.flatMap((p) => p.monitor_results!.toString().trim().split('\n').map((l) => JSON.parse(l) as { monitor: string; metrics: Record<string, number>; time: number }));
    expect(rows.filter((r) => r.monitor === 'keyword')).toHaveLength(20);
    const judgeRows = rows.filter((r) => r.monitor === 'judge');
    expect(judgeRows).toHaveLength(judged.length);
    for (const r of judgeRows) {
      expect(r.metrics.inclusion_probability).toBeGreaterThan(0);
      expect(r.metrics.inclusion_probability).toBeLessThanOrEqual(1);
      expect(r.metrics.allocation_risk).toBeGreaterThan(0.5);
    }
    expect(stage.stats()).toMatchObject({ spans: 20, budgetOffered: 20, budgetSampled: 3, skippedAsync: 0 });
  });

  it('with a budget that does not bind, judges every span with inclusion probability 1', async () => {
    let calls = 0;
    const j: Monitor = { name: 'judge', scope: 'all', run: async () => (calls++, { monitor: 'judge', flag: false, score: 0, evidence: [], cost: { tokens: 10, ms: 1 } }) };
    const offered: TablePayloads[] = [];
    const stage = new MonitorStage([{ monitor: j, models: null, pool: 'judge' }], (p) => (offered.push(p), { ok: true, seq: 1 }), () => {}, new Allocation(parseBudgetConfig({ judge: { calls_per_minute: 100 } })!, { idleFlushMs: null }));
    stage.onSpans(spans(reasoning('m', 'one'), reasoning('m', 'two'), reasoning('m', 'three')));
    await stage.stop();
    expect(calls).toBe(3);
    const rows = offered.flatMap((p) => p.monitor_results!.toString().trim().split('\n').map((l) => JSON.parse(l) as { metrics: Record<string, number> }));
    expect(rows.map((r) => r.metrics.inclusion_probability)).toEqual([1, 1, 1]);
  });
});
